package ai.apprentice.runtime;

import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.ModelException;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.Usage;
import ai.apprentice.tool.ToolContext;
import ai.apprentice.tool.ToolResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The ReAct loop of one run: call the model with the history, run the tools it asks for, append what
 * happened, until it answers without tool calls or a budget runs out. Every event is handed to the
 * listeners (the run store first) before the loop goes on, so what is reported done has been recorded.
 */
final class RunLoop {
    enum Stop { CANCELLED, TIMEOUT }

    static final String EMPTY_ANSWER_NUDGE =
            "Your last reply was empty. Answer the task, or call one of the tools.";

    private final Agent agent;
    private final String runId;
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
    private Usage usage;
    private double cost;

    RunLoop(Agent agent, String runId, List<Message> history, int completedSteps, Usage usage, double cost,
            List<EventListener> listeners) {
        this.agent = agent;
        this.runId = runId;
        this.history = new ArrayList<>(history);
        this.step = completedSteps;
        this.completedSteps = completedSteps;
        this.usage = usage;
        this.cost = cost;
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
                return new RunResult(runId, RunStatus.FAILED, "internal_error", null, msg, step, usage, cost);
            }
        } finally {
            if (watchdog != null) watchdog.shutdownNow();
            Thread.interrupted(); // clear a late interrupt so it does not leak into the caller's thread
            thread = null;
        }
    }

    private RunResult loop() throws InterruptedException {
        var budget = agent.budget();
        while (true) {
            if (stop.get() != null) return stopped();
            if (budget.maxSteps() > 0 && step >= budget.maxSteps()) {
                return finish(RunStatus.FAILED, "max_steps", null,
                        "Step budget exhausted: " + budget.maxSteps() + " steps without a final answer");
            }
            step++;
            compactIfNeeded();
            ChatResponse response = callModel();
            var reply = response.message();
            var added = new ArrayList<Message>();
            added.add(reply);
            if (!reply.hasToolCalls()) {
                if (reply.text().isBlank()) {
                    added.add(Message.user(EMPTY_ANSWER_NUDGE));
                    completeStep(added);
                } else {
                    completeStep(added);
                    return finish(RunStatus.SUCCEEDED, "completed", reply.text(), null);
                }
            } else {
                added.addAll(runTools(reply.toolCalls()));
                completeStep(added);
            }
            if (budget.maxTokens() > 0 && usage.total() >= budget.maxTokens()) {
                return finish(RunStatus.FAILED, "max_tokens", null,
                        "Token budget exhausted: " + usage.total() + " of " + budget.maxTokens() + " tokens used");
            }
            if (budget.maxCostUsd() > 0 && cost >= budget.maxCostUsd()) {
                return finish(RunStatus.FAILED, "max_cost", null,
                        String.format("Cost budget exhausted: $%.4f of $%.4f spent", cost, budget.maxCostUsd()));
            }
        }
    }

    /** Shrinks the history before it outgrows the context window (see {@link Compactor}). */
    private void compactIfNeeded() throws InterruptedException {
        var compactor = new Compactor(counter, agent.contextWindow(), agent.model());
        if (!compactor.needed(history)) return;
        var outcome = compactor.compact(history);
        history.clear();
        history.addAll(outcome.history());
        tokens.clear();
        if (outcome.usage().total() > 0) {
            double callCost = agent.prices().cost(agent.model().id(), outcome.usage());
            usage = usage.plus(outcome.usage());
            cost += callCost;
            emit(new Event.UsageEvent(runId, Instant.now(), step, outcome.usage().inputTokens(), outcome.usage().outputTokens(),
                    callCost, usage.inputTokens(), usage.outputTokens(), cost));
        }
        emit(new Event.Compacted(runId, Instant.now(), step, outcome.tokensBefore(), outcome.tokensAfter(), agent.contextWindow(),
                outcome.elided(), outcome.summarised()));
    }

    private ChatResponse callModel() throws InterruptedException {
        var request = new ChatRequest(history, agent.tools().specs(), agent.temperature(), null, null);
        int currentStep = step;
        var response = agent.model().chat(request, new ModelListener() {
            @Override
            public void onTextDelta(String text) {
                emit(new Event.ModelDelta(runId, Instant.now(), currentStep, text));
            }

            @Override
            public void onRetry(int attempt, Duration wait, String reason) {
                emit(new Event.ModelRetry(runId, Instant.now(), currentStep, attempt, wait.toMillis(), reason));
            }
        });
        if (Thread.interrupted() || stop.get() != null) throw new InterruptedException();
        var callUsage = response.usage();
        double callCost = agent.prices().cost(agent.model().id(), callUsage);
        usage = usage.plus(callUsage);
        cost += callCost;
        emit(new Event.UsageEvent(runId, Instant.now(), step, callUsage.inputTokens(), callUsage.outputTokens(),
                callCost, usage.inputTokens(), usage.outputTokens(), cost));
        return new ChatResponse(withCallIds(response.message()), callUsage, response.finishReason());
    }

    /** Some models (and the text-mode parser) leave call ids out; the history needs them to pair results. */
    private Message withCallIds(Message reply) {
        if (reply.toolCalls().stream().allMatch(c -> c.id() != null && !c.id().isBlank())) return reply;
        var calls = new ArrayList<ToolCall>();
        for (int i = 0; i < reply.toolCalls().size(); i++) {
            var c = reply.toolCalls().get(i);
            calls.add(c.id() == null || c.id().isBlank() ? new ToolCall("call_" + step + "_" + i, c.name(), c.arguments()) : c);
        }
        return Message.assistant(reply.content(), calls);
    }

    private List<Message> runTools(List<ToolCall> calls) throws InterruptedException {
        for (var call : calls) emit(new Event.ToolCallEvent(runId, Instant.now(), step, call));
        var context = new ToolContext(runId, step, agent.workspace());
        var executor = agent.tools();
        var results = new ArrayList<ToolResult>();
        var durations = new long[calls.size()];
        boolean parallel = calls.size() > 1 && calls.stream().allMatch(executor::parallelSafe);
        if (!parallel) {
            for (int i = 0; i < calls.size(); i++) {
                long t0 = System.nanoTime();
                results.add(execute(calls.get(i), context));
                durations[i] = (System.nanoTime() - t0) / 1_000_000;
            }
        } else {
            var permits = new Semaphore(Math.max(1, agent.parallelTools()));
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                var futures = new ArrayList<Future<ToolResult>>();
                for (int i = 0; i < calls.size(); i++) {
                    var call = calls.get(i);
                    int index = i;
                    futures.add(pool.submit(() -> {
                        permits.acquire();
                        long t0 = System.nanoTime();
                        try {
                            return execute(call, context);
                        } finally {
                            durations[index] = (System.nanoTime() - t0) / 1_000_000;
                            permits.release();
                        }
                    }));
                }
                try {
                    for (var f : futures) results.add(f.get());
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
            var result = results.get(i);
            emit(new Event.ToolResultEvent(runId, Instant.now(), step, call.id(), call.name(), result.content(),
                    result.error(), durations[i]));
            messages.add(Message.toolResult(call.id(), call.name(), result.content()));
        }
        return messages;
    }

    private ToolResult execute(ToolCall call, ToolContext context) throws InterruptedException {
        return agent.tools().execute(call, context, agent.gate(), d -> emit(new Event.PermissionDecision(runId,
                Instant.now(), step, call.id(), call.name(), d.allowed(), d.decidedBy(), d.reason())));
    }

    private void completeStep(List<Message> added) {
        history.addAll(added);
        emit(new Event.StepCompleted(runId, Instant.now(), step, List.copyOf(added)));
    }

    private RunResult stopped() {
        Thread.interrupted();
        var reason = stop.get();
        if (reason == Stop.TIMEOUT) {
            String msg = "Timed out after " + agent.budget().timeout();
            return finish(RunStatus.FAILED, "timeout", null, msg);
        }
        // The step in flight is dropped; completed steps are kept, so the run could be resumed.
        return finish(RunStatus.CANCELLED, "cancelled", null, null);
    }

    private RunResult finish(RunStatus status, String reason, String answer, String error) {
        int completed = completedSteps;
        if (error != null && status != RunStatus.SUCCEEDED && !"model_error".equals(reason)
                && !"internal_error".equals(reason)) {
            emit(new Event.ErrorEvent(runId, Instant.now(), step, error));
        }
        emit(new Event.RunFinished(runId, Instant.now(), status, reason, answer, completed, usage.inputTokens(),
                usage.outputTokens(), cost));
        return new RunResult(runId, status, reason, answer, error, completed, usage, cost);
    }

    private void emit(Event event) {
        if (event instanceof Event.StepCompleted c) completedSteps = c.step();
        for (var l : listeners) l.onEvent(event);
    }
}
