package ai.apprentice.learn;

import ai.apprentice.eval.Metrics;
import ai.apprentice.eval.Summary;
import ai.apprentice.eval.TrialResult;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Whether a candidate beats the incumbent: both are evaluated on the same held-out tasks, k trials each; per task the
 * difference of pass^k (candidate minus incumbent); the candidate is accepted when the 95% interval of the mean
 * difference (Student's t over tasks) lies above zero, or, as an option, when it is non-inferior (the interval's low
 * end above minus the margin) and at least {@code minSaving} cheaper. A one-sided test at 2.5%: a change that does
 * nothing is accepted at most that often, whatever it costs to find out.
 */
public final class Gate {
    /**
     * @param k          trials per task, and the k of pass^k
     * @param margin     how much worse (in pass^k) a cheaper candidate may be at the interval's low end; 0 turns
     *                   acceptance for cost off
     * @param minSaving  the share of cost a non-inferior candidate must save (0.1 = 10%)
     * @param futility   stop after half of the tasks when the candidate is no better there (saves rollouts; can only
     *                   lower the chance of accepting)
     */
    public record Options(int k, double margin, double minSaving, boolean futility) {
        public Options {
            if (k < 1) throw new IllegalArgumentException("k must be at least 1, got " + k);
            if (margin < 0 || margin >= 1) throw new IllegalArgumentException("the margin must be in [0, 1), got " + margin);
        }

        public static Options of(int k) {
            return new Options(k, 0.0, 0.1, true);
        }
    }

    /** What the gate measured and decided. */
    public record Verdict(boolean accepted, String reason, int k, int tasks, double incumbent, double candidate, double delta,
                          double low, double high, double incumbentCost, double candidateCost, String costUnit, boolean stoppedEarly) {
        /** This acceptance held again on fresh trials: the verdict stands, and says so. */
        Verdict replicated(Verdict again) {
            return new Verdict(true, reason + "; replicated on fresh trials (" + String.format("%+.3f", again.delta()) + ")", k, tasks,
                    incumbent, candidate, delta, low, high, incumbentCost, candidateCost, costUnit, stoppedEarly);
        }

        /** This acceptance did not hold on fresh trials: rejected, as chance. */
        Verdict notReplicated(Verdict again) {
            return new Verdict(false, "not replicated: " + reason + ", but fresh trials gave " + again.reason(), k, tasks,
                    incumbent, candidate, delta, low, high, incumbentCost, candidateCost, costUnit, stoppedEarly);
        }

        public ObjectNode json() {
            var o = Json.object().put("accepted", accepted).put("reason", reason).put("k", k).put("tasks", tasks)
                    .put("incumbent_pass_hat_k", incumbent).put("candidate_pass_hat_k", candidate).put("delta", delta);
            o.putArray("ci95").add(low).add(high);
            o.put("incumbent_cost", incumbentCost).put("candidate_cost", candidateCost).put("cost_unit", costUnit).put("stopped_early", stoppedEarly);
            return o;
        }
    }

    /**
     * Fewer held-out tasks than this prove nothing: with two, a change that does nothing wins both by chance one time
     * in sixteen and its interval is [+1, +1].
     */
    public static final int MIN_TASKS = 6;

    private Gate() {}

    /**
     * Judges two evaluations on the tasks both finished with at least k trials. Fewer than two such tasks can prove
     * nothing: rejected.
     */
    public static Verdict judge(List<TrialResult> incumbent, List<TrialResult> candidate, Options o, boolean stoppedEarly) {
        var inc = perTask(incumbent, o.k());
        var cand = perTask(candidate, o.k());
        var tasks = new ArrayList<>(inc.keySet());
        tasks.retainAll(cand.keySet());
        tasks.sort(null);
        var incCost = cost(incumbent, tasks);
        var candCost = cost(candidate, tasks);
        String unit = incCost.usd() > 0 || candCost.usd() > 0 ? "usd" : "tokens";
        double ic = unit.equals("usd") ? incCost.usd() : incCost.tokens();
        double cc = unit.equals("usd") ? candCost.usd() : candCost.tokens();
        int n = tasks.size();
        if (n == 0) {
            return new Verdict(false, "no task was evaluated in both arms with " + o.k() + " trials", o.k(), 0, 0, 0, 0, 0, 0, ic, cc, unit, stoppedEarly);
        }
        double[] d = new double[n];
        double si = 0, sc = 0;
        for (int i = 0; i < n; i++) {
            double a = inc.get(tasks.get(i)), b = cand.get(tasks.get(i));
            si += a;
            sc += b;
            d[i] = b - a;
        }
        double mean = 0;
        for (double x : d) mean += x;
        mean /= n;
        double ss = 0;
        for (double x : d) ss += (x - mean) * (x - mean);
        double sd = n < 2 ? 0 : Math.sqrt(ss / (n - 1));
        double half = sd == 0 || n < 2 ? 0 : new TDistribution(null, n - 1).inverseCumulativeProbability(0.975) * sd / Math.sqrt(n);
        double low = mean - half, high = mean + half;
        boolean better = low > 0;
        boolean cheaper = o.margin() > 0 && low > -o.margin() && cc <= (1 - o.minSaving()) * ic;
        String reason;
        if (!stoppedEarly && n < MIN_TASKS) {
            return new Verdict(false, String.format("only %d tasks were evaluated in both arms; the gate needs at least %d to show anything (pass^%d %+.3f)",
                    n, MIN_TASKS, o.k(), mean), o.k(), n, si / n, sc / n, mean, low, high, ic, cc, unit, false);
        }
        if (stoppedEarly) reason = "stopped early: no better than the incumbent on the first half of the held-out tasks";
        else if (better) reason = String.format("better: pass^%d %+.3f, 95%% CI [%+.3f, %+.3f] above zero", o.k(), mean, low, high);
        else if (cheaper) reason = String.format("non-inferior (CI low %+.3f > -%.2f) and %.0f%% cheaper", low, o.margin(), 100 * (1 - cc / ic));
        else reason = String.format("not shown better: pass^%d %+.3f, 95%% CI [%+.3f, %+.3f] includes zero or below", o.k(), mean, low, high);
        return new Verdict(!stoppedEarly && (better || cheaper), reason, o.k(), n, si / n, sc / n, mean, low, high, ic, cc, unit, stoppedEarly);
    }

    /** Each task's pass^k over its trials (tasks with fewer than k trials are left out). */
    static Map<String, Double> perTask(List<TrialResult> trials, int k) {
        return Summary.outcomes(trials).stream().filter(t -> t.trials() >= k)
                .collect(Collectors.toMap(Metrics.TaskOutcome::taskId, t -> Metrics.passHatK(t.trials(), t.successes(), k)));
    }

    record Cost(double usd, double tokens) {}

    static Cost cost(List<TrialResult> trials, List<String> tasks) {
        var in = new HashSet<>(tasks);
        var chosen = trials.stream().filter(t -> in.contains(t.taskId())).toList();
        if (chosen.isEmpty()) return new Cost(0, 0);
        return new Cost(chosen.stream().mapToDouble(TrialResult::costUsd).average().orElse(0),
                chosen.stream().mapToLong(t -> t.inputTokens() + t.outputTokens()).average().orElse(0));
    }
}
