package ai.apprentice.temporal.run;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.harness.Harness;
import ai.apprentice.harness.telemetry.Telemetry;
import ai.apprentice.json.Json;
import ai.apprentice.runtime.Event;
import ai.apprentice.server.ApprenticeServer;
import ai.apprentice.server.ServerOptions;
import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server run on Temporal whose parts two workers carry out, each with its own OpenTelemetry (two processes, as
 * far as tracing knows): the first worker starts the run and is stopped after its first step, the second finishes
 * it. Their spans form one trace under the one agent span the server chose when it accepted the run.
 */
@Timeout(120)
class RunTracingOnWorkersTest {
    static final String TOKEN = ApiCalls.TOKEN;
    @TempDir Path home;
    @TempDir Path root;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (var c : closing.reversed()) c.close();
    }

    private Harness worker(InMemorySpanExporter spans) {
        var sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .setIdGenerator(Telemetry.idGenerator()).addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
        var harness = Harness.builder().home(home).env(Map.of("APPRENTICE_SANDBOX", "off")).telemetry(sdk)
                .err(new PrintStream(new ByteArrayOutputStream(), true)).build();
        closing.add(sdk);
        closing.add(harness);
        return harness;
    }

    /** A worker process: its own factory on the test server, workflows not kept between tasks (any worker may go on). */
    private WorkerFactory start(TestWorkflowEnvironment env, Harness harness) {
        var factory = WorkerFactory.newInstance(env.getWorkflowClient());
        // as `worker --sticky-seconds 0`: the test server never moves a task off a stopped worker's sticky queue
        RunWorkers.register(factory.newWorker(RunWorkers.TASK_QUEUE, io.temporal.worker.WorkerOptions.newBuilder()
                .setStickyQueueScheduleToStartTimeout(java.time.Duration.ZERO).build()), harness);
        factory.start();
        return factory;
    }

    @Test
    void aRunCarriedOutByTwoWorkersIsOneTrace() throws Exception {
        Files.writeString(root.resolve("script.jsonl"), """
                {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "a"}}]}
                {"delay_ms": 1500, "text": "Again.", "tool_calls": [{"name": "write_file", "arguments": {"path": "b.txt", "content": "b"}}]}
                {"text": "Done."}
                """);
        var env = TestWorkflowEnvironment.newInstance();
        closing.add(env);
        var firstSpans = InMemorySpanExporter.create();
        var secondSpans = InMemorySpanExporter.create();
        var first = worker(firstSpans);
        var second = worker(secondSpans);
        var firstWorkers = start(env, first);
        var options = ServerOptions.defaults(0, root)
                .withDefaults(Map.of("model", "scripted:" + root.resolve("script.jsonl"), "memory", "off", "approve", "all"))
                .withToken(TOKEN);
        var server = ApprenticeServer.start(first, options, new PrintStream(new ByteArrayOutputStream(), true), List.of(),
                TemporalExecutor.factory(env.getWorkflowClient(), RunWorkers.TASK_QUEUE, first.store()));
        closing.add(server);
        var api = new ApiCalls(() -> server);

        var id = api.send("POST", "/api/runs", "{\"task\": \"write two files\"}").path("id").asText();
        // the first worker stops once step 1 is complete: a part in flight finishes there, the rest is the second's
        for (int i = 0; i < 1500 && first.store().events(id).stream().noneMatch(e -> e instanceof Event.StepCompleted); i++) Thread.sleep(20);
        firstWorkers.shutdown();
        firstWorkers.awaitTermination(30, TimeUnit.SECONDS);
        assertThat(firstWorkers.isTerminated()).isTrue();
        var secondWorkers = start(env, second);
        closing.add(() -> {
            secondWorkers.shutdown();
            secondWorkers.awaitTermination(10, TimeUnit.SECONDS);
        });
        JsonNode run = null;
        for (int i = 0; i < 1500; i++) {
            run = api.send("GET", "/api/runs/" + id, null);
            if (!List.of("running", "queued").contains(run.path("status").asText())) break;
            Thread.sleep(20);
        }
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("succeeded");
        assertThat(Files.readString(root.resolve("b.txt"))).isEqualTo("b");

        var all = Stream.concat(firstSpans.getFinishedSpanItems().stream(), secondSpans.getFinishedSpanItems().stream()).toList();
        assertThat(firstSpans.getFinishedSpanItems()).extracting(SpanData::getName).contains("chat script.jsonl", "execute_tool write_file")
                .doesNotContain("invoke_agent apprentice");
        assertThat(secondSpans.getFinishedSpanItems()).extracting(SpanData::getName).contains("execute_tool write_file", "invoke_agent apprentice");
        var agent = all.stream().filter(s -> s.getName().equals("invoke_agent apprentice")).toList();
        assertThat(agent).singleElement().satisfies(s -> {
            assertThat(s.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("gen_ai.conversation.id"))).isEqualTo(id);
            assertThat(s.getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("apprentice.run.steps"))).isEqualTo(3L);
        });
        assertThat(all.stream().filter(s -> s.getName().startsWith("chat"))).hasSize(3);
        assertThat(all.stream().filter(s -> s.getName().startsWith("execute_tool"))).hasSize(2);
        for (var span : all) {
            assertThat(span.getTraceId()).as(span.getName()).isEqualTo(agent.get(0).getTraceId());
            if (span != agent.get(0)) assertThat(span.getParentSpanId()).as(span.getName()).isEqualTo(agent.get(0).getSpanId());
        }
    }

}
