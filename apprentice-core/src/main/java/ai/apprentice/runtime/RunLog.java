package ai.apprentice.runtime;

import java.util.List;

/**
 * Where a {@link StepDriver} reads a run's state back: the run's stored events, in order. {@link #flush} makes what
 * the run's listeners were handed durable now (a store that holds a step's events back until the step ends commits
 * them), so that a part which returned has been recorded.
 */
public interface RunLog {
    List<Event> events(String runId);

    default void flush() { }
}
