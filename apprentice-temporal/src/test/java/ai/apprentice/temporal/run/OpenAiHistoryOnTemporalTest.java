package ai.apprentice.temporal.run;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import ai.apprentice.server.ApprenticeServer;
import ai.apprentice.server.ServerOptions;
import ai.apprentice.testkit.MockOpenAiServer;
import ai.apprentice.testkit.MockReply;
import ai.apprentice.testkit.MockServer;
import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI-compatible requests that bring their own earlier messages, on a server whose runs are Temporal workflows:
 * a chat completion with a history and a response with {@code previous_response_id}. The server keeps the messages in
 * the run store under the new run's id; the worker's first part reads them there, and the model (a mock OpenAI server
 * that records what it was asked) gets them, while the workflow's history holds none of them.
 */
@Timeout(120)
class OpenAiHistoryOnTemporalTest {
    @TempDir Path home;
    @TempDir Path root;
    private MockOpenAiServer model;
    private TestWorkflowEnvironment env;
    private Harness harness;
    private ApprenticeServer server;
    private final ApiCalls api = new ApiCalls(() -> server);

    @BeforeEach
    void start() throws Exception {
        model = new MockOpenAiServer();
        env = TestWorkflowEnvironment.newInstance();
        harness = Harness.builder().home(home)
                .env(Map.of("APPRENTICE_SANDBOX", "off", "OPENAI_API_KEY", "sk-test", "OPENAI_BASE_URL", model.baseUrl()))
                .err(new PrintStream(new ByteArrayOutputStream(), true)).build();
        // the worker and the server share the harness's run store, as processes share one store
        RunWorkers.register(env.newWorker(RunWorkers.TASK_QUEUE), harness);
        env.start();
        var options = ServerOptions.defaults(0, root)
                .withDefaults(Map.of("model", "openai:gpt-4.1-mini", "memory", "off", "approve", "all"))
                .withLimits(4, Duration.ofMinutes(5), Duration.ofMillis(500))
                .withToken(ApiCalls.TOKEN);
        server = ApprenticeServer.start(harness, options, new PrintStream(new ByteArrayOutputStream(), true), List.of(),
                TemporalExecutor.factory(env.getWorkflowClient(), RunWorkers.TASK_QUEUE, harness.store()));
    }

    @AfterEach
    void stop() {
        server.close();
        env.close();
        harness.close();
        model.close();
    }

    @Test
    void aChatCompletionsHistoryReachesTheModelOnTheEngine() throws Exception {
        model.enqueue(MockReply.text("Your name is Ada."));
        var response = api.call("POST", "/v1/chat/completions", """
                {"model": "apprentice", "messages": [
                  {"role": "user", "content": "Hello, I am Ada Lovelace-7731."},
                  {"role": "assistant", "content": "Nice to meet you, Ada."},
                  {"role": "user", "content": "What is my name?"}]}""");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        var completion = Json.tree(response.body());
        assertThat(completion.at("/choices/0/message/content").asText()).isEqualTo("Your name is Ada.");
        assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("stop");

        assertThat(model.requests()).hasSize(1);
        assertThat(turns(model.requests().getFirst())).containsExactly(
                "user: Hello, I am Ada Lovelace-7731.", "assistant: Nice to meet you, Ada.", "user: What is my name?");
        var runId = completion.path("id").asText().substring("chatcmpl-".length());
        assertOnlyByReference(runId, "What is my name?", "Lovelace-7731", "Nice to meet you");
    }

    @Test
    void previousResponseIdContinuesThatRunsHistoryOnTheEngine() throws Exception {
        model.enqueue(MockReply.text("I will remember it."), MockReply.text("The code is the one you gave me first."));
        var first = api.send("POST", "/v1/responses", "{\"model\": \"apprentice\", \"input\": \"Remember the code zephyr-17.\"}");
        assertThat(first.path("status").asText()).as(first.toString()).isEqualTo("completed");
        assertThat(text(first)).isEqualTo("I will remember it.");

        var second = api.send("POST", "/v1/responses", "{\"model\": \"apprentice\", \"input\": \"What was the code?\", \"previous_response_id\": \""
                + first.path("id").asText() + "\"}");
        assertThat(second.path("status").asText()).as(second.toString()).isEqualTo("completed");
        assertThat(text(second)).isEqualTo("The code is the one you gave me first.");
        assertThat(second.path("previous_response_id").asText()).isEqualTo(first.path("id").asText());

        assertThat(model.requests()).hasSize(2);
        assertThat(turns(model.requests().get(0))).containsExactly("user: Remember the code zephyr-17.");
        assertThat(turns(model.requests().get(1))).containsExactly(
                "user: Remember the code zephyr-17.", "assistant: I will remember it.", "user: What was the code?");
        assertOnlyByReference(second.path("id").asText().substring("resp_".length()), "What was the code?", "zephyr-17", "I will remember it");

        // bad input is still the client's error, in OpenAI's shape, and starts nothing
        var unknown = api.call("POST", "/v1/responses", "{\"model\": \"apprentice\", \"input\": \"and?\", \"previous_response_id\": \"resp_nope\"}");
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);
        assertThat(Json.tree(unknown.body()).at("/error/code").asText()).isEqualTo("previous_response_not_found");
        var noTask = api.call("POST", "/v1/chat/completions", """
                {"model": "apprentice", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}""");
        assertThat(noTask.statusCode()).as(noTask.body()).isEqualTo(400);
        assertThat(Json.tree(noTask.body()).at("/error/param").asText()).isEqualTo("messages");
        assertThat(harness.store().list(10)).hasSize(2);
        assertThat(model.requests()).hasSize(2);
    }

    /**
     * The run's workflow history carries its task (the control: this reads what the inputs hold) and none of the earlier
     * messages, which stay in the run store.
     */
    private void assertOnlyByReference(String runId, String task, String... earlier) {
        // kept in the run store under the run's id until the worker's begin stored them in run_started (redacted, as every
        // event), then dropped: the copy kept as given does not outlive the beginning
        var started = (ai.apprentice.runtime.Event.RunStarted) harness.store().events(runId).getFirst();
        for (var text : earlier) assertThat(started.messages()).as("run_started holds the earlier messages").anySatisfy(m -> assertThat(m.toString()).contains(text));
        assertThat(harness.store().givenMessages(runId)).as("the copy kept as given, once begun").isEmpty();
        var history = new String(env.getWorkflowClient().fetchHistory(RunInput.workflowId(runId)).getHistory().toByteArray(),
                StandardCharsets.UTF_8);
        assertThat(history).contains(task);
        for (var text : earlier) assertThat(history).as("the workflow history holds no earlier message").doesNotContain(text);
    }

    /** The request's conversation as "role: text", its system message (the agent's own) left out. */
    private static List<String> turns(MockServer.Request request) {
        var out = new ArrayList<String>();
        for (var m : request.body().path("messages")) {
            var role = m.path("role").asText();
            if (!role.equals("system")) out.add(role + ": " + content(m.path("content")));
        }
        return out;
    }

    private static String content(JsonNode content) {
        if (content.isTextual()) return content.asText();
        var sb = new StringBuilder();
        for (var part : content) sb.append(part.path("text").asText());
        return sb.toString();
    }

    /** A response's text: its message items' output_text parts. */
    private static String text(JsonNode response) {
        var sb = new StringBuilder();
        for (var item : response.path("output")) {
            for (var part : item.path("content")) if (part.path("type").asText().equals("output_text")) sb.append(part.path("text").asText());
        }
        return sb.toString();
    }
}
