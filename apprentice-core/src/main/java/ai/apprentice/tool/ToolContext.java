package ai.apprentice.tool;

import ai.apprentice.model.Usage;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.Spending;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Where a tool call runs: the run it belongs to, the workspace it works in, and what the run may still spend,
 * so that a tool starting a child run ({@link ai.apprentice.runtime.Agent#startChild}) can link the child's
 * spending to this run's and carve the child's budget from what remains.
 *
 * @param maxSteps the run's step budget, 0 when unlimited
 * @param spending what the run (and its descendants) spent, with its limits and its ancestors'
 * @param progress takes output the tool prints while it runs, for a person watching (never for the model)
 * @param events   takes events the call records in the run (a model call made on its behalf: {@link #chargeModelCall})
 * @param call     the call's index among the step's tool calls: with the run and the step it names the call, the same
 *                 when the call is run again (a child run's id, {@link ai.apprentice.runtime.RunIds#child})
 */
public record ToolContext(String runId, int step, Path workspace, int maxSteps, Spending spending, Consumer<String> progress,
                          Consumer<Event> events, int call) {
    public ToolContext {
        if (spending == null) spending = Spending.unlimited(runId);
        if (progress == null) progress = text -> { };
        if (events == null) events = event -> { };
    }

    public ToolContext(String runId, int step, Path workspace, int maxSteps, Spending spending, Consumer<String> progress,
                       Consumer<Event> events) {
        this(runId, step, workspace, maxSteps, spending, progress, events, 0);
    }

    public ToolContext(String runId, int step, Path workspace, int maxSteps, Spending spending, Consumer<String> progress) {
        this(runId, step, workspace, maxSteps, spending, progress, null);
    }

    public ToolContext(String runId, int step, Path workspace, int maxSteps, Spending spending) {
        this(runId, step, workspace, maxSteps, spending, null, null);
    }

    /** The same context for one call, whose live output goes to {@code sink}. */
    public ToolContext withProgress(Consumer<String> sink) {
        return new ToolContext(runId, step, workspace, maxSteps, spending, sink, events, call);
    }

    /** The same context for call {@code index} of the step. */
    public ToolContext withCall(int index) {
        return new ToolContext(runId, step, workspace, maxSteps, spending, progress, events, index);
    }

    /** The same context, whose recorded events go to {@code sink} (the run's listeners). */
    public ToolContext withEvents(Consumer<Event> sink) {
        return new ToolContext(runId, step, workspace, maxSteps, spending, progress, sink, call);
    }

    /**
     * A model call made on this call's behalf (an MCP server's sampling request, served with apprentice's model): its
     * tokens and cost are charged to the run and its ancestors, and recorded as the run's {@link Event.UsageEvent} with
     * the run's new totals, as the agent loop records its own calls.
     *
     * @param unpriced the price table has no price for the model, so {@code cost} is 0 for want of a price
     */
    public void chargeModelCall(Usage usage, double cost, boolean unpriced) {
        spending.charge(usage, cost);
        var total = spending.usage();
        events.accept(new Event.UsageEvent(runId, Instant.now(), step, usage.inputTokens(), usage.outputTokens(), cost,
                total.inputTokens(), total.outputTokens(), spending.costUsd(), false,
                usage.cacheReadTokens(), usage.cacheWriteTokens(), usage.reasoningTokens(), unpriced));
    }

    /** A context with no limits (tools called outside a run, tests). */
    public ToolContext(String runId, int step, Path workspace) {
        this(runId, step, workspace, 0, null);
    }

    /** Steps the run has left after this one; {@link Integer#MAX_VALUE} when its step budget is unlimited. */
    public int remainingSteps() {
        return maxSteps <= 0 ? Integer.MAX_VALUE : Math.max(0, maxSteps - step);
    }

    /** Tokens left in this run's and its ancestors' budgets; {@link Long#MAX_VALUE} when unlimited. */
    public long remainingTokens() {
        return spending.remainingTokens();
    }

    /** USD left in this run's and its ancestors' budgets; {@link Double#POSITIVE_INFINITY} when unlimited. */
    public double remainingCostUsd() {
        return spending.remainingCostUsd();
    }
}
