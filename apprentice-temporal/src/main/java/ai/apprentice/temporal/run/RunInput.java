package ai.apprentice.temporal.run;

import ai.apprentice.harness.telemetry.RunTrace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a run workflow carries: the run's identity and settings, never its messages (those are in the run store).
 * {@code nextStep} is where this execution starts (1 for a new run; later after a continue-as-new or for a resumed
 * run); every {@code stepsPerExecution} steps the workflow continues as new, so that its history stays short.
 * {@code approvalTimeoutSeconds} is how long a call waits for a person before it is denied (the server's approval
 * timeout; 0: {@link #DEFAULT_APPROVAL_TIMEOUT}); {@code alwaysAllowed} holds the keys
 * ({@code PolicyGate.alwaysKey}) a person allowed "always" earlier in the run, which each part's new gate is told.
 * {@code previousRunId} names the run whose history this one continues (a conversation's previous message), or null;
 * {@code givenMessages}: the request brought the run's earlier messages itself (an OpenAI-compatible conversation),
 * which the run store keeps under the run's id ({@code RunStore.givenMessages}), never this input.
 * {@code trace} (null: none) puts the spans every worker makes of the run's parts under one agent span.
 * {@code startedAtMillis} is when the run began on the workflow's clock (0: not yet, this is its first execution) and
 * {@code timeoutMillis} its {@code timeout} budget (0: none), as the worker that began it found it: the workflow's
 * deadline is their sum, kept across continue-as-new so that the time counts from the run's start.
 */
public record RunInput(String runId, String task, String workspace, Map<String, Object> flags, String parentId,
                       int nextStep, int stepsPerExecution, long approvalTimeoutSeconds, List<String> alwaysAllowed,
                       String previousRunId, boolean givenMessages, RunTrace trace, long startedAtMillis, long timeoutMillis) {
    public static final int DEFAULT_STEPS_PER_EXECUTION = 50;
    /** Without a timeout given: a day, after which the call is denied. */
    public static final Duration DEFAULT_APPROVAL_TIMEOUT = Duration.ofHours(24);

    public RunInput {
        flags = flags == null ? Map.of() : Map.copyOf(flags);
        alwaysAllowed = alwaysAllowed == null ? List.of() : List.copyOf(alwaysAllowed);
        if (nextStep < 1) throw new IllegalArgumentException("nextStep must be at least 1, got " + nextStep);
        if (stepsPerExecution < 1) throw new IllegalArgumentException("stepsPerExecution must be at least 1, got " + stepsPerExecution);
        if (approvalTimeoutSeconds < 0) throw new IllegalArgumentException("approvalTimeoutSeconds must not be negative, got " + approvalTimeoutSeconds);
        if (timeoutMillis < 0) throw new IllegalArgumentException("timeoutMillis must not be negative, got " + timeoutMillis);
    }

    /** A run not begun yet (its start and timeout are the workflow's to find). */
    public RunInput(String runId, String task, String workspace, Map<String, Object> flags, String parentId,
                    int nextStep, int stepsPerExecution, long approvalTimeoutSeconds, List<String> alwaysAllowed,
                    String previousRunId, boolean givenMessages, RunTrace trace) {
        this(runId, task, workspace, flags, parentId, nextStep, stepsPerExecution, approvalTimeoutSeconds, alwaysAllowed,
                previousRunId, givenMessages, trace, 0, 0);
    }

    public RunInput(String runId, String task, String workspace, Map<String, Object> flags, String parentId, int nextStep, int stepsPerExecution) {
        this(runId, task, workspace, flags, parentId, nextStep, stepsPerExecution, 0, List.of(), null, false, null);
    }

    /** The same run, from {@code step} on (for continue-as-new). */
    public RunInput from(int step) {
        return new RunInput(runId, task, workspace, flags, parentId, step, stepsPerExecution, approvalTimeoutSeconds, alwaysAllowed,
                previousRunId, givenMessages, trace, startedAtMillis, timeoutMillis);
    }

    /** The same run, begun at {@code at} (workflow time) with a timeout of {@code timeoutMillis} (0: none). */
    public RunInput began(long at, long timeoutMillis) {
        return new RunInput(runId, task, workspace, flags, parentId, nextStep, stepsPerExecution, approvalTimeoutSeconds, alwaysAllowed,
                previousRunId, givenMessages, trace, at, timeoutMillis);
    }

    /** Whether the run's start (and so its deadline) is known: set by the workflow's first execution. */
    public boolean begun() {
        return startedAtMillis > 0;
    }

    /** The same run with a person's "always" for {@code key} remembered. */
    public RunInput allowingAlways(String key) {
        if (alwaysAllowed.contains(key)) return this;
        var keys = new ArrayList<>(alwaysAllowed);
        keys.add(key);
        return new RunInput(runId, task, workspace, flags, parentId, nextStep, stepsPerExecution, approvalTimeoutSeconds, keys,
                previousRunId, givenMessages, trace, startedAtMillis, timeoutMillis);
    }

    public Duration approvalTimeout() {
        return approvalTimeoutSeconds == 0 ? DEFAULT_APPROVAL_TIMEOUT : Duration.ofSeconds(approvalTimeoutSeconds);
    }

    /** The workflow id of a run: one workflow per run, so that starting a run twice starts it once. */
    public static String workflowId(String runId) {
        return "apprentice-run-" + runId;
    }
}
