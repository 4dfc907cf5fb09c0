package ai.apprentice.runtime;

import ai.apprentice.model.Usage;

/**
 * The tokens and cost charged to one run, including everything its descendants spent: a child run's
 * spending is linked to its parent's, and every charge goes up the chain. Each node also holds its run's limits
 * (its {@link Budget}'s maxTokens and maxCostUsd, 0 = unlimited), so a child can tell when its own or any
 * ancestor's budget is used up. Thread-safe: children charge from their own threads.
 */
public final class Spending {
    /** A limit that was reached: the stop reason (max_tokens or max_cost) and a sentence naming whose it was. */
    record Exhausted(String stopReason, String message) {}

    private final String runId;
    private final Spending parent;
    private final long maxTokens;
    private final double maxCostUsd;
    private long inputTokens;
    private long outputTokens;
    private double costUsd;

    public Spending(String runId, Budget budget, Spending parent) {
        this.runId = runId;
        this.parent = parent;
        this.maxTokens = budget.maxTokens();
        this.maxCostUsd = budget.maxCostUsd();
    }

    /** A spending with no limits and no parent. */
    public static Spending unlimited(String runId) {
        return new Spending(runId, Budget.DEFAULT, null);
    }

    /** A new child of this spending, for run {@code runId} with its own {@code budget}. */
    public Spending child(String runId, Budget budget) {
        return new Spending(runId, budget, this);
    }

    public String runId() { return runId; }
    public Spending parent() { return parent; }

    /** Adds a model call's tokens and cost to this run and to all its ancestors. */
    public void charge(Usage usage, double cost) {
        for (var s = this; s != null; s = s.parent) s.add(usage.inputTokens(), usage.outputTokens(), cost);
    }

    /** Counts earlier spending of this run (a resumed run's totals) without charging the ancestors again. */
    void seed(Usage usage, double cost) {
        add(usage.inputTokens(), usage.outputTokens(), cost);
    }

    private synchronized void add(long in, long out, double cost) {
        inputTokens += in;
        outputTokens += out;
        costUsd += cost;
    }

    /** Tokens of this run and its descendants. */
    public synchronized Usage usage() { return new Usage(inputTokens, outputTokens); }

    /** Cost in USD of this run and its descendants. */
    public synchronized double costUsd() { return costUsd; }

    /** Tokens left before this run's or an ancestor's limit; {@link Long#MAX_VALUE} when none is set. */
    public long remainingTokens() {
        long left = Long.MAX_VALUE;
        for (var s = this; s != null; s = s.parent) {
            if (s.maxTokens > 0) left = Math.min(left, Math.max(0, s.maxTokens - s.usage().total()));
        }
        return left;
    }

    /** USD left before this run's or an ancestor's limit; {@link Double#POSITIVE_INFINITY} when none is set. */
    public double remainingCostUsd() {
        double left = Double.POSITIVE_INFINITY;
        for (var s = this; s != null; s = s.parent) {
            if (s.maxCostUsd > 0) left = Math.min(left, Math.max(0, s.maxCostUsd - s.costUsd()));
        }
        return left;
    }

    /** The first limit reached, this run's own first and then its ancestors' nearest first; null when none. */
    Exhausted exhausted() {
        for (var s = this; s != null; s = s.parent) {
            String whose = s == this ? "" : (s == parent ? " of the parent run " : " of the ancestor run ") + s.runId;
            long tokens = s.usage().total();
            if (s.maxTokens > 0 && tokens >= s.maxTokens) {
                return new Exhausted("max_tokens", "Token budget" + whose + " exhausted: " + tokens + " of "
                        + s.maxTokens + " tokens used");
            }
            double cost = s.costUsd();
            if (s.maxCostUsd > 0 && cost >= s.maxCostUsd) {
                return new Exhausted("max_cost", String.format("Cost budget%s exhausted: $%.4f of $%.4f spent",
                        whose, cost, s.maxCostUsd));
            }
        }
        return null;
    }
}
