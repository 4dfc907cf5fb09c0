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

    /**
     * As {@link #play(Episode, long)}, a run the policy starts with id {@code runId} (null: a fresh one), so that an
     * engine that runs trials elsewhere can name the trial's run by the trial. Policies that start no run ignore it.
     */
    default Spend play(Episode episode, long seed, String runId) throws InterruptedException {
        return play(episode, seed);
    }

    /** Whether episodes of this policy need a simulated user that talks (agents) or one that only stops (gold, random). */
    default boolean needsUser() {
        return false;
    }
}
