package ai.apprentice.eval;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The numbers of an evaluation: pass@k and pass^k for every k up to the trials per task, with intervals. */
public final class Summary {
    private Summary() {}

    public static List<Metrics.TaskOutcome> outcomes(List<TrialResult> trials) {
        Map<String, List<TrialResult>> byTask = trials.stream().collect(Collectors.groupingBy(TrialResult::taskId, TreeMap::new, Collectors.toList()));
        var out = new ArrayList<Metrics.TaskOutcome>();
        byTask.forEach((task, list) -> out.add(new Metrics.TaskOutcome(task, list.size(), (int) list.stream().filter(TrialResult::success).count())));
        return out;
    }

    public static ObjectNode json(String env, String split, List<TrialResult> trials, long seed) {
        var tasks = outcomes(trials);
        int n = tasks.stream().mapToInt(Metrics.TaskOutcome::trials).min().orElse(0);
        var o = Json.object().put("env", env).put("split", split).put("tasks", tasks.size()).put("trials", trials.size());
        var at = o.putObject("pass_at_k");
        var hat = o.putObject("pass_hat_k");
        var atCi = o.putObject("pass_at_k_ci95");
        var hatCi = o.putObject("pass_hat_k_ci95");
        for (int k = 1; k <= n; k++) {
            int kk = k;
            var a = Metrics.bootstrap(tasks, t -> Metrics.passAtK(t.trials(), t.successes(), kk), seed);
            var h = Metrics.bootstrap(tasks, t -> Metrics.passHatK(t.trials(), t.successes(), kk), seed);
            at.put(String.valueOf(k), a.value());
            hat.put(String.valueOf(k), h.value());
            atCi.putArray(String.valueOf(k)).add(a.low()).add(a.high());
            hatCi.putArray(String.valueOf(k)).add(h.low()).add(h.high());
        }
        o.put("mean_reward", trials.stream().mapToDouble(TrialResult::reward).average().orElse(0));
        o.put("input_tokens", trials.stream().mapToLong(TrialResult::inputTokens).sum());
        o.put("output_tokens", trials.stream().mapToLong(TrialResult::outputTokens).sum());
        o.put("cost_usd", trials.stream().mapToDouble(TrialResult::costUsd).sum());
        o.put("mean_actions", trials.stream().mapToInt(TrialResult::actions).average().orElse(0));
        o.put("mean_wall_ms", trials.stream().mapToLong(TrialResult::wallMs).average().orElse(0));
        o.put("errors", trials.stream().filter(t -> t.error() != null).count());
        return o;
    }
}
