package ai.apprentice.server;

import java.time.Duration;
import java.util.Optional;

/**
 * Where accepted runs are carried out. The API only submits, cancels and asks; {@link InProcessExecutor} runs them in
 * this process with a bounded number at a time, and a distributed engine can take its place without the API changing.
 */
public interface RunExecutor extends AutoCloseable {
    /**
     * Makes the executor of a server's runs in place of the in-process one (a durable engine's). {@code flags} gives a
     * request's effective settings (the server's defaults, the entry point's profile, what the request set), as the
     * in-process executor's runs get them; {@code finished} is told when a run the executor held has ended.
     */
    @FunctionalInterface
    interface Factory {
        RunExecutor create(java.util.function.Function<RunRequest, java.util.Map<String, Object>> flags, InProcessExecutor.Finished finished);
    }

    /** Where a run the executor holds stands. */
    enum State { QUEUED, RUNNING }

    /** Accepts a run; it starts as soon as a slot is free, in the order runs were submitted. */
    void submit(RunRequest request);

    /** Cancels a queued or running run (a running one stops within its current step); false when the executor does not hold it. */
    boolean cancel(String runId);

    /** Whether the executor holds the run, and how; empty once it finished (the run store then says how it ended). */
    Optional<State> state(String runId);

    /** Runs waiting for a slot. */
    int queued();

    /** Runs being carried out. */
    int running();

    /**
     * Stops taking runs: queued runs stay accepted (they start after a restart), running ones are interrupted and end
     * as {@code interrupted} with their completed steps kept, waiting at most {@code grace} for them to record it.
     */
    void shutdown(Duration grace);

    @Override
    default void close() {
        shutdown(Duration.ofSeconds(10));
    }
}
