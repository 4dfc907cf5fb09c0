package ai.apprentice.harness.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.StepDriver;
import ai.apprentice.redact.Redactor;
import ai.apprentice.store.RunStore;
import ai.apprentice.tools.FileTools;
import ai.apprentice.tools.Workspace;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One run carried out in parts by two "processes" (two agents with their own telemetry, one run store between them),
 * as a durable engine's workers do: their spans form one trace, under the one agent span the run's trace named.
 */
class RunTraceTest {
    @TempDir Path dir;
    final List<OpenTelemetrySdk> sdks = new ArrayList<>();
    final List<String> warnings = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        sdks.forEach(OpenTelemetrySdk::close);
    }

    /** A process's telemetry: its own SDK and exporter, built as the harness builds its own (with the run span ids). */
    private Telemetry process(InMemorySpanExporter exporter, boolean runSpanIds) {
        var tracing = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter));
        if (runSpanIds) tracing.setIdGenerator(Telemetry.idGenerator());
        var sdk = OpenTelemetrySdk.builder().setTracerProvider(tracing.build()).build();
        sdks.add(sdk);
        return Telemetry.using(sdk, Redactor.PATTERNS, warnings::add);
    }

    private StepDriver worker(Telemetry telemetry, ScriptedModel model, RunStore store, Path ws) {
        var agent = Agent.builder().model(model).workspace(ws).tools(List.of(new FileTools(new Workspace(ws)).writeFile()))
                .listener(store).listener(telemetry.listener("apprentice", "scripted:script", false)).build();
        return new StepDriver(agent, store);
    }

    @Test
    void thePartsOfOneRunOnTwoWorkersAreOneTraceUnderOneAgentSpan() throws Exception {
        var ws = Files.createDirectories(dir.resolve("ws"));
        var model = ScriptedModel.of(ScriptedModel.toolTurn("Writing.", "write_file", "{\"path\":\"a.txt\",\"content\":\"x\"}"),
                ScriptedModel.turn("Done."));
        var a = InMemorySpanExporter.create();
        var b = InMemorySpanExporter.create();
        try (var store = RunStore.open(dir.resolve("runs.db"))) {
            var first = worker(process(a, true), model, store, ws);
            var second = worker(process(b, true), model, store, ws);
            var trace = RunTrace.start(Instant.now().minusSeconds(1));
            assertThat(trace.parentSpanId()).isNull(); // nothing traced here: the run starts a trace

            try (var part = trace.enter("r1")) { // worker 1: the run's start and its first model call
                first.begin("r1", "write a", null);
                first.model("r1", 1);
            }
            try (var part = trace.enter("r1")) { // worker 2: the tool, the rest, the end
                second.tool("r1", 1, 0);
                second.complete("r1", 1);
                second.model("r1", 2);
                assertThat(second.complete("r1", 2)).isNotNull();
            }

            assertThat(a.getFinishedSpanItems()).extracting(SpanData::getName).containsExactly("chat script");
            assertThat(b.getFinishedSpanItems()).extracting(SpanData::getName)
                    .containsExactly("execute_tool write_file", "chat script", "invoke_agent apprentice");
            var all = Stream.concat(a.getFinishedSpanItems().stream(), b.getFinishedSpanItems().stream()).toList();
            var agent = all.stream().filter(s -> s.getName().startsWith("invoke_agent")).toList();
            assertThat(agent).singleElement().satisfies(s -> {
                assertThat(s.getTraceId()).isEqualTo(trace.traceId());
                assertThat(s.getSpanId()).isEqualTo(trace.spanId());
                assertThat(s.getParentSpanContext().isValid()).isFalse();
                assertThat(s.getStartEpochNanos()).isEqualTo(trace.startedAt() * 1_000_000);
                assertThat(s.getAttributes().get(RunTracer.CONVERSATION_ID)).isEqualTo("r1");
                assertThat(s.getAttributes().get(RunTracer.STEPS)).isEqualTo(2L);
                assertThat(s.getAttributes().get(RunTracer.STATUS)).isEqualTo("succeeded");
            });
            for (var child : all) {
                if (child == agent.get(0)) continue;
                assertThat(child.getTraceId()).as(child.getName()).isEqualTo(trace.traceId());
                assertThat(child.getParentSpanId()).as(child.getName()).isEqualTo(trace.spanId());
                assertThat(child.getStartEpochNanos()).as(child.getName()).isLessThanOrEqualTo(child.getEndEpochNanos());
            }
            assertThat(warnings).isEmpty();
        }
    }

    @Test
    void aRunAcceptedUnderATracedRequestContinuesItsTrace() throws Exception {
        var caller = SpanContext.createFromRemoteParent("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
                TraceFlags.getSampled(), TraceState.getDefault());
        RunTrace trace;
        try (var scope = io.opentelemetry.context.Context.root().with(Span.wrap(caller)).makeCurrent()) {
            trace = RunTrace.start(Instant.now());
        }
        assertThat(trace.traceId()).isEqualTo(caller.getTraceId());
        assertThat(trace.parentSpanId()).isEqualTo(caller.getSpanId());
        assertThat(trace.spanId()).isNotEqualTo(caller.getSpanId()).matches("[0-9a-f]{16}");

        var ws = Files.createDirectories(dir.resolve("ws"));
        var spans = InMemorySpanExporter.create();
        try (var store = RunStore.open(dir.resolve("runs.db"))) {
            var worker = worker(process(spans, true), ScriptedModel.of(ScriptedModel.turn("Hi.")), store, ws);
            try (var part = trace.enter("r2")) {
                worker.begin("r2", "say hi", null);
                worker.model("r2", 1);
                worker.complete("r2", 1);
            }
        }
        var agent = spans.getFinishedSpanItems().stream().filter(s -> s.getName().startsWith("invoke_agent")).findFirst().orElseThrow();
        assertThat(agent.getParentSpanId()).isEqualTo(caller.getSpanId());
        assertThat(agent.getSpanId()).isEqualTo(trace.spanId());
    }

    @Test
    void anSdkWithoutTheRunSpanIdsIsToldWhyTheAgentSpanLostItsChildren() throws Exception {
        var ws = Files.createDirectories(dir.resolve("ws"));
        var spans = InMemorySpanExporter.create();
        try (var store = RunStore.open(dir.resolve("runs.db"))) {
            var worker = worker(process(spans, false), ScriptedModel.of(ScriptedModel.turn("Hi.")), store, ws);
            try (var part = RunTrace.start(Instant.now()).enter("r3")) {
                worker.begin("r3", "say hi", null);
                worker.model("r3", 1);
                worker.complete("r3", 1);
            }
        }
        assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName).contains("invoke_agent apprentice");
        assertThat(warnings).singleElement().asString().contains("Telemetry.idGenerator()");
    }

    @Test
    void aRunTraceWithMalformedIdsIsRefused() {
        assertThatThrownBy(() -> new RunTrace("xyz", "b7ad6b7169203331", null, true, 0)).hasMessageContaining("32 lower-case hex");
        assertThatThrownBy(() -> new RunTrace("0".repeat(32), "b7ad6b7169203331", null, true, 0)).hasMessageContaining("not all 0");
        assertThatThrownBy(() -> new RunTrace("0af7651916cd43dd8448eb211c80319c", "B7AD", null, true, 0)).hasMessageContaining("16 lower-case hex");
    }
}
