package ai.apprentice.learn;

import java.util.List;

/**
 * One attempt at a task as a proposer reads it: the conversation in text, its reward with the environment's
 * explanation, and what people said about it.
 *
 * @param runId       the run in the store
 * @param task        {@code ENV:TASK_ID} for an environment's task, else a short description of the run's task
 * @param reward      in [0, 1]
 * @param explanation why it got that reward (the environment's white-box explanation, or a person's note)
 * @param transcript  the conversation, condensed to fit a reflector's context
 * @param corrections people's corrections of the run (feedback in words, diffs of files they fixed)
 */
public record Trajectory(String runId, String task, double reward, String explanation, String transcript, List<String> corrections) {
    public Trajectory {
        corrections = corrections == null ? List.of() : List.copyOf(corrections);
    }

    public boolean success() {
        return reward >= 1.0 - 1e-9;
    }
}
