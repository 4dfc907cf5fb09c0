package ai.apprentice.runtime;

import ai.apprentice.model.Message;
import ai.apprentice.model.Usage;
import java.util.ArrayList;
import java.util.List;

/**
 * A run rebuilt from its stored events: the history as of the last completed step and the totals so far.
 * This is what {@link Agent#resume} continues from. {@code finished} is the final event, or null.
 * {@code allowedCalls} are the tool calls the gate allowed so far, in order: a gate rebuilt in another process is told
 * them ({@link ai.apprentice.tool.ToolGate#allowedBefore}), so that what they taught it (a secret read) still holds.
 */
public record RunSnapshot(String runId, String task, String model, String parentId, String workspace,
                          List<Message> history, int completedSteps, Usage usage, double costUsd,
                          Event.RunFinished finished, List<ai.apprentice.model.ToolCall> allowedCalls) {

    /** Tells {@code gate} of the calls it allowed in this run before (in another process, or before a restart). */
    void recall(ai.apprentice.tool.ToolGate gate, java.nio.file.Path workspace) {
        var context = new ai.apprentice.tool.ToolContext(runId, completedSteps, workspace);
        for (var call : allowedCalls) gate.allowedBefore(call, context); // the gate parses what it needs of each
    }

    public static RunSnapshot fromEvents(List<Event> events) {
        Event.RunStarted start = null;
        var history = new ArrayList<Message>();
        int steps = 0;
        var usage = Usage.ZERO;
        double cost = 0;
        Event.RunFinished finished = null;
        var calls = new java.util.LinkedHashMap<String, ai.apprentice.model.ToolCall>();
        var allowed = new java.util.HashMap<String, Boolean>();
        for (var e : events) {
            switch (e) {
                case Event.ToolCallEvent t -> calls.putIfAbsent(t.call().id(), t.call());
                case Event.PermissionDecision p -> allowed.merge(p.callId(), p.allowed(), Boolean::logicalAnd);
                case Event.RunStarted s -> {
                    start = s;
                    history.addAll(s.messages());
                }
                case Event.StepCompleted c -> {
                    history.addAll(c.messages());
                    steps = Math.max(steps, c.step());
                }
                case Event.UsageEvent u -> {
                    usage = new Usage(u.totalInputTokens(), u.totalOutputTokens());
                    cost = u.totalCostUsd();
                }
                case Event.RunFinished f -> finished = f;
                default -> { }
            }
        }
        if (start == null) throw new IllegalArgumentException("No run_started event: the run's record is incomplete");
        return new RunSnapshot(start.runId(), start.task(), start.model(), start.parentId(), start.workspace(),
                List.copyOf(history), steps, usage, cost, finished,
                calls.values().stream().filter(c -> allowed.getOrDefault(c.id(), false)).toList());
    }
}
