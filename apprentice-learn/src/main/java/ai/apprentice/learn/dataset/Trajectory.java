package ai.apprentice.learn.dataset;

import ai.apprentice.model.Message;
import java.time.Instant;
import java.util.List;

/**
 * One rewarded run as training data: its conversation (instructions, task, assistant turns with their tool calls,
 * tool results), the reward it earned, and the task it was an attempt at. {@code task} is the reward's task
 * ({@code ENV:TASK_ID} for an evaluation's trial) when {@code namedTask}, else a hash of the instructions and the
 * first user message, so that runs of the same request group together. {@code rewardSource} is the reward's source
 * ({@code environment}, {@code person}, {@code rule}) or {@code feedback}.
 */
public record Trajectory(String runId, Instant startedAt, String task, boolean namedTask, double reward, String rewardSource,
                         List<Message> messages) {
    public Trajectory {
        messages = List.copyOf(messages);
    }
}
