package ai.apprentice.tool;

import ai.apprentice.runtime.Spending;
import java.nio.file.Path;

/**
 * Where a tool call runs: the run it belongs to, the workspace it works in, and what the run may still spend,
 * so that a tool starting a child run ({@link ai.apprentice.runtime.Agent#startChild}) can link the child's
 * spending to this run's and carve the child's budget from what remains.
 *
 * @param maxSteps the run's step budget, 0 when unlimited
 * @param spending what the run (and its descendants) spent, with its limits and its ancestors'
 */
public record ToolContext(String runId, int step, Path workspace, int maxSteps, Spending spending) {
    public ToolContext {
        if (spending == null) spending = Spending.unlimited(runId);
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
