package ai.apprentice.harness.telemetry;

import static io.opentelemetry.api.common.AttributeKey.booleanKey;
import static io.opentelemetry.api.common.AttributeKey.doubleKey;
import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;

import ai.apprentice.json.Json;
import ai.apprentice.model.Message;
import ai.apprentice.model.Role;
import ai.apprentice.model.ToolCall;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.EventListener;
import ai.apprentice.runtime.RunStatus;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the events of runs into spans after the GenAI semantic conventions, with the times the events carry:
 * <pre>
 * invoke_agent {agent}        run_started (or run_resumed) .. run_finished
 *   chat {model}              from the step's start (or the previous call's end) to its usage event
 *   execute_tool {tool}       from the call's permission decision to its end (its duration)
 *   invoke_agent subagent     a child run, under its parent's run
 * </pre>
 * Tool spans are children of the agent span, beside the chat span that asked for them. Content (the task and
 * answer, each model reply, tool arguments and results, error messages) goes into spans only when capture is on,
 * always through the redactor. A listener must not disturb the run: a failure here is a warning, nothing more.
 */
final class RunTracer implements EventListener {
    static final AttributeKey<String> OPERATION = stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = stringKey("gen_ai.provider.name");
    static final AttributeKey<String> REQUEST_MODEL = stringKey("gen_ai.request.model");
    static final AttributeKey<String> AGENT_NAME = stringKey("gen_ai.agent.name");
    static final AttributeKey<String> CONVERSATION_ID = stringKey("gen_ai.conversation.id");
    static final AttributeKey<Long> INPUT_TOKENS = longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<String> TOOL_NAME = stringKey("gen_ai.tool.name");
    static final AttributeKey<String> TOOL_CALL_ID = stringKey("gen_ai.tool.call.id");
    static final AttributeKey<String> TOOL_TYPE = stringKey("gen_ai.tool.type");
    static final AttributeKey<String> ERROR_TYPE = stringKey("error.type");
    static final AttributeKey<String> TOKEN_TYPE = stringKey("gen_ai.token.type");
    // content: opt-in
    static final AttributeKey<String> INPUT_MESSAGES = stringKey("gen_ai.input.messages");
    static final AttributeKey<String> OUTPUT_MESSAGES = stringKey("gen_ai.output.messages");
    static final AttributeKey<String> TOOL_ARGUMENTS = stringKey("gen_ai.tool.call.arguments");
    static final AttributeKey<String> TOOL_RESULT = stringKey("gen_ai.tool.call.result");
    static final List<AttributeKey<String>> CONTENT = List.of(INPUT_MESSAGES, OUTPUT_MESSAGES, TOOL_ARGUMENTS, TOOL_RESULT);
    // apprentice's own
    static final AttributeKey<String> PARENT_RUN = stringKey("apprentice.run.parent_id");
    static final AttributeKey<String> STATUS = stringKey("apprentice.run.status");
    static final AttributeKey<String> STOP_REASON = stringKey("apprentice.run.stop_reason");
    static final AttributeKey<Long> STEPS = longKey("apprentice.run.steps");
    static final AttributeKey<Long> RESUMED_FROM = longKey("apprentice.run.resumed_from_step");
    static final AttributeKey<Double> COST = doubleKey("apprentice.usage.cost_usd");
    static final AttributeKey<Boolean> ESTIMATED = booleanKey("apprentice.usage.estimated");

    /** Longest text of one piece of content in a span; longer is cut (tool results can be megabytes). */
    static final int MAX_CONTENT_CHARS = 16_384;

    private final Telemetry telemetry;
    private final String agentName;
    private final String modelId;
    private final boolean capture;

    RunTracer(Telemetry telemetry, String agentName, String modelId, boolean capture) {
        this.telemetry = telemetry;
        this.agentName = agentName;
        this.modelId = modelId;
        this.capture = capture;
    }

    @Override
    public void onEvent(Event event) {
        try {
            var part = RunTrace.current(event.runId());
            if (part != null) {
                onPart(part, event);
                return;
            }
            switch (event) {
                case Event.RunStarted s -> begin(s.runId(), s.at(), s.parentId(), s.model(), s.task(), null);
                case Event.RunResumed r -> begin(r.runId(), r.at(), null, modelId, null, r.fromStep());
                default -> {
                    var state = telemetry.open.get(event.runId());
                    if (state != null && state.owner == this) state.on(event);
                }
            }
        } catch (RuntimeException e) {
            telemetry.warn.accept("telemetry skipped a " + event.type() + " event: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    /**
     * An event of a part of a run traced across processes: its chat and tool spans go under the run's agent span,
     * whose ids the run carries; that span itself is made by whichever process records the run's end.
     */
    private void onPart(RunTrace.Entered part, Event event) {
        switch (event) {
            case Event.RunStarted s -> {} // the agent span starts at the run's acceptance and is made at its end
            case Event.RunResumed r -> {}
            default -> state(part).on(event);
        }
    }

    private RunState state(RunTrace.Entered part) {
        var state = part.state;
        if (state == null || state.owner != this) {
            state = new RunState(part, split(modelId));
            part.state = state;
        }
        return state;
    }

    private void begin(String runId, Instant at, String parentId, String model, String task, Integer resumedFrom) {
        if (telemetry.open.size() >= Telemetry.MAX_OPEN_RUNS) {
            telemetry.open.values().stream().min(Comparator.comparing((RunState s) -> s.started))
                    .ifPresent(oldest -> { if (telemetry.open.remove(oldest.runId, oldest)) oldest.abandon(); });
        }
        var parent = parentId == null ? null : telemetry.open.get(parentId);
        var parentPart = parent == null && parentId != null ? RunTrace.current(parentId) : null;
        if (parentPart != null) parent = state(parentPart); // a subagent of a part of a run traced across processes
        var name = parentId != null ? "subagent" : agentName;
        var ids = split(model != null ? model : modelId);
        var span = telemetry.tracer.spanBuilder("invoke_agent " + name)
                .setParent(parent != null ? parent.context : Context.current())
                .setSpanKind(SpanKind.INTERNAL)
                .setStartTimestamp(at)
                .setAttribute(OPERATION, "invoke_agent")
                .setAttribute(AGENT_NAME, name)
                .setAttribute(PROVIDER, ids[0])
                .setAttribute(REQUEST_MODEL, ids[1])
                .setAttribute(CONVERSATION_ID, runId)
                .startSpan();
        if (parentId != null) span.setAttribute(PARENT_RUN, parentId);
        if (resumedFrom != null) span.setAttribute(RESUMED_FROM, (long) resumedFrom);
        if (capture && task != null) span.setAttribute(INPUT_MESSAGES, messages(Role.USER, task, List.of()));
        var state = new RunState(runId, name, ids[0], ids[1], span, at);
        var previous = telemetry.open.put(runId, state);
        if (previous != null) previous.abandon(); // the same run again (resumed in this process): its older span ends
    }

    private static io.opentelemetry.api.trace.SpanContext remote(String traceId, String spanId, boolean sampled) {
        return io.opentelemetry.api.trace.SpanContext.createFromRemoteParent(traceId, spanId,
                sampled ? io.opentelemetry.api.trace.TraceFlags.getSampled() : io.opentelemetry.api.trace.TraceFlags.getDefault(),
                io.opentelemetry.api.trace.TraceState.getDefault());
    }

    /** {@code provider:model} as the provider and the model; an id without a provider is all model. */
    static String[] split(String modelId) {
        if (modelId == null) return new String[] {"unknown", "unknown"};
        int colon = modelId.indexOf(':');
        return colon <= 0 ? new String[] {"unknown", modelId} : new String[] {modelId.substring(0, colon), modelId.substring(colon + 1)};
    }

    /** One message in the conventions' JSON form, {@code [{"role":..,"parts":[..]}]}, its text and arguments redacted. */
    private String messages(Role role, String text, List<ToolCall> calls) {
        var root = Json.MAPPER.createArrayNode();
        var message = root.addObject().put("role", role.name().toLowerCase(java.util.Locale.ROOT));
        var parts = message.putArray("parts");
        if (text != null && !text.isEmpty()) parts.addObject().put("type", "text").put("content", content(text));
        for (var c : calls) {
            parts.addObject().put("type", "tool_call").put("id", c.id()).put("name", c.name()).put("arguments", content(c.arguments()));
        }
        return Json.write(root);
    }

    private String content(String text) {
        var clean = telemetry.redactor.redact(text);
        return clean.length() <= MAX_CONTENT_CHARS ? clean
                : clean.substring(0, MAX_CONTENT_CHARS) + "...[cut " + (clean.length() - MAX_CONTENT_CHARS) + " characters]";
    }

    private static double seconds(Instant start, Instant end) {
        return Math.max(0, Duration.between(start, end).toNanos()) / 1e9;
    }

    /** A model call whose usage arrived, waiting for its step to complete (which says what the model answered). */
    private record Chat(Instant start, Instant end, long inputTokens, long outputTokens, double costUsd, boolean estimated,
                        boolean known) {}

    /** What is open of one run. Touched by its run's thread only, except {@link #abandon} and the read of {@link #context}. */
    final class RunState {
        final RunTracer owner = RunTracer.this;
        final String runId;
        final String name;
        final String provider;
        final String model;
        final Span span;
        final Context context;
        final Instant started;
        /** When the next model call started: the run's start, the end of the previous step or of the previous call. */
        private Instant mark;
        private final Map<String, Instant> toolStart = new HashMap<>();
        private final Map<String, ToolCall> calls = new HashMap<>();
        private final Set<String> denied = new HashSet<>();
        private final List<Chat> pending = new ArrayList<>();
        private String lastError;
        private Instant lastErrorAt;

        /** The run's trace when its parts run in different processes: its agent span is made at its end, with these ids. */
        private final RunTrace trace;

        RunState(String runId, String name, String provider, String model, Span span, Instant started) {
            this.runId = runId;
            this.name = name;
            this.provider = provider;
            this.model = model;
            this.span = span;
            this.context = Context.root().with(span);
            this.started = started;
            this.mark = started;
            this.trace = null;
        }

        /** A part of a run traced across processes, from the part's start on. */
        RunState(RunTrace.Entered part, String[] ids) {
            this.runId = part.runId;
            this.name = agentName;
            this.provider = ids[0];
            this.model = ids[1];
            this.trace = part.trace;
            this.span = null;
            this.context = Context.root().with(Span.wrap(remote(trace.traceId(), trace.spanId(), trace.sampled())));
            this.started = Instant.ofEpochMilli(trace.startedAt());
            this.mark = part.at;
        }

        void on(Event event) {
            switch (event) {
                case Event.Compacted c -> { // a summary's model call is done; the step's own call starts now
                    flushChats(null, null);
                    mark = c.at();
                }
                case Event.UsageEvent u -> {
                    pending.add(new Chat(mark, u.at(), u.inputTokens(), u.outputTokens(), u.costUsd(), u.estimated(), true));
                    mark = u.at();
                }
                case Event.ToolCallEvent c -> {
                    calls.put(c.call().id(), c.call());
                    toolStart.put(c.call().id(), c.at());
                }
                case Event.PermissionDecision p -> { // made right before the tool runs
                    toolStart.put(p.callId(), p.at());
                    if (!p.allowed()) denied.add(p.callId());
                }
                case Event.ToolResultEvent r -> tool(r);
                case Event.ModelReply m -> flushChats(m.message(), null); // the call's answer: its span can end
                case Event.StepCompleted s -> {
                    flushChats(s.messages().stream().filter(m -> m.role() == Role.ASSISTANT).findFirst().orElse(null), null);
                    mark = s.at();
                }
                case Event.ErrorEvent e -> {
                    lastError = e.message();
                    lastErrorAt = e.at();
                }
                case Event.RunFinished f -> finish(f);
                default -> {}
            }
        }

        private void tool(Event.ToolResultEvent r) {
            var start = toolStart.remove(r.callId());
            // a call asked for in another process's part (a rerun, a tool after an approval): its start is its duration back
            if (start == null || start.isAfter(r.at())) start = r.at().minusMillis(Math.max(0, r.durationMs()));
            var end = start.plusMillis(Math.max(0, r.durationMs()));
            if (end.isAfter(r.at())) end = r.at();
            var call = calls.remove(r.callId());
            var span = telemetry.tracer.spanBuilder("execute_tool " + r.name())
                    .setParent(context)
                    .setSpanKind(SpanKind.INTERNAL)
                    .setStartTimestamp(start)
                    .setAttribute(OPERATION, "execute_tool")
                    .setAttribute(TOOL_NAME, r.name())
                    .setAttribute(TOOL_CALL_ID, r.callId())
                    .setAttribute(TOOL_TYPE, "function")
                    .startSpan();
            if (capture) {
                if (call != null) span.setAttribute(TOOL_ARGUMENTS, content(call.arguments()));
                span.setAttribute(TOOL_RESULT, content(r.content()));
            }
            if (r.error()) {
                span.setAttribute(ERROR_TYPE, denied.remove(r.callId()) ? "permission_denied" : "tool_error");
                span.setStatus(StatusCode.ERROR, capture ? content(r.content()) : "");
            }
            span.end(end);
        }

        /** Ends the spans of the model calls waiting for their step; the last one answered {@code reply}, or failed with {@code errorType}. */
        private void flushChats(Message reply, String errorType) {
            for (int i = 0; i < pending.size(); i++) {
                boolean last = i == pending.size() - 1;
                var c = pending.get(i);
                var span = telemetry.tracer.spanBuilder("chat " + model)
                        .setParent(context)
                        .setSpanKind(SpanKind.CLIENT)
                        .setStartTimestamp(c.start())
                        .setAttribute(OPERATION, "chat")
                        .setAttribute(PROVIDER, provider)
                        .setAttribute(REQUEST_MODEL, model)
                        .startSpan();
                var attrs = metricAttributes("chat");
                if (c.known()) {
                    span.setAttribute(INPUT_TOKENS, c.inputTokens());
                    span.setAttribute(OUTPUT_TOKENS, c.outputTokens());
                    span.setAttribute(COST, c.costUsd());
                    if (c.estimated()) span.setAttribute(ESTIMATED, true);
                    else {
                        // the conventions count reported tokens only; an estimate stays on the span, marked as one
                        telemetry.tokenUsage.record(c.inputTokens(), attrs.toBuilder().put(TOKEN_TYPE, "input").build());
                        telemetry.tokenUsage.record(c.outputTokens(), attrs.toBuilder().put(TOKEN_TYPE, "output").build());
                    }
                }
                if (last && capture && reply != null) span.setAttribute(OUTPUT_MESSAGES, messages(Role.ASSISTANT, reply.text(), reply.toolCalls()));
                if (last && errorType != null) {
                    span.setAttribute(ERROR_TYPE, errorType);
                    span.setStatus(StatusCode.ERROR, capture && lastError != null ? content(lastError) : "");
                    attrs = attrs.toBuilder().put(ERROR_TYPE, errorType).build();
                }
                telemetry.duration.record(seconds(c.start(), c.end()), attrs);
                span.end(c.end());
            }
            pending.clear();
        }

        private Attributes metricAttributes(String operation) {
            AttributesBuilder b = Attributes.builder().put(OPERATION, operation).put(PROVIDER, provider).put(REQUEST_MODEL, model);
            return b.build();
        }

        private void finish(Event.RunFinished f) {
            if ("model_error".equals(f.stopReason())) {
                // the failed call: the one that was billed (its usage arrived), else one from the step's start to the error
                if (pending.isEmpty()) pending.add(new Chat(mark, lastErrorAt != null ? lastErrorAt : f.at(), 0, 0, 0, false, false));
                flushChats(null, "model_error");
            } else {
                flushChats(null, null);
            }
            var span = trace == null ? this.span : agentSpan();
            span.setAttribute(INPUT_TOKENS, f.inputTokens());
            span.setAttribute(OUTPUT_TOKENS, f.outputTokens());
            span.setAttribute(COST, f.costUsd());
            span.setAttribute(STATUS, f.status().name().toLowerCase(java.util.Locale.ROOT));
            if (f.stopReason() != null) span.setAttribute(STOP_REASON, f.stopReason());
            span.setAttribute(STEPS, (long) f.steps());
            if (capture && f.answer() != null) span.setAttribute(OUTPUT_MESSAGES, messages(Role.ASSISTANT, f.answer(), List.of()));
            var attrs = metricAttributes("invoke_agent").toBuilder().put(AGENT_NAME, name);
            if (f.status() != RunStatus.SUCCEEDED) {
                var type = f.stopReason() != null ? f.stopReason() : f.status().name().toLowerCase(java.util.Locale.ROOT);
                span.setAttribute(ERROR_TYPE, type);
                span.setStatus(StatusCode.ERROR, capture && lastError != null ? content(lastError) : type);
                attrs.put(ERROR_TYPE, type);
            }
            telemetry.duration.record(seconds(started, f.at()), attrs.build());
            span.end(f.at());
            telemetry.open.remove(runId, this);
        }

        /** The agent span of a run traced across processes, made at its end with the ids and start its parts used. */
        private Span agentSpan() {
            var builder = telemetry.tracer.spanBuilder("invoke_agent " + name)
                    .setSpanKind(SpanKind.INTERNAL)
                    .setStartTimestamp(started)
                    .setAttribute(OPERATION, "invoke_agent")
                    .setAttribute(AGENT_NAME, name)
                    .setAttribute(PROVIDER, provider)
                    .setAttribute(REQUEST_MODEL, model)
                    .setAttribute(CONVERSATION_ID, runId);
            if (trace.parentSpanId() != null) builder.setParent(Context.root().with(Span.wrap(remote(trace.traceId(), trace.parentSpanId(), trace.sampled()))));
            else builder.setNoParent();
            var made = RunSpanIds.with(trace, builder::startSpan);
            if (!made.getSpanContext().getSpanId().equals(trace.spanId())) {
                telemetry.warn.accept("telemetry: a run ran on several workers, and this process's OpenTelemetry SDK was not built with "
                        + "Telemetry.idGenerator(): its agent span got a new id, and the spans of its parts lost their parent");
            }
            return made;
        }

        /** The run will not finish here (the harness is closing, or too many runs are open): its span ends now, marked. */
        void abandon() {
            if (span == null) return; // a part's: the agent span is made where the run ends
            span.setAttribute(ERROR_TYPE, "unfinished");
            span.setStatus(StatusCode.ERROR, "the run had not finished when its telemetry ended");
            span.end();
        }
    }
}
