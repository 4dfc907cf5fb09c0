package ai.apprentice.temporal.run;

import ai.apprentice.runtime.RunResult;

/** How a run ended, as the workflow returns it (the totals are in the run store). */
public record RunOutcome(String runId, String status, String stopReason, String answer, String error, int steps) {
    static RunOutcome of(RunResult r) {
        return r == null ? null : new RunOutcome(r.runId(), r.status().wireName(), r.stopReason(), r.answer(), r.error(), r.steps());
    }
}
