package ai.apprentice.harness.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.harness.Harness;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.RunStatus;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With OTEL_EXPORTER_OTLP_ENDPOINT set, a run's spans and metrics reach an OTLP/HTTP receiver on loopback. */
class OtlpExportTest {
    @TempDir Path home;
    @TempDir Path ws;

    HttpServer receiver;
    final Map<String, List<byte[]>> bodies = new ConcurrentHashMap<>();
    final List<String> contentTypes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                if (!exchange.getRequestMethod().equals("POST")) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
                bodies.computeIfAbsent(exchange.getRequestURI().getPath(), k -> new CopyOnWriteArrayList<>()).add(body);
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1); // an empty export response: zero bytes of protobuf
            }
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    static String value(List<KeyValue> attributes, String key) {
        return attributes.stream().filter(a -> a.getKey().equals(key)).map(a -> a.getValue().getStringValue()).findFirst().orElse(null);
    }

    @Test
    void aRunsSpansAndMetricsAreExportedWhenTheHarnessCloses() throws Exception {
        Files.writeString(ws.resolve("notes.txt"), "hello\n");
        var endpoint = "http://127.0.0.1:" + receiver.getAddress().getPort();
        var env = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, "OTEL_SERVICE_NAME", "apprentice-test");
        String runId;
        try (var harness = Harness.builder().home(home).env(env).build()) {
            var session = harness.session(ws, Map.of("memory", "off"))
                    .useModel(ScriptedModel.of(ScriptedModel.toolTurn(null, "read_file", "{\"path\":\"notes.txt\"}"), ScriptedModel.turn("hello")));
            var result = session.start("read notes.txt").await();
            assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
            runId = result.runId();
        } // closing flushes the batch processor and the metric reader

        // delivery has happened by now (close waits for it); the bound only guards a slow machine
        long deadline = System.nanoTime() + 20_000_000_000L;
        while ((!bodies.containsKey("/v1/traces") || !bodies.containsKey("/v1/metrics")) && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(bodies).containsKeys("/v1/traces", "/v1/metrics");
        assertThat(contentTypes).allSatisfy(t -> assertThat(t).isEqualTo("application/x-protobuf"));

        var names = new ArrayList<String>();
        String conversation = null;
        for (var body : bodies.get("/v1/traces")) {
            var request = ExportTraceServiceRequest.parseFrom(body);
            for (var resourceSpans : request.getResourceSpansList()) {
                assertThat(value(resourceSpans.getResource().getAttributesList(), "service.name")).isEqualTo("apprentice-test");
                for (var scope : resourceSpans.getScopeSpansList()) {
                    assertThat(scope.getScope().getName()).isEqualTo("ai.apprentice");
                    for (var span : scope.getSpansList()) {
                        names.add(span.getName());
                        if (span.getName().startsWith("invoke_agent")) conversation = value(span.getAttributesList(), "gen_ai.conversation.id");
                    }
                }
            }
        }
        assertThat(names).containsExactlyInAnyOrder("invoke_agent apprentice", "chat inline", "chat inline", "execute_tool read_file");
        assertThat(conversation).isEqualTo(runId);

        var metricNames = new ArrayList<String>();
        for (var body : bodies.get("/v1/metrics")) {
            for (var rm : ExportMetricsServiceRequest.parseFrom(body).getResourceMetricsList()) {
                rm.getScopeMetricsList().forEach(sm -> sm.getMetricsList().forEach(m -> metricNames.add(m.getName() + " " + m.getUnit())));
            }
        }
        assertThat(metricNames).contains("gen_ai.client.token.usage {token}", "gen_ai.client.operation.duration s");
    }

    @Test
    void headersAreReadAsTheOtelVariableWritesThem() {
        assertThat(Telemetry.headers("api-key=abc%3D%3D, x-team = core,broken")).containsExactly(
                Map.entry("api-key", "abc=="), Map.entry("x-team", "core"));
        assertThat(Telemetry.headers(null)).isEmpty();
    }

    @Test
    void withoutAnEndpointThereIsNoTelemetryAndAnUntrustedWorkspaceCannotTurnItOn() throws Exception {
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            assertThat(harness.telemetry(harness.settings(ws, Map.of()))).isNull();

            // a repository's own config may not send what the agent does somewhere without the person's trust
            Files.createDirectories(ws.resolve(".apprentice"));
            Files.writeString(ws.resolve(".apprentice/config.yaml"),
                    "telemetry:\n  otlp_endpoint: http://127.0.0.1:" + receiver.getAddress().getPort() + "\n  capture_content: true\n");
            var settings = harness.settings(ws, Map.of());
            assertThat(settings.untrusted()).contains("telemetry.otlp_endpoint", "telemetry.capture_content");
            assertThat(settings.telemetryEndpoint()).isEmpty();
            assertThat(settings.telemetryCaptureContent()).isFalse();
            assertThat(harness.telemetry(settings)).isNull();

            harness.trustWorkspace(ws);
            var trusted = harness.settings(ws, Map.of());
            assertThat(trusted.telemetryEndpoint()).contains("http://127.0.0.1:" + receiver.getAddress().getPort());
            assertThat(harness.telemetry(trusted)).isNotNull();
        }
    }
}
