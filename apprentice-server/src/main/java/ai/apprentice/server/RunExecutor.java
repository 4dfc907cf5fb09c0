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

    /**
     * Where an executor reports the tool calls of its runs that wait for a person somewhere else (a workflow on an
     * engine waits for a signal): the server lists them with its own approvals ({@code GET /api/approvals}), sends
     * {@code approval_requested} on the run's stream, tells its listeners (chat channels), and hands a person's answer
     * to {@code deliver}. In-process runs ask the server's approvals directly and never come here.
     */
    interface ApprovalDesk {
        /** How long a call may wait before it is denied (the server's {@code --approval-timeout}). */
        Duration timeout();

        /** Call {@code id} (unique among all runs) of {@code runId} waits until {@code expiresAt}; a repeat of a listed id is ignored. */
        void waiting(String id, String runId, String tool, String subject, String arguments, java.time.Instant createdAt,
                     java.time.Instant expiresAt, java.util.function.Consumer<ai.apprentice.tools.PolicyGate.Approver.Verdict> deliver);

        /** It no longer waits: settled as {@code how} where this server did not answer it, or (null) its run ended. */
        void settled(String id, Settled how);

        /**
         * Call {@code id} of {@code runId}, a run another server holds (servers that share one engine and one run store),
         * waits: listed here and told on this server's streams of the run, but not to its listeners, since the holding
         * server tells its own (a chat is posted to once). {@code deliver} throws {@link java.util.NoSuchElementException}
         * when the call no longer waits, and another exception when the answer could not be sent (it stays listed). A
         * call this server lists as its own's is left as it is.
         */
        default void waitingElsewhere(String id, String runId, String tool, String subject, String arguments, java.time.Instant createdAt,
                                      java.time.Instant expiresAt, java.util.function.Consumer<ai.apprentice.tools.PolicyGate.Approver.Verdict> deliver) {}

        /** A call reported by {@link #waitingElsewhere} no longer waits: settled as {@code how}, or (null) not known how. */
        default void settledElsewhere(String id, Settled how) {}
    }

    /** How a call was settled outside this server: by someone ({@code by}), or denied as nobody answered in time. */
    record Settled(boolean allow, String scope, String reason, String by, boolean timedOut) {}

    /** Tells the executor where to report its runs' approvals; an executor whose runs ask in process ignores it. */
    default void useApprovals(ApprovalDesk desk) {}

    /**
     * Whether the runs this executor carries out go on without this server (a durable engine's): after a restart, a
     * run the store still shows running is handed to the executor again to be watched, not left alone.
     */
    default boolean runsOutliveTheServer() {
        return false;
    }

    /**
     * Called right before the server reads the store for the new events of runs whose events other processes store
     * ({@link #runsOutliveTheServer}): an executor that learns of approvals settled elsewhere from the store looks
     * first, so that a stream gets a call's answer before the run's end that followed it.
     */
    default void beforeStoreRead() {}

    /**
     * Answers approval {@code id} of a run another server holds (servers that share one engine), when the executor
     * can reach it: false when the id is none of its runs' or the run no longer waits for it.
     */
    default boolean answerElsewhere(String id, ai.apprentice.tools.PolicyGate.Approver.Verdict verdict) {
        return false;
    }

    /**
     * What a new run continues, as the server resolves it: the run whose history it begins with (a conversation's
     * previous message; null for none), and whether messages were given with the request itself (the OpenAI-compatible
     * endpoints' history), which the run store keeps under the run's id ({@code RunStore.givenMessages}).
     */
    record Continues(String previousRunId, boolean givenMessages) {
        public static final Continues NOTHING = new Continues(null, false);
    }

    /** Tells the executor how to learn what a new run continues; an executor whose runs begin through the server ignores it. */
    default void useContinues(java.util.function.Function<RunRequest, Continues> continues) {}

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
