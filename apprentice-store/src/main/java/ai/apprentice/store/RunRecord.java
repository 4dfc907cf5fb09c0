package ai.apprentice.store;

import ai.apprentice.runtime.RunStatus;
import java.time.Instant;

/** One row of the runs table: a run's identity, status and totals. */
public record RunRecord(String id, String parentId, RunStatus status, String stopReason, String task, String model,
                        String workspace, Instant startedAt, Instant updatedAt, Instant finishedAt, int steps,
                        long inputTokens, long outputTokens, double costUsd, String answer, long pid) {
    /** Whether the run is still going: feedback on it would judge unfinished work. */
    public boolean running() {
        return status == RunStatus.RUNNING;
    }
}
