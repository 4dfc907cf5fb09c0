package ai.apprentice.temporal.run;

/**
 * A tool call waiting for a person (ask mode): {@code id} is {@code STEP:INDEX}, the key the approve signal names.
 * The run's workflow waits for the signal; the call runs (or is denied) in a new activity with the answer.
 * {@code askedAt} and {@code expiresAt} (epoch milliseconds, the workflow's clock) are set when the workflow begins to
 * wait: past {@code expiresAt} the call is denied.
 */
public record Approval(String id, int step, int index, String tool, String subject, String arguments, long askedAt, long expiresAt) {
    public Approval(String id, int step, int index, String tool, String subject, String arguments) {
        this(id, step, index, tool, subject, arguments, 0, 0);
    }

    static String id(int step, int index) {
        return step + ":" + index;
    }

    Approval waiting(long now, long timeoutMillis) {
        return new Approval(id, step, index, tool, subject, arguments, now, now + timeoutMillis);
    }
}
