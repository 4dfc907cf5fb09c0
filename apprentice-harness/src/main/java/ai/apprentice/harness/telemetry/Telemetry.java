package ai.apprentice.harness.telemetry;

import ai.apprentice.redact.Redactor;
import ai.apprentice.runtime.EventListener;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Traces and metrics of agent runs, following the OpenTelemetry GenAI semantic conventions: one
 * {@code invoke_agent} span per run, with a {@code chat} span per model call and an {@code execute_tool} span per
 * tool call under it, and a subagent's run under its parent's (see {@link RunTracer}). Histograms
 * {@code gen_ai.client.token.usage} and {@code gen_ai.client.operation.duration}.
 * <p>
 * A harness makes one when telemetry is configured (an OTLP endpoint) or given to it, and closes it with itself:
 * closing ends the spans of runs still open and, when this object built the SDK, flushes and shuts it down.
 * Nothing of OpenTelemetry is built or loaded while telemetry is off.
 */
public final class Telemetry implements AutoCloseable {
    static final String SCOPE = "ai.apprentice";
    /** Runs whose spans are open at once; past this the oldest is ended (a run that never finished must not stay forever). */
    static final int MAX_OPEN_RUNS = 10_000;

    /** The conventions' advised buckets: powers of 4 tokens, and seconds doubling from 10 ms. */
    private static final List<Long> TOKEN_BUCKETS = List.of(1L, 4L, 16L, 64L, 256L, 1024L, 4096L, 16384L, 65536L, 262144L,
            1048576L, 4194304L, 16777216L, 67108864L);
    private static final List<Double> DURATION_BUCKETS = List.of(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12,
            10.24, 20.48, 40.96, 81.92);

    private final OpenTelemetry otel;
    private final OpenTelemetrySdk owned;
    final Tracer tracer;
    final LongHistogram tokenUsage;
    final DoubleHistogram duration;
    final Redactor redactor;
    final Consumer<String> warn;
    /** Open runs by id: how a child run finds its parent's span. Each entry is used by its own run's thread. */
    final Map<String, RunTracer.RunState> open = new ConcurrentHashMap<>();

    private Telemetry(OpenTelemetry otel, OpenTelemetrySdk owned, Redactor redactor, Consumer<String> warn) {
        this.otel = otel;
        this.owned = owned;
        this.redactor = redactor;
        this.warn = warn;
        this.tracer = otel.getTracer(SCOPE);
        Meter meter = otel.getMeter(SCOPE);
        this.tokenUsage = meter.histogramBuilder("gen_ai.client.token.usage").ofLongs().setUnit("{token}")
                .setDescription("Number of input and output tokens used").setExplicitBucketBoundariesAdvice(TOKEN_BUCKETS).build();
        this.duration = meter.histogramBuilder("gen_ai.client.operation.duration").setUnit("s")
                .setDescription("GenAI operation duration").setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
    }

    /**
     * Telemetry into {@code otel}, which the caller made and owns (a server's own SDK, or a test's with in-memory
     * exporters): closing this one does not shut it down.
     */
    public static Telemetry using(OpenTelemetry otel, Redactor redactor, Consumer<String> warn) {
        return new Telemetry(otel, null, redactor, warn);
    }

    /**
     * Telemetry exported over OTLP/HTTP with protobuf to {@code endpoint}, a base URL such as
     * {@code http://127.0.0.1:4318} ({@code /v1/traces} and {@code /v1/metrics} are appended, as for
     * {@code OTEL_EXPORTER_OTLP_ENDPOINT}). Headers come from {@code OTEL_EXPORTER_OTLP_HEADERS} in {@code env}
     * ({@code key=value,key2=value2}, for backends that want a key).
     */
    public static Telemetry otlp(String endpoint, String serviceName, Map<String, String> env, Redactor redactor, Consumer<String> warn) {
        var base = endpoint.strip().replaceAll("/+$", "");
        if (!base.startsWith("http://") && !base.startsWith("https://")) {
            throw new IllegalArgumentException("telemetry.otlp_endpoint must be an http:// or https:// URL, got " + endpoint);
        }
        var protocol = env.get("OTEL_EXPORTER_OTLP_PROTOCOL");
        if (protocol != null && !protocol.isBlank() && !protocol.strip().equals("http/protobuf")) {
            warn.accept("OTEL_EXPORTER_OTLP_PROTOCOL=" + protocol.strip() + " is not supported: telemetry goes over http/protobuf to " + base);
        }
        var headers = headers(env.get("OTEL_EXPORTER_OTLP_HEADERS"));
        // a collector that is down costs a CLI run a second or two at exit, not the default's five attempts
        var retry = RetryPolicy.builder().setMaxAttempts(3).setInitialBackoff(Duration.ofMillis(300)).build();
        var spans = OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces").setTimeout(Duration.ofSeconds(10)).setRetryPolicy(retry);
        var metrics = OtlpHttpMetricExporter.builder().setEndpoint(base + "/v1/metrics").setTimeout(Duration.ofSeconds(10)).setRetryPolicy(retry);
        headers.forEach((k, v) -> { spans.addHeader(k, v); metrics.addHeader(k, v); });
        var resource = Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), serviceName)));
        var sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().setResource(resource).setIdGenerator(idGenerator())
                        .addSpanProcessor(BatchSpanProcessor.builder(spans.build()).build()).build())
                .setMeterProvider(SdkMeterProvider.builder().setResource(resource)
                        .registerMetricReader(PeriodicMetricReader.builder(metrics.build()).setInterval(Duration.ofSeconds(30)).build()).build())
                .build();
        var telemetry = new Telemetry(sdk, sdk, redactor, warn);
        telemetry.quietSdkLog();
        return telemetry;
    }

    /** The SDK's own log (java.util.logging: failed exports with stack traces), while we own it: one-line warnings instead. */
    private java.util.logging.Logger sdkLog;
    private java.util.logging.Handler sdkLogHandler;

    private void quietSdkLog() {
        sdkLog = java.util.logging.Logger.getLogger("io.opentelemetry"); // held: JUL keeps loggers weakly
        sdkLogHandler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getLevel().intValue() < java.util.logging.Level.WARNING.intValue()) return;
                var cause = r.getThrown() == null ? "" : " (" + r.getThrown().getClass().getSimpleName() + ")";
                warn.accept("telemetry: " + r.getMessage() + cause);
            }

            @Override public void flush() {}
            @Override public void close() {}
        };
        sdkLog.setUseParentHandlers(false);
        sdkLog.addHandler(sdkLogHandler);
    }

    /** {@code OTEL_EXPORTER_OTLP_HEADERS}: comma-separated {@code key=value} pairs, values URL-encoded. */
    static Map<String, String> headers(String spec) {
        var out = new java.util.LinkedHashMap<String, String>();
        if (spec == null || spec.isBlank()) return out;
        for (var pair : spec.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) continue;
            out.put(pair.substring(0, eq).strip(), java.net.URLDecoder.decode(pair.substring(eq + 1).strip(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }

    /**
     * A listener that turns the events of the runs of one agent into spans and metrics.
     *
     * @param agentName      {@code gen_ai.agent.name} of its top-level runs (a child run is a {@code subagent})
     * @param modelId        the agent's model ({@code provider:model}), for a resumed run whose events do not say it
     * @param captureContent whether the task, answer, model output, tool arguments and results go into spans (redacted)
     */
    public EventListener listener(String agentName, String modelId, boolean captureContent) {
        return new RunTracer(this, agentName, modelId, captureContent);
    }

    /**
     * The id generator a program's own SDK (given with {@link #using}) should be built with when it traces runs on a
     * durable engine: random ids, except the agent span of a run traced across processes, whose ids were chosen when
     * the run was accepted (see {@link RunTrace}). Without it, such a span gets a new id and its children lose it.
     */
    public static io.opentelemetry.sdk.trace.IdGenerator idGenerator() {
        return RunSpanIds.INSTANCE;
    }

    /** The OpenTelemetry the spans and metrics go to. */
    public OpenTelemetry openTelemetry() {
        return otel;
    }

    /** Ends the spans of runs still open, then flushes and shuts down the SDK if this object built it. */
    @Override
    public void close() {
        for (var id : List.copyOf(open.keySet())) {
            var state = open.remove(id);
            if (state != null) state.abandon();
        }
        if (owned != null) owned.shutdown().join(15, TimeUnit.SECONDS);
        if (sdkLog != null) {
            sdkLog.removeHandler(sdkLogHandler);
            sdkLog.setUseParentHandlers(true);
        }
    }
}
