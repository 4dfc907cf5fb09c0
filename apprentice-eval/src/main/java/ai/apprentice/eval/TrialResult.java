package ai.apprentice.eval;

/** One trial of one task: its reward with the explanation, and what it cost. */
public record TrialResult(String taskId, int trial, double reward, String explanation, int actions, long inputTokens,
                          long outputTokens, double costUsd, long wallMs, String runId, String error) {
    public boolean success() {
        return Math.abs(reward - 1.0) <= 1e-6;
    }
}
