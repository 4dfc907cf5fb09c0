package ai.apprentice.eval;

import ai.apprentice.envs.Episode;
import ai.apprentice.model.Usage;

/** Who acts in an episode: an apprentice agent, or a reference policy (gold, random). */
public interface Policy {
    /** What a trial cost besides its reward. */
    record Spend(Usage usage, double costUsd, String runId) {
        public static final Spend NONE = new Spend(Usage.ZERO, 0, null);
    }

    /** Acts until the episode is done or the policy gives up. */
    Spend play(Episode episode, long seed) throws InterruptedException;

    /** Whether episodes of this policy need a simulated user that talks (agents) or one that only stops (gold, random). */
    default boolean needsUser() {
        return false;
    }
}
