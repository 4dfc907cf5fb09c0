package ai.apprentice.temporal.run;

/**
 * A person's answer to an {@link Approval}: allow (once, or {@code always} for the rest of the run, as an ALWAYS answer
 * holds for an in-process run's session), or deny with a reason the model is told. {@code timedOut}: nobody answered,
 * and the workflow denied it at the approval timeout.
 */
public record Answer(boolean allow, String reason, String by, boolean always, boolean timedOut) {
    public Answer(boolean allow, String reason, String by) {
        this(allow, reason, by, false, false);
    }

    public Answer(boolean allow, String reason, String by, boolean always) {
        this(allow, reason, by, always, false);
    }
}
