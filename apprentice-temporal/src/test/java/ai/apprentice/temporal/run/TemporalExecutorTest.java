package ai.apprentice.temporal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.harness.Harness;
import ai.apprentice.runtime.Event;
import ai.apprentice.server.ApprenticeServer;
import ai.apprentice.server.ServerOptions;
import ai.apprentice.temporal.TemporalConnection;
import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
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
    static final String TOKEN = ApiCalls.TOKEN;
    @TempDir Path home;
    @TempDir Path root;
    private TestWorkflowEnvironment env;
    private Harness harness;
    private ApprenticeServer server;
    private final ApiCalls api = new ApiCalls(() -> server);

    @BeforeEach
    void start() throws Exception {
        Files.writeString(root.resolve("script.jsonl"), """
                {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "out.txt", "content": "hello"}}]}
                {"delay_ms": 1500, "text": "Done: wrote out.txt."}
                {"text": "You asked me to write hello to out.txt, and I did."}
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

    @Test
    void aRunPostedToTheServerIsCarriedOutByAWorkerAndReadAsAnyOther() throws Exception {
        var id = api.send("POST", "/api/runs", "{\"task\": \"write hello to out.txt\"}").path("id").asText();
        var run = api.awaitFinished(id);
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
        var id = api.send("POST", "/api/runs", "{\"task\": \"write hello to out.txt\"}").path("id").asText();
        for (int i = 0; i < 400 && harness.store().events(id).stream().noneMatch(e -> e instanceof Event.StepCompleted); i++) Thread.sleep(25);
        assertThat(api.send("POST", "/api/runs/" + id + "/cancel", null).path("status").asText()).isEqualTo("cancelling");
        var run = api.awaitFinished(id);
        assertThat(run.path("status").asText()).isEqualTo("cancelled");
        assertThat(run.path("steps").asInt()).isEqualTo(1);
    }

    @Test
    void aRequestsTimeoutEndsItsRunOnTheEngineAsInProcess() throws Exception {
        // the worker's harness finds the timeout in the run's settings (here the request's), the workflow keeps the time
        var id = api.send("POST", "/api/runs", "{\"task\": \"write hello to out.txt\", \"settings\": {\"timeout\": \"1s\"}}").path("id").asText();
        var run = api.awaitFinished(id);
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("failed");
        var events = harness.store().events(id);
        var finished = (Event.RunFinished) events.getLast();
        assertThat(finished.stopReason()).isEqualTo("timeout");
        assertThat(events).filteredOn(e -> e instanceof Event.ErrorEvent).extracting(e -> ((Event.ErrorEvent) e).message())
                .containsExactly("Timed out after 1s");
        assertThat(events).extracting(Event::type).doesNotContain("model_error").last().isEqualTo("run_finished");
    }

    @Test
    void aSessionsNextMessageContinuesTheHistoryOfItsPreviousRunOnTheEngine() throws Exception {
        var session = api.send("POST", "/api/sessions", "{\"title\": \"two messages\"}").path("id").asText();
        var first = api.send("POST", "/api/sessions/" + session + "/messages", "{\"text\": \"write hello to out.txt\"}");
        assertThat(first.path("session_id").asText()).isEqualTo(session);
        assertThat(api.awaitFinished(first.path("id").asText()).path("answer").asText()).isEqualTo("Done: wrote out.txt.");
        var second = api.send("POST", "/api/sessions/" + session + "/messages", "{\"text\": \"what did I ask you?\"}").path("id").asText();
        var run = api.awaitFinished(second);
        // the scripted model plays turn N for a history with N-1 answers: the third turn only if the first run's two are there
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("succeeded");
        assertThat(run.path("answer").asText()).isEqualTo("You asked me to write hello to out.txt, and I did.");
        var started = harness.store().events(second).stream().filter(e -> e instanceof Event.RunStarted).map(e -> (Event.RunStarted) e)
                .findFirst().orElseThrow();
        assertThat(started.messages()).extracting(m -> m.text())
                .contains("write hello to out.txt", "Writing.", "Done: wrote out.txt.", "what did I ask you?");
        assertThat(started.messages().stream().filter(m -> m.role() == ai.apprentice.model.Role.SYSTEM)).hasSize(1);
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
