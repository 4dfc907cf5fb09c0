package ai.apprentice.runtime;

import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.ModelException;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.Usage;
import ai.apprentice.tool.ToolContext;
import ai.apprentice.tool.ToolExecutor;
import ai.apprentice.tool.ToolGate;
import ai.apprentice.tool.ToolResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The ReAct loop of one run: call the model with the history, run the tools it asks for, append what
 * happened, until it answers without tool calls or a budget runs out. Every event is handed to the
 * listeners (the run store first) before the loop goes on, so what is reported done has been recorded. All
 * events are emitted from the run's own thread, also when tools run in parallel.
 */
final class RunLoop {
    /** Why a run was stopped from outside: a person cancelled it, its time ran out, or its process is shutting down. */
    enum Stop { CANCELLED, TIMEOUT, SHUTDOWN }

    static final String EMPTY_ANSWER_NUDGE =
            "Your last reply was empty. Answer the task, or call one of the tools.";

    private final Agent agent;
    private final String runId;
    private final String parentId;
    private final String task;
    private final List<EventListener> listeners;
    private final List<Message> history;
    private final AtomicReference<Stop> stop = new AtomicReference<>();
    /** Each message is tokenized once: the history is measured before every model call. */
    private final java.util.Map<Message, Integer> tokens = new java.util.IdentityHashMap<>();
    private final ai.apprentice.context.TokenCounter counter = new ai.apprentice.context.TokenCounter() {
        @Override public int count(String text) { return agent.tokenCounter().count(text); }
        @Override public int count(Message m) { return tokens.computeIfAbsent(m, x -> agent.tokenCounter().count(x)); }
    };
    private volatile Thread thread;
    private int step;
    private int completedSteps;
    private int emptyReplies; // in a row
    /** Tokens and cost of this run and its children, with the limits of this run and its ancestors. */
    private final Spending spending;
    private final RunHook.Turn turn = new RunHook.Turn() {
        @Override public String runId() { return runId; }
        @Override public String parentId() { return parentId; }
        @Override public int step() { return step; }
        @Override public String task() { return task; }
        @Override public List<Message> history() { return Collections.unmodifiableList(history); }
        @Override public java.nio.file.Path workspace() { return agent.workspace(); }
        @Override public void emit(Event event) { RunLoop.this.emit(event); }
    };

    RunLoop(Agent agent, String runId, String parentId, String task, List<Message> history, int completedSteps,
            Spending spending, List<EventListener> listeners) {
        this.agent = agent;
        this.runId = runId;
        this.parentId = parentId;
        this.task = task;
        this.history = new ArrayList<>(history);
        this.step = completedSteps;
        this.completedSteps = completedSteps;
        this.spending = spending;
        this.listeners = listeners;
    }

    void stop(Stop reason) {
        if (stop.compareAndSet(null, reason)) {
            var t = thread;
            if (t != null) t.interrupt();
        }
    }

    RunResult run(Event opening) {
        thread = Thread.currentThread();
        var budget = agent.budget();
        // The timeout is a task that stops the run; shutdownNow (not close, which would wait for it) drops it.
        var watchdog = budget.timeout() == null ? null : Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().factory());
        try {
            if (watchdog != null) {
                watchdog.schedule(() -> stop(Stop.TIMEOUT), budget.timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            }
            emit(opening);
            return loop();
        } catch (InterruptedException e) {
            return stopped();
        } catch (ModelException e) {
            if (stop.get() != null) return stopped();
            emit(new Event.ErrorEvent(runId, Instant.now(), step, e.getMessage()));
            return finish(RunStatus.FAILED, "model_error", null, e.getMessage());
        } catch (RuntimeException e) {
            if (stop.get() != null) return stopped();
            String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
            try {
                emit(new Event.ErrorEvent(runId, Instant.now(), step, msg));
                return finish(RunStatus.FAILED, "internal_error", null, msg);
            } catch (RuntimeException storeFailed) {
                // The listeners themselves failed (e.g. the store's disk is full): report without recording.
                return new RunResult(runId, RunStatus.FAILED, "internal_error", null, msg, step, spending.usage(),
                        spending.costUsd());
            }
        } finally {
            if (watchdog != null) watchdog.shutdownNow();
            Thread.interrupted(); // clear a late interrupt so it does not leak into the caller's thread
            thread = null;
        }
    }

    /** The agent's last answer to a counterpart, the run's answer if the counterpart ends the conversation. */
    private String lastAnswer = "";

    private RunResult loop() throws InterruptedException {
        while (true) {
            if (stop.get() != null) return stopped();
            var over = stepBudgetOver();
            if (over != null) return over;
            step++;
            var reply = modelPart();
            var results = reply.hasToolCalls() ? runTools(reply.toolCalls()) : List.<Message>of();
            var end = completePart(reply, results, false);
            if (end != null) return end;
        }
    }

    // ---- the parts of a step: this loop calls them in a row; a StepDriver calls each on a loop rebuilt from the store ----

    /** The run ends when the step budget is spent before a final answer; null while steps remain. */
    RunResult stepBudgetOver() {
        var budget = agent.budget();
        if (budget.maxSteps() > 0 && step >= budget.maxSteps()) {
            return finish(RunStatus.FAILED, "max_steps", null,
                    "Step budget exhausted: " + budget.maxSteps() + " steps without a final answer");
        }
        return null;
    }

    /** The model call of the current step, after compaction if needed; the reply is recorded as model_reply. */
    Message modelPart() throws InterruptedException {
        compactIfNeeded();
        var reply = callModel().message();
        emit(new Event.ModelReply(runId, Instant.now(), step, reply));
        return reply;
    }

    /**
     * Completes the current step with the reply and its tool results, and decides whether the run goes on (null) or
     * ends (its result). {@code recorded}: step_completed is already stored (a repeated part), only the decision is left.
     */
    RunResult completePart(Message reply, List<Message> toolResults, boolean recorded) throws InterruptedException {
        var added = new ArrayList<Message>();
        added.add(reply);
        boolean empty = !reply.hasToolCalls() && reply.text().isBlank();
        if (!recorded) emptyReplies = empty ? emptyReplies + 1 : 0;
        if (!reply.hasToolCalls()) {
            if (empty) {
                added.add(Message.user(EMPTY_ANSWER_NUDGE));
                if (!recorded) completeStep(added);
                // A model that keeps saying nothing would otherwise burn the whole step budget.
                if (emptyReplies >= agent.maxEmptyReplies()) {
                    return finish(RunStatus.FAILED, "empty_replies", null, "The model gave " + emptyReplies
                            + " empty replies in a row (no text and no tool calls); the run was stopped");
                }
            } else {
                // With a counterpart (a simulated user) the answer goes to it, and its reply continues the run.
                var next = agent.counterpart() == null || agent.counterpart().over() ? null : agent.counterpart().reply(reply.text());
                if (next == null) {
                    if (!recorded) completeStep(added);
                    return finish(RunStatus.SUCCEEDED, "completed", reply.text(), null);
                }
                added.add(Message.user(next));
                if (!recorded) completeStep(added);
                lastAnswer = reply.text();
            }
        } else {
            added.addAll(toolResults);
            if (!recorded) completeStep(added);
            if (agent.counterpart() != null && agent.counterpart().over()) {
                return finish(RunStatus.SUCCEEDED, "completed", lastAnswer, null); // the environment ended the conversation
            }
        }
        // The totals include this step's children; an ancestor's limit stops this run too.
        var exhausted = spending.exhausted();
        if (exhausted != null) return finish(RunStatus.FAILED, exhausted.stopReason(), null, exhausted.message());
        return null;
    }

    /** Shrinks the history before it outgrows the context window (see {@link Compactor}). */
    private void compactIfNeeded() throws InterruptedException {
        var compactor = new Compactor(counter, agent.contextWindow(), agent.model());
        if (!compactor.needed(history)) return;
        var outcome = compactor.compact(history);
        history.clear();
        history.addAll(outcome.history());
        tokens.clear();
        if (outcome.usage().total() > 0) charge(outcome.usage(), false);
        emit(new Event.Compacted(runId, Instant.now(), step, outcome.tokensBefore(), outcome.tokensAfter(), agent.contextWindow(),
                outcome.elided(), outcome.summarised()));
    }

    private ChatResponse callModel() throws InterruptedException {
        var extra = hookContext();
        var request = new ChatRequest(withContext(extra), agent.tools().specs(), agent.temperature(), null, null);
        int currentStep = step;
        int[] streamed = {0}; // characters of the current attempt sent as model_delta
        ChatResponse response;
        try {
            response = agent.model().chat(request, new ModelListener() {
                @Override
                public void onTextDelta(String text) {
                    streamed[0] += text.length();
                    emit(new Event.ModelDelta(runId, Instant.now(), currentStep, text));
                }

                @Override
                public void onReasoningDelta(String text) {
                    emit(new Event.ReasoningDelta(runId, Instant.now(), currentStep, text));
                }

                @Override
                public void onRetry(int attempt, Duration wait, String reason) {
                    // The failed attempt's text is void: listeners drop it, the next attempt streams afresh.
                    emit(new Event.ModelRetry(runId, Instant.now(), currentStep, attempt, wait.toMillis(), reason, streamed[0]));
                    streamed[0] = 0;
                }
            });
        } catch (ModelException e) {
            // A failed call may still have been billed (e.g. input tokens before a stream broke).
            if (stop.get() == null && e.usage().total() > 0) charge(e.usage(), false);
            throw e;
        }
        if (Thread.interrupted() || stop.get() != null) throw new InterruptedException();
        var callUsage = response.usage();
        boolean estimated = callUsage.total() == 0; // the provider reported none: count, so budgets still hold
        if (estimated) callUsage = estimate(extra, request, response.message());
        charge(callUsage, estimated);
        return new ChatResponse(withCallIds(response.message()), callUsage, response.finishReason());
    }

    /** The hooks' context for this call, one system message per hook that has something to say. */
    private List<Message> hookContext() throws InterruptedException {
        var extra = new ArrayList<Message>();
        for (var hook : agent.hooks()) {
            try {
                var text = hook.contextForTurn(turn);
                if (text != null && !text.isBlank()) extra.add(Message.system(text));
            } catch (RuntimeException e) {
                hookFailed(hook, "contextForTurn", e);
            }
        }
        return extra;
    }

    /** The history with {@code extra} right after the instructions (the first system message); history is untouched. */
    private List<Message> withContext(List<Message> extra) {
        if (extra.isEmpty()) return history;
        var messages = new ArrayList<Message>(history.size() + extra.size());
        messages.addAll(history);
        int at = 0;
        while (at < history.size() && history.get(at).role() != ai.apprentice.model.Role.SYSTEM) at++;
        messages.addAll(at < history.size() ? at + 1 : 0, extra);
        return messages;
    }

    private Usage estimate(List<Message> extra, ChatRequest request, Message reply) {
        var exact = agent.tokenCounter();
        long input = counter.count(history);
        for (var m : extra) input += exact.count(m);
        for (var t : request.tools()) input += exact.count(t.name()) + exact.count(t.description()) + exact.count(t.parameters().toString());
        return new Usage(input, exact.count(reply));
    }

    /** Charges a call to this run (and its ancestors) and reports it with the run's new totals. */
    private void charge(Usage callUsage, boolean estimated) {
        // Priced from the usage the provider reported, cache reads and writes at their own prices: the run's cost is
        // the sum of these per-call costs, so it matches the bill as far as the price table does.
        boolean unpriced = !agent.prices().priced(agent.model().id());
        double callCost = agent.prices().cost(agent.model().id(), callUsage);
        spending.charge(callUsage, callCost);
        var total = spending.usage();
        emit(new Event.UsageEvent(runId, Instant.now(), step, callUsage.inputTokens(), callUsage.outputTokens(),
                callCost, total.inputTokens(), total.outputTokens(), spending.costUsd(), estimated,
                callUsage.cacheReadTokens(), callUsage.cacheWriteTokens(), callUsage.reasoningTokens(), unpriced));
    }

    /** Some models (and the text-mode parser) leave call ids out; the history needs them to pair results. */
    private Message withCallIds(Message reply) {
        if (reply.toolCalls().stream().allMatch(c -> c.id() != null && !c.id().isBlank())) return reply;
        var calls = new ArrayList<ToolCall>();
        for (int i = 0; i < reply.toolCalls().size(); i++) {
            var c = reply.toolCalls().get(i);
            calls.add(c.id() == null || c.id().isBlank() ? new ToolCall("call_" + step + "_" + i, c.name(), c.arguments()) : c);
        }
        return reply.withToolCalls(calls); // the reasoning stays: some providers need it back with the calls
    }

    private List<Message> runTools(List<ToolCall> calls) throws InterruptedException {
        for (var call : calls) emit(new Event.ToolCallEvent(runId, Instant.now(), step, call));
        var context = new ToolContext(runId, step, agent.workspace(), agent.budget().maxSteps(), spending).withEvents(this::emit);
        var executor = agent.tools();
        var results = new ToolResult[calls.size()];
        var durations = new long[calls.size()];
        // Calls past the cap are not run, but each still gets a result: providers reject a call left unanswered.
        int cap = Math.min(calls.size(), agent.maxToolCallsPerReply());
        for (int i = cap; i < calls.size(); i++) {
            results[i] = ToolResult.error("Not run: at most " + cap + " tool calls of one reply are run, and this reply had "
                    + calls.size() + ". Ask for fewer at a time.");
        }
        boolean parallel = cap > 1 && calls.subList(0, cap).stream().allMatch(executor::parallelSafe);
        if (!parallel) {
            for (int i = 0; i < cap; i++) {
                long t0 = System.nanoTime();
                var callContext = withProgress(context, calls.get(i), i);
                results[i] = executor.run(prepare(calls.get(i), callContext), callContext);
                durations[i] = (System.nanoTime() - t0) / 1_000_000;
            }
        } else {
            // Checks and permission decisions (and their events) happen here on the run's thread, one call after
            // the other; only the allowed tools run in parallel.
            var prepared = new ToolExecutor.Prepared[calls.size()];
            for (int i = 0; i < cap; i++) {
                long t0 = System.nanoTime();
                prepared[i] = prepare(calls.get(i), withProgress(context, calls.get(i), i));
                durations[i] = (System.nanoTime() - t0) / 1_000_000;
                results[i] = prepared[i].result();
            }
            var permits = new Semaphore(Math.max(1, agent.parallelTools()));
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                var futures = new ArrayList<Future<?>>();
                for (int i = 0; i < cap; i++) {
                    if (results[i] != null) continue;
                    int index = i;
                    futures.add(pool.submit(() -> {
                        permits.acquire();
                        long t0 = System.nanoTime();
                        try {
                            results[index] = executor.run(prepared[index], withProgress(context, calls.get(index), index));
                        } finally {
                            durations[index] += (System.nanoTime() - t0) / 1_000_000;
                            permits.release();
                        }
                        return null;
                    }));
                }
                try {
                    for (var f : futures) f.get();
                } catch (InterruptedException e) {
                    futures.forEach(f -> f.cancel(true));
                    throw e;
                } catch (ExecutionException e) {
                    throw new IllegalStateException("tool execution failed unexpectedly", e.getCause());
                }
            }
        }
        if (stop.get() != null) throw new InterruptedException();
        var messages = new ArrayList<Message>();
        for (int i = 0; i < calls.size(); i++) {
            var call = calls.get(i);
            var result = results[i];
            emit(new Event.ToolResultEvent(runId, Instant.now(), step, call.id(), call.name(), result.content(),
                    result.error(), durations[i]));
            messages.add(Message.toolResult(call.id(), call.name(), result.content()));
            for (var hook : agent.hooks()) {
                try {
                    hook.afterToolCall(turn, call, result);
                } catch (RuntimeException e) {
                    hookFailed(hook, "afterToolCall", e);
                }
            }
        }
        return messages;
    }

    /**
     * One tool call of the current step as its own part (a durable engine's activity). The gate is asked before
     * anything is recorded, so a call waiting for a person leaves no trace; then tool_call and the decision are
     * recorded and made durable by {@code durable} before the tool runs: a repeat of the part that finds tool_call
     * stored without a result knows the call had started. {@code rerun} is that repeat, handled by the tool's effect:
     * read-only and idempotent tools run again as they are, at-least-once ones run again with a tool_rerun event, and
     * a tool that must not run twice goes to the gate's {@link ToolGate#recheck} (a person) first. {@code deniedBefore}:
     * the decision that denied the call before the repeat (its tool_call and the denial were stored, its result not),
     * which holds again: a repeat takes the "allowed already" path only for a call that was not denied.
     */
    void toolPart(ToolCall call, int index, int callsInReply, boolean rerun, ToolGate.Decision deniedBefore, Runnable durable) throws InterruptedException {
        var context = withProgress(new ToolContext(runId, step, agent.workspace(), agent.budget().maxSteps(), spending).withEvents(this::emit), call, index);
        var tools = agent.tools();
        int cap = Math.min(callsInReply, agent.maxToolCallsPerReply());
        long t0 = System.nanoTime();
        ToolResult result;
        if (index >= cap) {
            if (!rerun) emit(new Event.ToolCallEvent(runId, Instant.now(), step, call));
            result = ToolResult.error("Not run: at most " + cap + " tool calls of one reply are run, and this reply had "
                    + callsInReply + ". Ask for fewer at a time.");
        } else {
            var effect = tools.effect(call);
            // A repeat of a call that was allowed already is not asked about again, except one that must not run twice.
            ToolGate gate = !rerun ? agent.gate()
                    : deniedBefore != null ? (c, a, ctx) -> deniedBefore
                    : effect == ai.apprentice.tool.Tool.Effect.NOT_TWICE ? (c, a, ctx) -> agent.gate().recheck(c, a, ctx)
                    : ToolGate.ALLOW_ALL;
            var decisions = new ArrayList<ToolGate.Decision>();
            var prepared = tools.prepare(call, context, gate, decisions::add);
            if (!rerun) emit(new Event.ToolCallEvent(runId, Instant.now(), step, call));
            if (rerun && deniedBefore == null && effect == ai.apprentice.tool.Tool.Effect.AT_LEAST_ONCE) {
                emit(new Event.ToolRerun(runId, Instant.now(), step, call.id(), call.name(), effect.name().toLowerCase(java.util.Locale.ROOT)));
            }
            if (deniedBefore != null) decisions.clear(); // stored already, with the tool_call
            for (var d : decisions) {
                emit(new Event.PermissionDecision(runId, Instant.now(), step, call.id(), call.name(), d.allowed(), d.decidedBy(), d.reason()));
            }
            durable.run();
            result = tools.run(prepared, context);
        }
        emit(new Event.ToolResultEvent(runId, Instant.now(), step, call.id(), call.name(), result.content(), result.error(),
                (System.nanoTime() - t0) / 1_000_000));
        for (var hook : agent.hooks()) {
            try {
                hook.afterToolCall(turn, call, result);
            } catch (RuntimeException e) {
                hookFailed(hook, "afterToolCall", e);
            }
        }
    }

    /** Sets where a loop rebuilt from stored events stands: the step it works on and the empty replies before it. */
    RunLoop at(int step, int emptyReplies) {
        this.step = step;
        this.emptyReplies = emptyReplies;
        return this;
    }

    /** Validates a call and asks the gate, emitting the decision (on the calling thread: the run's). */
    private ToolExecutor.Prepared prepare(ToolCall call, ToolContext context) throws InterruptedException {
        return agent.tools().prepare(call, context, agent.gate(), d -> emit(new Event.PermissionDecision(runId,
                Instant.now(), step, call.id(), call.name(), d.allowed(), d.decidedBy(), d.reason())));
    }

    private void completeStep(List<Message> added) {
        history.addAll(added);
        emit(new Event.StepCompleted(runId, Instant.now(), step, List.copyOf(added)));
    }

    private RunResult stopped() {
        Thread.interrupted();
        var reason = stop.get();
        if (reason == Stop.TIMEOUT) return timedOut();
        // The step in flight is dropped; completed steps are kept, so the run could be resumed.
        if (reason == Stop.SHUTDOWN) return finish(RunStatus.INTERRUPTED, "shutdown", null, null);
        return finish(RunStatus.CANCELLED, "cancelled", null, null);
    }

    /** Ends the run as its timeout does: failed, "timeout", with the timeout in the error (also for an engine's timer). */
    RunResult timedOut() {
        return finish(RunStatus.FAILED, "timeout", null, Budget.timedOut(agent.budget().timeout()));
    }

    RunResult finish(RunStatus status, String reason, String answer, String error) {
        int completed = completedSteps;
        if (error != null && status != RunStatus.SUCCEEDED && !"model_error".equals(reason)
                && !"internal_error".equals(reason)) {
            emit(new Event.ErrorEvent(runId, Instant.now(), step, error));
        }
        var result = new RunResult(runId, status, reason, answer, error, completed, spending.usage(), spending.costUsd());
        for (var hook : agent.hooks()) {
            try {
                hook.onRunEnd(turn, result);
            } catch (InterruptedException | RuntimeException e) {
                hookFailed(hook, "onRunEnd", e);
            }
        }
        emit(new Event.RunFinished(runId, Instant.now(), status, reason, answer, completed, result.usage().inputTokens(),
                result.usage().outputTokens(), result.costUsd()));
        return result;
    }

    /** A failing hook is reported and otherwise ignored: it must not change how the run goes or ends. */
    private void hookFailed(RunHook hook, String method, Exception e) {
        String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        emit(new Event.ErrorEvent(runId, Instant.now(), step, "Run hook " + hook.getClass().getName() + " failed in "
                + method + ": " + what));
    }

    /** A call's context whose live output (a shell command's, as it prints) becomes stream-only events. */
    private ToolContext withProgress(ToolContext context, ToolCall call, int index) {
        return context.withCall(index).withProgress(text -> emit(new Event.ToolOutputDelta(runId, Instant.now(), step, call.id(), text)));
    }

    void emit(Event event) {
        if (event instanceof Event.StepCompleted c) completedSteps = c.step();
        for (var l : listeners) l.onEvent(event);
    }
}
