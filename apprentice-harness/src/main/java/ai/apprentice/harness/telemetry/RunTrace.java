package ai.apprentice.harness.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The trace of a run whose parts run in different processes (the workers of a durable engine): chosen once, when the
 * run is accepted, and carried with the run, so that every part a worker carries out is traced under one
 * {@code invoke_agent} span whichever process records it. Its ids are fixed here because no one process holds that
 * span from start to end: the worker that records {@code run_finished} emits it with these ids and {@code startedAt},
 * and every {@code chat} and {@code execute_tool} span points at it as its parent.
 *
 * @param traceId      32 hex digits: the caller's trace (the request that started the run) or a new one
 * @param spanId       16 hex digits: the run's {@code invoke_agent} span
 * @param parentSpanId 16 hex digits of the caller's span, or null when the run starts a trace
 * @param sampled      whether the caller's trace is sampled (true for a new trace)
 * @param startedAt    epoch milliseconds: when the run was accepted, the start of its agent span
 */
public record RunTrace(String traceId, String spanId, String parentSpanId, boolean sampled, long startedAt) {
    private static final HexFormat HEX = HexFormat.of();
    private static final ContextKey<Entered> KEY = ContextKey.named("apprentice-run-trace");

    public RunTrace {
        if (traceId == null || !traceId.matches("[0-9a-f]{32}") || traceId.chars().allMatch(c -> c == '0')) {
            throw new IllegalArgumentException("a run trace id is 32 lower-case hex digits, not all 0: " + traceId);
        }
        if (spanId == null || !spanId.matches("[0-9a-f]{16}") || spanId.chars().allMatch(c -> c == '0')) {
            throw new IllegalArgumentException("a run span id is 16 lower-case hex digits, not all 0: " + spanId);
        }
        if (parentSpanId != null && !parentSpanId.matches("[0-9a-f]{16}")) {
            throw new IllegalArgumentException("a parent span id is 16 lower-case hex digits: " + parentSpanId);
        }
    }

    /** A run accepted now, under the current span when there is one (a traced request), else in a trace of its own. */
    public static RunTrace start(Instant acceptedAt) {
        var caller = Span.current().getSpanContext();
        if (caller.isValid()) return new RunTrace(caller.getTraceId(), randomHex(8), caller.getSpanId(), caller.isSampled(), acceptedAt.toEpochMilli());
        return new RunTrace(randomHex(16), randomHex(8), null, true, acceptedAt.toEpochMilli());
    }

    private static String randomHex(int bytes) {
        var b = new byte[bytes];
        do ThreadLocalRandom.current().nextBytes(b);
        while (allZero(b));
        return HEX.formatHex(b);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    /**
     * Makes this the trace of {@code runId}'s events on this thread until the scope closes: a part of the run (a model
     * call, a tool call) carried out here. The telemetry of this process then traces the part under the run's span.
     */
    public Scope enter(String runId) {
        return Context.current().with(KEY, new Entered(runId, this, Instant.now())).makeCurrent();
    }

    /** The run trace entered on this thread for {@code runId}, or null. */
    static Entered current(String runId) {
        var entered = Context.current().get(KEY);
        return entered != null && entered.runId.equals(runId) ? entered : null;
    }

    /** A part of a run being carried out: its trace, when it began, and what this process has open of it meanwhile. */
    static final class Entered {
        final String runId;
        final RunTrace trace;
        final Instant at;
        /** The part's span state in one tracer, made at its first event; it ends with the part. */
        volatile RunTracer.RunState state;

        Entered(String runId, RunTrace trace, Instant at) {
            this.runId = runId;
            this.trace = trace;
            this.at = at;
        }
    }
}
