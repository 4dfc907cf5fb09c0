package ai.apprentice.temporal.run;

import io.temporal.activity.ActivityInterface;

/**
 * The parts of a run's loop, each an activity carried out by {@code StepDriver} on whichever worker takes it. Every
 * activity is idempotent (the run store says what was done already), so Temporal may retry any of them; its key is
 * the run id, the step and the call's index. Only counts, ids and outcomes cross into the workflow's history.
 */
@ActivityInterface
public interface RunActivities {
    /** What a model activity found: the reply's number of tool calls, or how the run ended. */
    record Reply(int toolCalls, RunOutcome ended) {}

    /**
     * A tool activity's outcome: done (its result is stored), or an approval the workflow must wait for. The last call
     * of a reply completes the step in the same activity ({@code completed}; then {@code ended} is how the run ended,
     * null while it goes on), which saves the engine a round trip per step.
     */
    record ToolOutcome(Approval waitingFor, boolean completed, RunOutcome ended) {
        static ToolOutcome done() {
            return new ToolOutcome(null, false, null);
        }
    }

    /** Starts the run unless it has begun; returns its {@code timeout} budget in milliseconds (null: none). */
    Long begin(RunInput input);

    /** The run's {@code timeout} budget in milliseconds (null: none), for a run the workflow did not begin (a resumed one). */
    Long timeout(RunInput input);

    Reply model(RunInput input, int step);

    /** Carries out call {@code index} of the step's reply; with {@code completeStep} (its last call) then completes the step. */
    ToolOutcome tool(RunInput input, int step, int index, Answer answer, boolean completeStep);

    /** Null while the run goes on, else how it ended. */
    RunOutcome complete(RunInput input, int step);

    /** Ends the run from outside (cancelled, failed) unless it has ended; returns how it ended. */
    RunOutcome stop(RunInput input, String status, String reason, String error);

    /**
     * Ends the run as its timeout ends it in process (failed, {@code timeout}) unless it has ended; {@code step} is the
     * step it was on. Returns how it ended.
     */
    RunOutcome timedOut(RunInput input, int step);

    void feedback(String runId, String rating, String note, String author);
}
