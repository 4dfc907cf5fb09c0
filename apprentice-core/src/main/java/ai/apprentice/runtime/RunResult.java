package ai.apprentice.runtime;

import ai.apprentice.model.Usage;

/**
 * How a run ended. {@code stopReason} is one of completed, max_steps, max_tokens, max_cost, timeout,
 * cancelled, model_error, internal_error; {@code error} explains a failure and is null otherwise. {@code usage}
 * and {@code costUsd} include what the run's child runs spent.
 */
public record RunResult(String runId, RunStatus status, String stopReason, String answer, String error, int steps,
                        Usage usage, double costUsd) {
    public boolean succeeded() {
        return status == RunStatus.SUCCEEDED;
    }
}
