package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.temporal.TemporalConnection;
import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code apprentice serve --engine temporal} as a real process against the port-bound Temporal test server, with
 * {@code apprentice worker} carrying out its runs: a run posted to the API is done by the worker, and a schedule
 * added to the server keeps time as a workflow on the engine rather than on the server's ticker.
 */
@Timeout(180)
class ServeOnTemporalCommandTest {
    static final String TOKEN = "serve-on-temporal-0123456789";
    @TempDir Path home;
    @TempDir Path root;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void runsGoToTheWorkerAndSchedulesKeepTimeOnTheEngine() throws Exception {
        Files.writeString(root.resolve("s.jsonl"), """
                {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "out.txt", "content": "from a worker"}}]}
                {"text": "Done."}
                """);
        try (var temporal = new TemporalServer()) {
            var worker = new CliHarness(home, root);
            worker.env.put("APPRENTICE_MEMORY", "off");
            worker.env.put("APPRENTICE_SANDBOX", "off");
            var workerThread = Thread.ofVirtual().start(() -> worker.run("worker", "--temporal-target", temporal.target(), "--slots", "2"));
            var javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            var pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "ai.apprentice.cli.Main",
                    "serve", "--port", "0", "--root", root.toString(), "--model", "scripted:" + root.resolve("s.jsonl"), "--approve", "auto",
                    "--engine", "temporal", "--temporal-target", temporal.target())
                    .redirectError(root.resolve("err.log").toFile()).redirectOutput(root.resolve("out.log").toFile());
            pb.environment().put("APPRENTICE_HOME", home.toString());
            pb.environment().put("APPRENTICE_MEMORY", "off");
            pb.environment().put("APPRENTICE_SANDBOX", "off");
            pb.environment().put("APPRENTICE_TOKEN", TOKEN);
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
                assertThat(url).as("serve printed its address").isNotNull();
                assertThat(Files.readString(root.resolve("err.log"))).contains("runs go to Temporal at " + temporal.target())
                        .contains("schedules on task queue apprentice-schedules");

                var id = send(url, "POST", "/api/runs", "{\"task\": \"write a file\"}").path("id").asText();
                JsonNode run = null;
                for (int i = 0; i < 2400; i++) {
                    run = send(url, "GET", "/api/runs/" + id, null);
                    if (!List.of("running", "queued").contains(run.path("status").asText())) break;
                    Thread.sleep(25);
                }
                assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("succeeded");
                assertThat(Files.readString(root.resolve("out.txt"))).isEqualTo("from a worker");

                // A schedule: its timer is a workflow on the engine, on the schedules' task queue, polled by the server.
                var made = send(url, "POST", "/api/triggers", "{\"name\": \"nightly\", \"cron\": \"0 3 * * *\", \"tz\": \"UTC\", \"task\": \"report\"}");
                assertThat(made.path("name").asText()).isEqualTo("nightly");
                try (var connection = TemporalConnection.connect(temporal.target(), null, Duration.ofSeconds(10))) {
                    List<String> open = List.of();
                    for (int i = 0; i < 400 && open.isEmpty(); i++) {
                        open = connection.client().getWorkflowServiceStubs().blockingStub().listOpenWorkflowExecutions(
                                        ListOpenWorkflowExecutionsRequest.newBuilder().setNamespace("default").build())
                                .getExecutionsList().stream().map(e -> e.getExecution().getWorkflowId())
                                .filter(w -> w.startsWith("apprentice-schedule-")).toList();
                        if (open.isEmpty()) Thread.sleep(25);
                    }
                    assertThat(open).singleElement().asString().contains("-nightly-");
                }
                child.destroy(); // SIGTERM
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                child.destroyForcibly();
                workerThread.interrupt();
                workerThread.join(15_000);
            }
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
