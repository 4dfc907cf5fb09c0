package ai.apprentice.eval;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Two evaluations compared on the tasks both ran: per task the success rate of each, the mean difference
 * (B minus A) with a 95% paired bootstrap interval over tasks, and the tasks that flipped.
 */
public final class Comparison {
    private Comparison() {}

    private static Map<String, Double> rates(List<TrialResult> trials) {
        var sums = new TreeMap<String, double[]>();
        for (var t : trials) {
            var s = sums.computeIfAbsent(t.taskId(), k -> new double[2]);
            s[0] += t.success() ? 1 : 0;
            s[1]++;
        }
        var out = new TreeMap<String, Double>();
        sums.forEach((k, v) -> out.put(k, v[0] / v[1]));
        return out;
    }

    public static ObjectNode of(List<TrialResult> a, List<TrialResult> b, long seed) {
        var ra = rates(a);
        var rb = rates(b);
        var common = new TreeSet<>(ra.keySet());
        common.retainAll(rb.keySet());
        var diffs = new ArrayList<Double>();
        var o = Json.object().put("tasks", common.size());
        var better = o.putArray("better_in_b");
        var worse = o.putArray("worse_in_b");
        for (var t : common) {
            double d = rb.get(t) - ra.get(t);
            diffs.add(d);
            if (ra.get(t) < 0.5 && rb.get(t) >= 0.5) better.add(t);
            if (ra.get(t) >= 0.5 && rb.get(t) < 0.5) worse.add(t);
        }
        double mean = diffs.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        o.put("success_a", common.stream().mapToDouble(ra::get).average().orElse(0));
        o.put("success_b", common.stream().mapToDouble(rb::get).average().orElse(0));
        o.put("difference", mean);
        var rnd = new Random(seed);
        var means = new ArrayList<Double>();
        for (int i = 0; i < 1000 && !diffs.isEmpty(); i++) {
            double s = 0;
            for (int j = 0; j < diffs.size(); j++) s += diffs.get(rnd.nextInt(diffs.size()));
            means.add(s / diffs.size());
        }
        means.sort(null);
        o.putArray("difference_ci95").add(means.isEmpty() ? 0 : means.get(24)).add(means.isEmpty() ? 0 : means.get(974));
        return o;
    }

    /**
     * For people: the success of each side and the difference with its interval as a table, then the tasks whose
     * success rate changed, one row each.
     */
    public static String text(String a, String b, ObjectNode c, List<TrialResult> trialsA, List<TrialResult> trialsB) {
        var ra = rates(trialsA);
        var rb = rates(trialsB);
        var sb = new StringBuilder();
        sb.append(String.format(java.util.Locale.ROOT, "A = %s%nB = %s%n%d shared tasks%n%n", a, b, c.get("tasks").asInt()));
        sb.append(String.format(java.util.Locale.ROOT, "%-10s %8s %8s %8s   %s%n", "", "A", "B", "B - A", "95% CI of B - A"));
        sb.append(String.format(java.util.Locale.ROOT, "%-10s %8.3f %8.3f %+8.3f   [%+.3f, %+.3f]%n", "success", c.get("success_a").asDouble(),
                c.get("success_b").asDouble(), c.get("difference").asDouble(), c.at("/difference_ci95/0").asDouble(), c.at("/difference_ci95/1").asDouble()));
        var changed = ra.keySet().stream().filter(rb::containsKey).filter(t -> Math.abs(ra.get(t) - rb.get(t)) > 1e-9).sorted().toList();
        if (changed.isEmpty()) {
            sb.append(String.format("%nno task's success rate changed%n"));
        } else {
            int width = Math.max(4, changed.stream().mapToInt(String::length).max().orElse(4));
            sb.append(String.format(java.util.Locale.ROOT, "%n%-" + width + "s %8s %8s   %s%n", "task", "A", "B", ""));
            for (var t : changed) {
                double x = ra.get(t), y = rb.get(t);
                String flip = x < 0.5 && y >= 0.5 ? "better in B" : x >= 0.5 && y < 0.5 ? "worse in B" : "";
                sb.append(String.format(java.util.Locale.ROOT, "%-" + width + "s %8.3f %8.3f   %s%n", t, x, y, flip));
            }
        }
        sb.append(String.format("%nbetter in B: %d, worse in B: %d (success rate crossing 0.5)", c.get("better_in_b").size(), c.get("worse_in_b").size()));
        return sb.toString();
    }
}
