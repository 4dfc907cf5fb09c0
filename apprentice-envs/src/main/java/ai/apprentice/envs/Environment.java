package ai.apprentice.envs;

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
}
