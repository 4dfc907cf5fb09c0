package ai.apprentice.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * Reliability and creativity over repeated trials, with the unbiased estimators: for a task with n trials
 * and c successes, pass@k = 1 - C(n-c,k)/C(n,k) (at least one of k succeeds) and pass^k = C(c,k)/C(n,k)
 * (all k succeed); overall values are means over tasks. Confidence intervals come from a bootstrap over
 * tasks with a fixed seed, so a report is reproducible.
 */
public final class Metrics {
    /** One task's outcome: its trials and how many succeeded. */
    public record TaskOutcome(String taskId, int trials, int successes) {}

    /** A value and its 95% confidence interval. */
    public record Estimate(double value, double low, double high) {}

    private Metrics() {}

    /** C(a,k)/C(n,k) as a product, exact enough and free of overflow. */
    static double ratio(int a, int n, int k) {
        if (k > n) throw new IllegalArgumentException("k=" + k + " exceeds the " + n + " trials");
        if (a < k) return 0.0;
        double r = 1.0;
        for (int i = 0; i < k; i++) r *= (double) (a - i) / (n - i);
        return r;
    }

    public static double passAtK(int n, int c, int k) {
        return 1.0 - ratio(n - c, n, k);
    }

    public static double passHatK(int n, int c, int k) {
        return ratio(c, n, k);
    }

    public static double mean(List<TaskOutcome> tasks, ToDoubleFunction<TaskOutcome> metric) {
        return tasks.stream().mapToDouble(metric).average().orElse(Double.NaN);
    }

    /** The mean of a per-task metric with a 95% bootstrap interval over tasks (1,000 resamples). */
    public static Estimate bootstrap(List<TaskOutcome> tasks, ToDoubleFunction<TaskOutcome> metric, long seed) {
        double value = mean(tasks, metric);
        if (tasks.size() < 2) return new Estimate(value, value, value);
        var values = tasks.stream().mapToDouble(metric).toArray();
        var rnd = new Random(seed);
        var means = new ArrayList<Double>();
        for (int b = 0; b < 1000; b++) {
            double sum = 0;
            for (int i = 0; i < values.length; i++) sum += values[rnd.nextInt(values.length)];
            means.add(sum / values.length);
        }
        means.sort(null);
        return new Estimate(value, means.get(24), means.get(974));
    }
}
