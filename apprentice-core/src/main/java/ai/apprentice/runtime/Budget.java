package ai.apprentice.runtime;

import java.time.Duration;

/**
 * Limits of one run. Zero or null means unlimited, except {@code maxSteps}, whose default keeps a confused
 * model from looping for ever. Tokens and cost count what the run's children spent too, and a child run also
 * stops when an ancestor's token or cost limit is reached (see {@link Agent#startChild} and {@link Spending}).
 */
public record Budget(int maxSteps, long maxTokens, double maxCostUsd, Duration timeout) {
    public static final int DEFAULT_MAX_STEPS = 50;
    public static final Budget DEFAULT = new Budget(DEFAULT_MAX_STEPS, 0, 0, null);

    public Budget withMaxSteps(int n) { return new Budget(n, maxTokens, maxCostUsd, timeout); }
    public Budget withMaxTokens(long n) { return new Budget(maxSteps, n, maxCostUsd, timeout); }
    public Budget withMaxCostUsd(double usd) { return new Budget(maxSteps, maxTokens, usd, timeout); }
    public Budget withTimeout(Duration d) { return new Budget(maxSteps, maxTokens, maxCostUsd, d); }

    /**
     * What a run its timeout stopped says, the timeout as people write it ("Timed out after 1m30s", not ISO-8601's
     * PT1M30S): the same words whether the run's own loop or an engine's timer stopped it.
     */
    public static String timedOut(Duration timeout) {
        return timeout == null ? "Timed out"
                : "Timed out after " + timeout.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
