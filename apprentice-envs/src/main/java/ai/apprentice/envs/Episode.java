package ai.apprentice.envs;

import ai.apprentice.tool.Tool;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** One attempt at one task. */
public interface Episode extends AutoCloseable {
    /** Equals {@link Environment#taskId(String, int)} of the task it plays; evaluation resume keys on it. */
    String taskId();

    /** The rules the agent must follow (its system instructions). */
    String policy();

    /** The agent's tools, bound to this episode's state; each call counts as an action. */
    List<Tool> tools();

    /** What the user says first. */
    String firstUserMessage() throws InterruptedException;

    /** The user's answer to what the agent said; counts as an action. */
    String reply(String agentMessage) throws InterruptedException;

    /** Whether the episode is over (the user stopped, the agent handed off, or the action cap was reached). */
    boolean done();

    int actions();

    int maxActions();

    /** The outcome, with a white-box explanation. */
    Reward reward();

    /** The task's reference actions ({name, kwargs}) and the outputs it expects said, for the gold policy. */
    List<JsonNode> goldActions();

    List<String> goldOutputs();

    /**
     * Actions that make sense in the current state, as the text an action tool takes (a text game's admissible
     * commands, a shop page's clickables); the random policy draws its string arguments from them. Empty when
     * the environment has no such list.
     */
    default List<String> admissibleActions() {
        return List.of();
    }

    /** Releases what the episode holds (a repository copy, say); called once, after the reward is taken. */
    @Override
    default void close() {}

    record Reward(double value, String explanation) {}
}
