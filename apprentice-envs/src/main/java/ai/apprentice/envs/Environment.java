package ai.apprentice.envs;

import ai.apprentice.model.Model;
import java.util.List;

/**
 * A source of tasks with outcome rewards. It gives the agent its tools and a policy, may play the user, ends
 * an episode on its own terms, and scores the final state with a white-box explanation. Given the same seed
 * and the same agent actions, an episode is deterministic. Implementations are found by name through
 * {@link java.util.ServiceLoader} ({@link EnvironmentProvider}), so third parties can add theirs as a jar.
 */
public interface Environment {
    String name();

    String description();

    List<String> splits();

    /** How many tasks a split has. */
    int size(String split);

    /** Starts an episode of task {@code index}; {@code user} plays the customer where the environment has one. */
    Episode start(String split, int index, long seed, UserSimulator user);

    /**
     * The id of task {@code index} of {@code split}, as its episodes report it ({@link Episode#taskId()}). It must
     * be stable across runs: an interrupted evaluation resumes by it.
     */
    default String taskId(String split, int index) {
        return split + "/" + index;
    }

    /**
     * A fresh simulated user played by {@code userModel}, for one episode. An environment whose scores are compared
     * with a benchmark's overrides this with the benchmark's own user, since the user's wording changes the scores.
     */
    default UserSimulator user(Model userModel) {
        return new LlmUser(userModel);
    }

    /** The name of the user {@link #user} makes, for evaluation reports. */
    default String userSimulator() {
        return "apprentice-llm-user";
    }
}
