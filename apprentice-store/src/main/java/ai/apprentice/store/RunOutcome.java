package ai.apprentice.store;

/**
 * What a run earned after the fact, from its reward and feedback events: the latest reward ({@code null} when
 * none), and a summary of the feedback: how many, how many rated good and bad, how many gave a score and their
 * mean ({@code null} when none did), and the text of the latest correction ({@code null} when none).
 */
public record RunOutcome(Double reward, String rewardSource, int feedback, int good, int bad, int scored,
                         Double meanScore, String lastCorrection) {
    public static final RunOutcome NONE = new RunOutcome(null, null, 0, 0, 0, 0, null, null);
}
