package ai.apprentice.channels;

/**
 * A button on one of the intern's messages. Pressing it comes back as a {@link ChatEvent.Action} with the same
 * {@code action} and {@code value}.
 */
public record Button(String action, String value, String label, Style style) {
    public enum Style { PRIMARY, DANGER, PLAIN }

    public static final String ALLOW_ONCE = "approve_once";
    public static final String ALLOW_ALWAYS = "approve_always";
    public static final String DENY = "deny";
    public static final String GOOD = "feedback_good";
    public static final String BAD = "feedback_bad";
    public static final String CORRECT = "feedback_correct";

    /** Allow once / allow for this conversation / deny, for a pending approval. */
    public static java.util.List<Button> approval(String approvalId) {
        return java.util.List.of(new Button(ALLOW_ONCE, approvalId, "Allow once", Style.PRIMARY),
                new Button(ALLOW_ALWAYS, approvalId, "Allow for this thread", Style.PLAIN),
                new Button(DENY, approvalId, "Deny", Style.DANGER));
    }

    /** Thumbs up, thumbs down and "correct this", for a finished run. */
    public static java.util.List<Button> feedback(String runId) {
        return java.util.List.of(new Button(GOOD, runId, "👍", Style.PLAIN), new Button(BAD, runId, "👎", Style.PLAIN),
                new Button(CORRECT, runId, "Correct this", Style.PLAIN));
    }
}
