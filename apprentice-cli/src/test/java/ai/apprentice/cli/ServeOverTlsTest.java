package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --engine temporal} as a process and {@code worker} both reaching the engine through TLS (a private CA)
 * with an API key in the environment: a run posted to the server is done by the worker, and neither prints the key.
 */
@Timeout(240)
class ServeOverTlsTest {
    static final String TOKEN = "serve-over-tls-0123456789";
    @TempDir Path pki;
    @TempDir Path home;
    @TempDir Path root;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aServerAndAWorkerOverTlsWithAnApiKeyCarryOutARunAndNeverPrintTheKey() throws Exception {
        var certs = new TestPki(pki);
        var key = "serve-tls-key-" + Long.toHexString(System.nanoTime()) + "-SECRET";
        Files.writeString(root.resolve("s.jsonl"), "{\"text\": \"Done.\"}\n");
        try (var temporal = new TemporalServer(); var proxy = new TlsProxy(TestPki.load(certs.serverStore), null, temporal.port)) {
            var worker = new CliHarness(home, root);
            worker.env.put("APPRENTICE_MEMORY", "off");
            worker.env.put("APPRENTICE_SANDBOX", "off");
            worker.env.put("TEMPORAL_API_KEY", key);
            var workerEnded = new java.util.concurrent.atomic.AtomicReference<CliHarness.Result>();
            var workerThread = Thread.ofVirtual().start(() -> workerEnded.set(worker.run("worker", "--temporal-target", proxy.target(),
                    "--temporal-ca", certs.caPem.toString(), "--slots", "2", "--sticky-seconds", "0")));
            var javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            var pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "ai.apprentice.cli.Main",
                    "serve", "--port", "0", "--root", root.toString(), "--model", "scripted:" + root.resolve("s.jsonl"),
                    "--engine", "temporal", "--temporal-target", proxy.target(), "--temporal-ca", certs.caPem.toString())
                    .redirectError(root.resolve("err.log").toFile()).redirectOutput(root.resolve("out.log").toFile());
            pb.environment().put("APPRENTICE_HOME", home.toString());
            pb.environment().put("APPRENTICE_MEMORY", "off");
            pb.environment().put("APPRENTICE_SANDBOX", "off");
            pb.environment().put("APPRENTICE_TOKEN", TOKEN);
            pb.environment().put("TEMPORAL_API_KEY", key);
            var child = pb.start();
            try {
                String url = null;
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (url == null && System.nanoTime() < deadline) {
                    assertThat(child.isAlive()).as("serve died: " + Files.readString(root.resolve("err.log"))).isTrue();
                    var m = java.util.regex.Pattern.compile("serving (http://\\S+)").matcher(Files.readString(root.resolve("err.log")));
                    if (m.find()) url = m.group(1);
                    else Thread.sleep(50);
                }
                assertThat(url).as("serve printed its address: " + Files.readString(root.resolve("err.log"))).isNotNull();
                assertThat(Files.readString(root.resolve("err.log"))).contains("runs go to Temporal at " + proxy.target())
                        .contains("the same --temporal-* TLS options");
                var id = send(url, "POST", "/api/runs", "{\"task\": \"say done\"}").path("id").asText();
                JsonNode run = null;
                deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
                while (System.nanoTime() < deadline) {
                    assertThat(workerEnded.get()).as("the worker stopped").isNull();
                    run = send(url, "GET", "/api/runs/" + id, null);
                    if (!List.of("running", "queued").contains(run.path("status").asText())) break;
                    Thread.sleep(50);
                }
                assertThat(run.path("status").asText()).as(run + "\nserve's log:\n" + Files.readString(root.resolve("err.log"))).isEqualTo("succeeded");
                assertThat(proxy.handshakes.get()).as("the server and the worker came through TLS").isGreaterThanOrEqualTo(2);
            } finally {
                child.destroy();
                child.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
                child.destroyForcibly();
                workerThread.interrupt();
                workerThread.join(15_000);
            }
            assertThat(Files.readString(root.resolve("err.log")) + Files.readString(root.resolve("out.log"))).doesNotContain(key).doesNotContain("SECRET");
            if (workerEnded.get() != null) assertThat(workerEnded.get().err() + workerEnded.get().out()).doesNotContain("SECRET");
        }
    }

    private JsonNode send(String url, String method, String path, String body) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        var response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isLessThan(300);
        return Json.tree(response.body());
    }
}
