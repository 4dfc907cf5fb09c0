package ai.apprentice.temporal.run;

import ai.apprentice.harness.telemetry.RunTrace;
import java.util.Map;

/**
 * What a run workflow carries: the run's identity and settings, never its messages (those are in the run store).
 * {@code nextStep} is where this execution starts (1 for a new run; later after a continue-as-new or for a resumed
 * run); every {@code stepsPerExecution} steps the workflow continues as new, so that its history stays short.
 * {@code trace} (null: none) puts the spans every worker makes of the run's parts under one agent span.
 */
public record RunInput(String runId, String task, String workspace, Map<String, Object> flags, String parentId,
                       int nextStep, int stepsPerExecution, RunTrace trace) {
    public static final int DEFAULT_STEPS_PER_EXECUTION = 50;

    public RunInput {
        flags = flags == null ? Map.of() : Map.copyOf(flags);
        if (nextStep < 1) throw new IllegalArgumentException("nextStep must be at least 1, got " + nextStep);
        if (stepsPerExecution < 1) throw new IllegalArgumentException("stepsPerExecution must be at least 1, got " + stepsPerExecution);
    }

    /** A run without a trace of its own. */
    public RunInput(String runId, String task, String workspace, Map<String, Object> flags, String parentId, int nextStep, int stepsPerExecution) {
        this(runId, task, workspace, flags, parentId, nextStep, stepsPerExecution, null);
    }

    /** The same run, from {@code step} on (for continue-as-new). */
    public RunInput from(int step) {
        return new RunInput(runId, task, workspace, flags, parentId, step, stepsPerExecution, trace);
    }

    /** The workflow id of a run: one workflow per run, so that starting a run twice starts it once. */
    public static String workflowId(String runId) {
        return "apprentice-run-" + runId;
    }
}
