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
 * {@code apprentice worker} carrying out its runs: a run posted to the API is done by the worker (in ask mode: its
 * write waits in the workflow, is listed by {@code GET /api/approvals} and allowed over HTTP), and a schedule
 * added to the server keeps time as a workflow on the engine rather than on the server's ticker.
 */
@Timeout(300)
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
            // --sticky-seconds 0: the test server never moves a workflow task off a sticky queue, and under CI load a worker can
            // miss its own sticky task's schedule-to-start window (a CI run saw the run stay "running" for a minute)
            var workerEnded = new java.util.concurrent.atomic.AtomicReference<CliHarness.Result>();
            var workerThread = Thread.ofVirtual().start(() -> workerEnded.set(
                    worker.run("worker", "--temporal-target", temporal.target(), "--slots", "2", "--sticky-seconds", "0")));
            var javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            var pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "ai.apprentice.cli.Main",
                    "serve", "--port", "0", "--root", root.toString(), "--model", "scripted:" + root.resolve("s.jsonl"), "--approve", "ask",
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
                // ask mode: the write waits for a person in its workflow, listed by this serve process, allowed over HTTP
                JsonNode approval = null;
                deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
                while (approval == null && System.nanoTime() < deadline) {
                    assertThat(workerEnded.get()).as("the worker stopped").isNull();
                    for (var a : send(url, "GET", "/api/approvals", null).path("approvals")) if (a.path("run_id").asText().equals(id)) approval = a;
                    if (approval == null) Thread.sleep(100);
                }
                assertThat(approval).as("the workflow's approval is listed; the workflow: " + pending(temporal, id) + "\nserve's log:\n"
                        + Files.readString(root.resolve("err.log"))).isNotNull();
                assertThat(approval.path("id").asText()).isEqualTo(id + ":1:0");
                assertThat(approval.path("tool").asText()).isEqualTo("write_file");
                assertThat(Files.exists(root.resolve("out.txt"))).isFalse();
                send(url, "POST", "/api/approvals/" + approval.path("id").asText(), "{\"allow\": true}");
                JsonNode run = null;
                deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
                while (System.nanoTime() < deadline) {
                    assertThat(workerEnded.get()).as("the worker stopped").isNull();
                    run = send(url, "GET", "/api/runs/" + id, null);
                    if (!List.of("running", "queued").contains(run.path("status").asText())) break;
                    Thread.sleep(50);
                }
                assertThat(run.path("status").asText()).as(run + "\nthe workflow: " + pending(temporal, id) + "\nserve's log:\n"
                        + Files.readString(root.resolve("err.log"))).isEqualTo("succeeded");
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

    /** What the engine says of the run's workflow: its status and the parts it waits on, with their attempts and last failures. */
    private static String pending(TemporalServer temporal, String runId) {
        try (var connection = TemporalConnection.connect(temporal.target(), null, Duration.ofSeconds(10))) {
            var described = connection.client().getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
                    io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                            .setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                                    .setWorkflowId(ai.apprentice.temporal.run.RunInput.workflowId(runId))).build());
            return described.getWorkflowExecutionInfo().getStatus() + ", pending " + described.getPendingActivitiesList().stream()
                    .map(a -> a.getActivityType().getName() + " attempt " + a.getAttempt() + " " + a.getState() + " "
                            + a.getLastFailure().getMessage()).toList() + ", workflow task " + described.getPendingWorkflowTask();
        } catch (RuntimeException e) {
            return "not described: " + e;
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
