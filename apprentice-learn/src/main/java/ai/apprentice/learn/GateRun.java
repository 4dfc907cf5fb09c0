package ai.apprentice.learn;

import ai.apprentice.harness.Session;
import java.util.List;

/**
 * One pass of the gate: the incumbent's evaluation on the held-out tasks (reused when given, so a loop pays for it
 * once per incumbent), the candidate's in two halves with a stop for futility after the first (no better there, and,
 * when a margin allows cheaper candidates, not a cheaper one within the margin either), and the verdict; an acceptance
 * is kept only if fresh trials of both arms accept again.
 */
public final class GateRun {
    public record Result(Gate.Verdict verdict, Evaluator.Evaluation incumbent, Evaluator.Evaluation candidate, int rollouts) {}

    private GateRun() {}

    public static Result run(Evaluator evaluator, Session incumbentSession, Session candidateSession, String split, List<Integer> tasks,
                             Gate.Options options, long seed, Evaluator.Evaluation incumbentEval) throws InterruptedException {
        int rollouts = 0;
        var inc = incumbentEval;
        if (inc == null) {
            inc = evaluator.evaluate("incumbent", incumbentSession, split, tasks, options.k(), seed);
            rollouts += inc.rolloutsNow();
        }
        Evaluator.Evaluation cand;
        if (options.futility() && tasks.size() >= 4) {
            var first = tasks.subList(0, tasks.size() / 2);
            cand = evaluator.evaluate("candidate", candidateSession, split, first, options.k(), seed);
            var early = Gate.judge(only(inc, cand), cand.trials(), options, false);
            // No better so far; with a margin, a candidate still in it (not worse by the margin, and cheaper) goes on.
            boolean stillCheaper = options.margin() > 0 && early.delta() > -options.margin()
                    && early.candidateCost() <= (1 - options.minSaving()) * early.incumbentCost();
            if (!(early.delta() > 0) && !stillCheaper) {
                rollouts += cand.rolloutsNow();
                return new Result(Gate.judge(only(inc, cand), cand.trials(), options, true), inc, cand, rollouts);
            }
            cand = evaluator.evaluate(cand, candidateSession, split, tasks, options.k(), seed);
        } else {
            cand = evaluator.evaluate("candidate", candidateSession, split, tasks, options.k(), seed);
        }
        rollouts += cand.rolloutsNow();
        var verdict = Gate.judge(inc.trials(), cand.trials(), options, false);
        if (!verdict.accepted()) return new Result(verdict, inc, cand, rollouts);
        // A loop gates many candidates, and at a 95% interval one in forty that change nothing looks better by chance:
        // an acceptance must replicate on fresh trials of both arms (other seeds) before it is kept.
        long again = seed ^ 0x5DEECE66DL;
        var inc2 = evaluator.evaluate("incumbent (replication)", incumbentSession, split, tasks, options.k(), again);
        var cand2 = evaluator.evaluate("candidate (replication)", candidateSession, split, tasks, options.k(), again);
        rollouts += inc2.rolloutsNow() + cand2.rolloutsNow();
        var replicated = Gate.judge(inc2.trials(), cand2.trials(), options, false);
        if (replicated.accepted()) return new Result(verdict.replicated(replicated), inc, cand, rollouts);
        return new Result(verdict.notReplicated(replicated), inc, cand, rollouts);
    }

    /** The incumbent's trials of the tasks the candidate has run so far. */
    private static List<ai.apprentice.eval.TrialResult> only(Evaluator.Evaluation inc, Evaluator.Evaluation cand) {
        var ids = cand.trials().stream().map(ai.apprentice.eval.TrialResult::taskId).collect(java.util.stream.Collectors.toSet());
        return inc.trials().stream().filter(t -> ids.contains(t.taskId())).toList();
    }
}
