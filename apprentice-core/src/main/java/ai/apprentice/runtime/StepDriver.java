package ai.apprentice.runtime;

import ai.apprentice.model.Message;
import ai.apprentice.model.ModelException;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.Usage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The run loop in parts, for an engine that drives a run from outside (a Temporal workflow whose activities are these
 * calls, on any worker): {@link #begin}, {@link #model} (the model call of a step), {@link #tool} (each tool call of
 * it), {@link #complete} (the step's end and what follows), {@link #stop}. Each part rebuilds the run from the events
 * already in the {@link RunLog}, not from memory, and is idempotent on repeat: a part whose events are stored returns
 * what they say instead of doing it again, so an engine may retry any part after a crash. The parts are
 * {@link RunLoop}'s own (the in-process loop calls the same methods in a row), so both ways make the same events.
 *
 * <p>Not carried over from the in-process loop: a counterpart (a simulated user lives in one process), a run's
 * timeout (the engine's timer keeps it and stops the part in flight; {@link #timedOut} then ends the run as the loop
 * does) and running one reply's calls in parallel (the engine runs them in order).
 */
public final class StepDriver {
    /** What a model part found: the reply's number of tool calls, or the run's end when the model call failed for good. */
    public record Reply(int toolCalls, RunResult ended) {}

    private final Agent agent;
    private final RunLog log;
    private final List<EventListener> listeners;

    /** {@code log} is where the agent's listeners store the events (the run store among them); extra listeners come after. */
    public StepDriver(Agent agent, RunLog log, EventListener... extraListeners) {
        this.agent = agent;
        this.log = log;
        this.listeners = agent.listeners(extraListeners);
    }

    /** Starts the run (run_started), unless it has begun already. */
    public void begin(String runId, String task, String parentId) {
        begin(runId, List.of(), task, parentId);
    }

    /** Starts the run with an earlier conversation's messages before its task (as {@link Agent#continueConversation}). */
    public void begin(String runId, List<Message> conversation, String task, String parentId) {
        if (!log.events(runId).isEmpty()) return;
        var opening = agent.opening(runId, conversation, task, parentId);
        for (var l : listeners) l.onEvent(opening);
        log.flush();
    }

    /** The model call of {@code step} (1-based), or the stored reply when it was made already. */
    public Reply model(String runId, int step) throws InterruptedException {
        var events = log.events(runId);
        var ended = finished(events);
        if (ended != null) return new Reply(0, ended);
        var stored = reply(events, step);
        if (stored != null) return new Reply(stored.toolCalls().size(), null);
        var loop = rebuild(events, step, false);
        try {
            var reply = loop.modelPart();
            log.flush();
            return new Reply(reply.toolCalls().size(), null);
        } catch (ModelException e) {
            // The model's own retries are spent: the run fails as in process (an engine retry would only repeat them).
            loop.emit(new Event.ErrorEvent(runId, Instant.now(), step, e.getMessage()));
            var result = loop.finish(RunStatus.FAILED, "model_error", null, e.getMessage());
            log.flush();
            return new Reply(0, result);
        }
    }

    /** Tool call {@code index} (0-based) of {@code step}'s reply; nothing when its result is stored. */
    public void tool(String runId, int step, int index) throws InterruptedException {
        var events = log.events(runId);
        if (finished(events) != null || completed(events, step)) return;
        var reply = reply(events, step);
        if (reply == null) throw new IllegalStateException("Step " + step + " of run " + runId + " has no model reply: run its model part first");
        if (index < 0 || index >= reply.toolCalls().size()) {
            throw new IllegalArgumentException("Step " + step + " of run " + runId + " has " + reply.toolCalls().size()
                    + " tool calls, not a call " + index);
        }
        var call = reply.toolCalls().get(index);
        if (result(events, step, call) != null) return;
        boolean started = events.stream().anyMatch(e -> e instanceof Event.ToolCallEvent t && t.step() == step
                && t.call().id().equals(call.id()));
        // a call denied before the crash stays denied: its repeat must not take the "allowed already" path
        var denied = !started ? null : events.stream().filter(e -> e instanceof Event.PermissionDecision d && d.step() == step
                && d.callId().equals(call.id()) && !d.allowed()).map(e -> (Event.PermissionDecision) e).findFirst()
                .map(d -> ai.apprentice.tool.ToolGate.Decision.deny(d.decidedBy(), d.reason())).orElse(null);
        rebuild(events, step, false).toolPart(call, index, reply.toolCalls().size(), started, denied, log::flush);
        log.flush();
    }

    /**
     * Completes {@code step} (step_completed) once every tool call has its result, and says what follows: null when
     * the run goes on with the next step, else its result (an answer, a budget spent). Repeated, it only decides again.
     */
    public RunResult complete(String runId, int step) throws InterruptedException {
        var events = log.events(runId);
        var ended = finished(events);
        if (ended != null) return ended;
        var reply = reply(events, step);
        if (reply == null) throw new IllegalStateException("Step " + step + " of run " + runId + " has no model reply: run its model part first");
        var results = new ArrayList<Message>();
        for (var call : reply.toolCalls()) {
            var r = result(events, step, call);
            if (r == null) {
                throw new IllegalStateException("Tool call " + call.id() + " of step " + step + " of run " + runId
                        + " has no result: run its tool part first");
            }
            results.add(Message.toolResult(call.id(), call.name(), r.content()));
        }
        boolean recorded = completed(events, step);
        var loop = rebuild(events, step, recorded);
        var end = loop.completePart(reply, results, recorded);
        if (end == null) end = loop.stepBudgetOver();
        log.flush();
        return end;
    }

    /** Ends the run from outside (cancelled, interrupted, failed), unless it has ended already; returns how it ended. */
    public RunResult stop(String runId, RunStatus status, String reason, String error) {
        var events = log.events(runId);
        var ended = finished(events);
        if (ended != null) return ended;
        var snapshot = RunSnapshot.fromEvents(events);
        var result = rebuild(events, snapshot.completedSteps(), true).finish(status, reason, null, error);
        log.flush();
        return result;
    }

    /**
     * Ends the run as its timeout ends it in process (failed, {@code timeout}, the budget's "Timed out after ..." as its
     * error), unless it has ended already; {@code step} is the step it was on when the time ran out (the error event
     * says it, as the loop's does). Returns how it ended.
     */
    public RunResult timedOut(String runId, int step) {
        var events = log.events(runId);
        var ended = finished(events);
        if (ended != null) return ended;
        var snapshot = RunSnapshot.fromEvents(events);
        var loop = rebuild(events, snapshot.completedSteps(), true)
                .at(Math.max(step, snapshot.completedSteps()), emptyRepliesAtEnd(events));
        var result = loop.timedOut();
        log.flush();
        return result;
    }

    /** The result of a run whose run_finished is stored, else null. */
    public static RunResult finished(List<Event> events) {
        Event.RunFinished f = null;
        String error = null;
        for (var e : events) {
            if (e instanceof Event.RunFinished x) f = x;
            if (e instanceof Event.ErrorEvent x) error = x.message();
        }
        if (f == null) return null;
        return new RunResult(f.runId(), f.status(), f.stopReason(), f.answer(), f.status() == RunStatus.SUCCEEDED ? null : error,
                f.steps(), new Usage(f.inputTokens(), f.outputTokens()), f.costUsd());
    }

    /** The run's loop as the events leave it, at {@code step}: completed already ({@code done}) or the next one to do. */
    private RunLoop rebuild(List<Event> events, int step, boolean done) {
        var snapshot = RunSnapshot.fromEvents(events);
        int expected = done ? step : step - 1;
        if (snapshot.completedSteps() != expected) {
            throw new IllegalStateException("Step " + step + " of run " + snapshot.runId() + " cannot be worked on: "
                    + snapshot.completedSteps() + " steps are completed");
        }
        var spending = new Spending(snapshot.runId(), agent.budget(), null);
        spending.seed(snapshot.usage(), snapshot.costUsd());
        snapshot.recall(agent.gate(), agent.workspace()); // this part's gate is new: it learns what the run's earlier calls taught
        var loop = new RunLoop(agent, snapshot.runId(), snapshot.parentId(), snapshot.task(), snapshot.history(),
                snapshot.completedSteps(), spending, listeners);
        return loop.at(step, emptyRepliesAtEnd(events));
    }

    /** Empty replies (no text, no tool calls) in a row at the end of the completed steps. */
    private static int emptyRepliesAtEnd(List<Event> events) {
        int n = 0;
        for (var e : events) {
            if (e instanceof Event.StepCompleted c && !c.messages().isEmpty()) {
                var reply = c.messages().getFirst();
                n = !reply.hasToolCalls() && reply.text().isBlank() ? n + 1 : 0;
            }
        }
        return n;
    }

    private static Message reply(List<Event> events, int step) {
        for (var e : events) if (e instanceof Event.ModelReply r && r.step() == step) return r.message();
        return null;
    }

    private static Event.ToolResultEvent result(List<Event> events, int step, ToolCall call) {
        for (var e : events) {
            if (e instanceof Event.ToolResultEvent r && r.step() == step && r.callId().equals(call.id())) return r;
        }
        return null;
    }

    private static boolean completed(List<Event> events, int step) {
        return events.stream().anyMatch(e -> e instanceof Event.StepCompleted c && c.step() == step);
    }
}
