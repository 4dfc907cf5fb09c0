package ai.apprentice.temporal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import ai.apprentice.runtime.Event;
import ai.apprentice.server.ApprenticeServer;
import ai.apprentice.server.ServerOptions;
import ai.apprentice.temporal.TemporalConnection;
import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server with its runs on Temporal: a real server over HTTP, the harness's agents on a worker of the test
 * environment, one run store that both the server and the worker use.
 */
@Timeout(120)
class TemporalExecutorTest {
    static final String TOKEN = "test-token-0123456789abcdef";
    @TempDir Path home;
    @TempDir Path root;
    private TestWorkflowEnvironment env;
    private Harness harness;
    private ApprenticeServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        Files.writeString(root.resolve("script.jsonl"), """
                {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "out.txt", "content": "hello"}}]}
                {"delay_ms": 1500, "text": "Done: wrote out.txt."}
                """);
        env = TestWorkflowEnvironment.newInstance();
        harness = Harness.builder().home(home).env(Map.of("APPRENTICE_SANDBOX", "off")).err(new PrintStream(new ByteArrayOutputStream(), true)).build();
        RunWorkers.register(env.newWorker(RunWorkers.TASK_QUEUE), harness);
        env.start();
        var options = ServerOptions.defaults(0, root)
                .withDefaults(Map.of("model", "scripted:" + root.resolve("script.jsonl"), "memory", "off", "approve", "all"))
                .withToken(TOKEN);
        server = ApprenticeServer.start(harness, options, new PrintStream(new ByteArrayOutputStream(), true), List.of(),
                TemporalExecutor.factory(env.getWorkflowClient(), RunWorkers.TASK_QUEUE, harness.store()));
    }

    @AfterEach
    void stop() {
        server.close();
        env.close();
        harness.close();
    }

    private JsonNode send(String method, String path, String body) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        var response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isLessThan(300);
        return Json.tree(response.body());
    }

    private JsonNode awaitFinished(String id) throws Exception {
        for (int i = 0; i < 1200; i++) {
            var run = send("GET", "/api/runs/" + id, null);
            var status = run.path("status").asText();
            if (!status.equals("running") && !status.equals("queued")) return run;
            Thread.sleep(25);
        }
        throw new AssertionError("run " + id + " never finished");
    }

    @Test
    void aRunPostedToTheServerIsCarriedOutByAWorkerAndReadAsAnyOther() throws Exception {
        var id = send("POST", "/api/runs", "{\"task\": \"write hello to out.txt\"}").path("id").asText();
        var run = awaitFinished(id);
        assertThat(run.path("status").asText()).isEqualTo("succeeded");
        assertThat(run.path("answer").asText()).isEqualTo("Done: wrote out.txt.");
        assertThat(Files.readString(root.resolve("out.txt"))).isEqualTo("hello");
        assertThat(harness.store().events(id)).extracting(Event::type)
                .contains("run_started", "model_reply", "tool_call", "tool_result", "step_completed", "run_finished");
        var described = env.getWorkflowClient().newUntypedWorkflowStub(RunInput.workflowId(id)).describe();
        assertThat(described).isNotNull();
    }

    @Test
    void cancellingOverTheApiCancelsTheWorkflowAndTheRun() throws Exception {
        var id = send("POST", "/api/runs", "{\"task\": \"write hello to out.txt\"}").path("id").asText();
        for (int i = 0; i < 400 && harness.store().events(id).stream().noneMatch(e -> e instanceof Event.StepCompleted); i++) Thread.sleep(25);
        assertThat(send("POST", "/api/runs/" + id + "/cancel", null).path("status").asText()).isEqualTo("cancelling");
        var run = awaitFinished(id);
        assertThat(run.path("status").asText()).isEqualTo("cancelled");
        assertThat(run.path("steps").asInt()).isEqualTo(1);
    }

    @Test
    void aTargetThatDoesNotAnswerIsToldAtOnce() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // free, and closed again: nothing listens there
        }
        var target = "127.0.0.1:" + port;
        assertThatThrownBy(() -> TemporalConnection.connect(target, null, Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Temporal at " + target + " does not answer");
        assertThatThrownBy(() -> TemporalConnection.connect("no-port", null, Duration.ofSeconds(2)))
                .hasMessageContaining("--temporal-target must be HOST:PORT");
    }
}
