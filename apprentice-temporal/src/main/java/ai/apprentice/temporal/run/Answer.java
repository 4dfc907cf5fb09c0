package ai.apprentice.temporal.run;

/** A person's answer to an {@link Approval}: allow once, or deny with a reason the model is told. */
public record Answer(boolean allow, String reason, String by) {}
