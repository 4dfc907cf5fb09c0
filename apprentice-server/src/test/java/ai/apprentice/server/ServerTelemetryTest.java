package ai.apprentice.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run started over HTTP is traced like a CLI run: the server's agents come from the same assembly. */
class ServerTelemetryTest {
    @TempDir Path home;
    @TempDir Path root;

    @Test
    void aServerRunIsTracedWithTheGenAiSpanTree() throws Exception {
        Files.writeString(root.resolve("s.jsonl"), """
                {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "x"}}], "usage": {"input_tokens": 100, "output_tokens": 5}}
                {"text": "Done.", "usage": {"input_tokens": 120, "output_tokens": 3}}
                """);
        var spans = InMemorySpanExporter.create();
        var otel = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
        var log = new PrintStream(new java.io.ByteArrayOutputStream(), true);
        try (var harness = Harness.builder().home(home).env(Map.of("APPRENTICE_SANDBOX", "off")).err(log).telemetry(otel).build();
             var server = ApprenticeServer.start(harness, ServerOptions.defaults(0, root)
                     .withDefaults(Map.of("model", "scripted:" + root.resolve("s.jsonl"), "memory", "off")).withToken(TestServer.TOKEN), log)) {
            var http = HttpClient.newHttpClient();
            var created = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/runs")).header("Authorization", "Bearer " + TestServer.TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"write a\"}")).build(), HttpResponse.BodyHandlers.ofString());
            var id = Json.tree(created.body()).path("id").asText();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (spans.getFinishedSpanItems().stream().noneMatch(s -> s.getName().startsWith("invoke_agent")) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            var items = spans.getFinishedSpanItems();
            var agent = items.stream().filter(s -> s.getName().startsWith("invoke_agent")).findFirst().orElseThrow();
            assertThat(agent.getAttributes().get(AttributeKey.stringKey("gen_ai.conversation.id"))).isEqualTo(id);
            assertThat(items).extracting(s -> s.getName()).contains("execute_tool write_file").filteredOn(n -> n.startsWith("chat")).hasSize(2);
            assertThat(items).filteredOn(s -> !s.getName().startsWith("invoke_agent"))
                    .allSatisfy(s -> assertThat(s.getParentSpanId()).isEqualTo(agent.getSpanId()));
            assertThat(items).filteredOn(s -> s.getName().startsWith("chat"))
                    .extracting(s -> s.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens"))).containsExactly(100L, 120L);
        }
    }
}
