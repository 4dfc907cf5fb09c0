package ai.apprentice.runtime;

/**
 * Whom an agent talks to within one run: in an evaluation, the simulated user of an episode. The agent's answer
 * goes to it and its reply becomes the next user message of the same run (recorded in that step), so that a whole
 * conversation is one run with one reward. Called on the run's thread.
 */
public interface Counterpart {
    /** The reply to the agent's answer, or null when the conversation ends with that answer. */
    String reply(String answer) throws InterruptedException;

    /** Whether the conversation is over whatever the agent says next (the environment ended the episode). */
    default boolean over() {
        return false;
    }
}
