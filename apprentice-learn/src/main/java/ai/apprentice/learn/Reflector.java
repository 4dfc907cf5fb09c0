package ai.apprentice.learn;

import ai.apprentice.memory.playbook.Playbook;
import java.util.List;

/**
 * Reads a batch of trajectories with their rewards and corrections, and the current playbook, and proposes
 * candidates. A proposer only proposes: counters, de-duplication, budgets and the gate are code.
 */
public interface Reflector {
    /** Credit or blame for a lesson of the current playbook, as the reflector judged it from the batch. */
    record Tag(String lessonId, boolean helpful) {}

    /**
     * What a reflector made of one batch. {@code problem} is set, and nothing else, when its reply was not what was
     * asked for: such a reply changes nothing.
     */
    record Proposal(List<Candidate> candidates, List<Tag> tags, String problem) {
        public Proposal {
            candidates = candidates == null ? List.of() : List.copyOf(candidates);
            tags = tags == null ? List.of() : List.copyOf(tags);
        }

        public static Proposal unusable(String problem) {
            return new Proposal(List.of(), List.of(), problem);
        }
    }

    /**
     * @param scope the scope the lessons it proposes go to ({@code environment:NAME} in an environment's loop)
     */
    Proposal propose(List<Trajectory> batch, Playbook playbook, String scope) throws InterruptedException;

    /** Whether proposals depend on the batch; a proposer that does not (candidates from a file) costs no training rollouts. */
    default boolean readsTrajectories() {
        return true;
    }

    /** Whether it has nothing more to propose (the loop then stops). */
    default boolean exhausted() {
        return false;
    }

    /** Tokens spent so far on proposing (a model reflector's calls), for the loop's report. */
    default ai.apprentice.model.Usage usage() {
        return ai.apprentice.model.Usage.ZERO;
    }
}
