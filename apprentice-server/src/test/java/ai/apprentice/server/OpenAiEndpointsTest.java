package ai.apprentice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The official OpenAI Java SDK as the client of /v1/responses and /v1/chat/completions, against a real server and harness. */
class OpenAiEndpointsTest {
    @TempDir Path home;
    @TempDir Path root;

    static final String TWO_TURNS = """
            {"text": "first answer", "usage": {"input_tokens": 120, "output_tokens": 8}}
            {"text": "second answer", "usage": {"input_tokens": 200, "output_tokens": 9}}
            """;
    static final String WITH_TOOL = """
            {"text": "Writing the file.", "tool_calls": [{"name": "write_file", "arguments": {"path": "out.txt", "content": "hello"}}]}
            {"text": "Done: wrote out.txt with hello."}
            """;

    static OpenAIClient client(TestServer s, String key) {
        return OpenAIOkHttpClient.builder().baseUrl(s.server.url() + "/v1").apiKey(key).maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    }

    static String text(Response r) {
        var sb = new StringBuilder();
        for (var item : r.output()) for (var c : item.asMessage().content()) sb.append(c.asOutputText().text());
        return sb.toString();
    }

    @Test
    void aResponseIsARunOfTheAgentWithItsAnswerAndUsage() throws Exception {
        try (var s = new TestServer(home, root, TWO_TURNS, Map.of())) {
            var client = client(s, TestServer.TOKEN);
            var r = client.responses().create(ResponseCreateParams.builder().model("apprentice").input("What is the answer?").build());
            assertThat(r.id()).startsWith("resp_");
            assertThat(r.status()).contains(ResponseStatus.COMPLETED);
            assertThat(r.output()).hasSize(1);
            assertThat(r.output().get(0).asMessage().id()).startsWith("msg_");
            assertThat(text(r)).isEqualTo("first answer");
            var usage = r.usage().orElseThrow();
            assertThat(usage.inputTokens()).isEqualTo(120);
            assertThat(usage.outputTokens()).isEqualTo(8);
            assertThat(usage.totalTokens()).isEqualTo(128);

            // the response is a run like any other: listed by the REST API, with the input as its task
            var run = s.get("/api/runs/" + r.id().substring(5)).json();
            assertThat(run.path("status").asText()).isEqualTo("succeeded");
            assertThat(run.path("task").asText()).isEqualTo("What is the answer?");
            assertThat(run.path("answer").asText()).isEqualTo("first answer");

            var again = client.responses().retrieve(r.id());
            assertThat(text(again)).isEqualTo("first answer");
            assertThat(again.usage().orElseThrow().totalTokens()).isEqualTo(128);
            assertThat(client.models().list().data()).extracting(m -> m.id()).containsExactly("apprentice");
        }
    }

    record Ev(String type, long seq, ResponseStreamEvent event) {}

    static Ev typed(ResponseStreamEvent e) {
        if (e.isCreated()) return new Ev("response.created", e.asCreated().sequenceNumber(), e);
        if (e.isInProgress()) return new Ev("response.in_progress", e.asInProgress().sequenceNumber(), e);
        if (e.isOutputItemAdded()) return new Ev("response.output_item.added", e.asOutputItemAdded().sequenceNumber(), e);
        if (e.isContentPartAdded()) return new Ev("response.content_part.added", e.asContentPartAdded().sequenceNumber(), e);
        if (e.isOutputTextDelta()) return new Ev("response.output_text.delta", e.asOutputTextDelta().sequenceNumber(), e);
        if (e.isOutputTextDone()) return new Ev("response.output_text.done", e.asOutputTextDone().sequenceNumber(), e);
        if (e.isContentPartDone()) return new Ev("response.content_part.done", e.asContentPartDone().sequenceNumber(), e);
        if (e.isOutputItemDone()) return new Ev("response.output_item.done", e.asOutputItemDone().sequenceNumber(), e);
        if (e.isCompleted()) return new Ev("response.completed", e.asCompleted().sequenceNumber(), e);
        if (e.isFailed()) return new Ev("response.failed", e.asFailed().sequenceNumber(), e);
        if (e.isIncomplete()) return new Ev("response.incomplete", e.asIncomplete().sequenceNumber(), e);
        return new Ev("unrecognised: " + e._json(), -1, e);
    }

    static List<Ev> stream(OpenAIClient client, ResponseCreateParams params) {
        var out = new ArrayList<Ev>();
        try (var stream = client.responses().createStreaming(params)) {
            stream.stream().forEach(e -> out.add(typed(e)));
        }
        return out;
    }

    @Test
    void aStreamedResponseSendsTheTypedEventsInOrderAndToolsRunOnTheServer() throws Exception {
        try (var s = new TestServer(home, root, WITH_TOOL, Map.of())) {
            var events = stream(client(s, TestServer.TOKEN), ResponseCreateParams.builder().model("apprentice").input("write hello to out.txt").build());
            var types = events.stream().map(Ev::type).toList();
            assertThat(types.get(0)).isEqualTo("response.created");
            assertThat(types.get(1)).isEqualTo("response.in_progress");
            assertThat(types.get(types.size() - 1)).isEqualTo("response.completed");
            for (int i = 0; i < events.size(); i++) assertThat(events.get(i).seq()).as("sequence_number of " + types.get(i)).isEqualTo(i);
            // each step that says something is one message item: its events in the documented order
            var compact = new ArrayList<String>();
            for (var t : types) if (!(t.endsWith(".delta") && compact.get(compact.size() - 1).endsWith(".delta"))) compact.add(t);
            assertThat(compact).containsExactly("response.created", "response.in_progress",
                    "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.done",
                    "response.content_part.done", "response.output_item.done",
                    "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.done",
                    "response.content_part.done", "response.output_item.done", "response.completed");

            // per item, the deltas concatenate to its text; the last item is the answer
            var deltas = new java.util.LinkedHashMap<String, StringBuilder>();
            var done = new java.util.LinkedHashMap<String, String>();
            for (var e : events) {
                if (e.event().isOutputTextDelta()) {
                    var d = e.event().asOutputTextDelta();
                    deltas.computeIfAbsent(d.itemId(), k -> new StringBuilder()).append(d.delta());
                }
                if (e.event().isOutputTextDone()) done.put(e.event().asOutputTextDone().itemId(), e.event().asOutputTextDone().text());
            }
            assertThat(done.values()).containsExactly("Writing the file.", "Done: wrote out.txt with hello.");
            done.forEach((item, text) -> assertThat(deltas.get(item).toString()).isEqualTo(text));
            assertThat(events.stream().filter(e -> e.event().isOutputTextDelta()).count()).as("streamed in pieces").isGreaterThan(2);

            var completed = events.get(events.size() - 1).event().asCompleted().response();
            assertThat(completed.status()).contains(ResponseStatus.COMPLETED);
            assertThat(completed.output()).allMatch(ResponseOutputItem::isMessage);
            assertThat(completed.output().get(completed.output().size() - 1).asMessage().content().get(0).asOutputText().text())
                    .isEqualTo("Done: wrote out.txt with hello.");
            assertThat(completed.usage()).isPresent();
            // the tool call ran on the server, not on the client
            assertThat(Files.readString(root.resolve("out.txt"))).isEqualTo("hello");
        }
    }

    @Test
    void previousResponseIdContinuesThatRunsHistory() throws Exception {
        try (var s = new TestServer(home, root, TWO_TURNS, Map.of())) {
            var client = client(s, TestServer.TOKEN);
            var first = client.responses().create(ResponseCreateParams.builder().model("apprentice").input("hello").build());
            assertThat(text(first)).isEqualTo("first answer");
            // the scripted model plays turn N when the history holds N-1 assistant messages: turn 2 only if the history was carried
            var second = client.responses().create(ResponseCreateParams.builder().model("apprentice").input("and again")
                    .previousResponseId(first.id()).build());
            assertThat(text(second)).isEqualTo("second answer");
            assertThat(second.previousResponseId()).contains(first.id());
            var fresh = client.responses().create(ResponseCreateParams.builder().model("apprentice").input("and again").build());
            assertThat(text(fresh)).as("without previous_response_id nothing is carried").isEqualTo("first answer");

            // streamed, the continuation is the same
            var events = stream(client, ResponseCreateParams.builder().model("apprentice").input("once more").previousResponseId(first.id()).build());
            var streamed = new StringBuilder();
            events.stream().filter(e -> e.event().isOutputTextDelta()).forEach(e -> streamed.append(e.event().asOutputTextDelta().delta()));
            assertThat(streamed.toString()).isEqualTo("second answer");

            assertThatThrownBy(() -> client.responses().create(ResponseCreateParams.builder().model("apprentice").input("x")
                    .previousResponseId("resp_nope").build()))
                    .isInstanceOfSatisfying(BadRequestException.class, e -> {
                        assertThat(e.code()).contains("previous_response_not_found");
                        assertThat(e.param()).contains("previous_response_id");
                    });
        }
    }

    @Test
    void chatCompletionsAnswerStreamedOrNotAndTheMessagesAreTheConversation() throws Exception {
        try (var s = new TestServer(home, root, TWO_TURNS, Map.of())) {
            var client = client(s, TestServer.TOKEN);
            var completion = client.chat().completions().create(ChatCompletionCreateParams.builder().model("apprentice")
                    .addSystemMessage("Be terse.").addUserMessage("hello").build());
            assertThat(completion.id()).startsWith("chatcmpl-");
            assertThat(completion.choices()).hasSize(1);
            assertThat(completion.choices().get(0).message().content()).contains("first answer");
            assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
            var usage = completion.usage().orElseThrow();
            assertThat(usage.promptTokens()).isEqualTo(120);
            assertThat(usage.completionTokens()).isEqualTo(8);
            assertThat(usage.totalTokens()).isEqualTo(128);
            var task = s.get("/api/runs/" + completion.id().substring("chatcmpl-".length())).json().path("task").asText();
            assertThat(task).as("system messages are the caller's instructions, ahead of the task").isEqualTo("[Instructions]\nBe terse.\n\n[Task]\nhello");

            // earlier turns are the history: with one assistant message before it, the script plays its second turn
            var params = ChatCompletionCreateParams.builder().model("apprentice").addUserMessage("hello").addAssistantMessage("first answer")
                    .addUserMessage("and again").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
            var chunks = new ArrayList<ChatCompletionChunk>();
            try (var stream = client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(chunks::add);
            }
            var content = new StringBuilder();
            var finishes = new ArrayList<ChatCompletionChunk.Choice.FinishReason>();
            for (var c : chunks) {
                assertThat(c.id()).startsWith("chatcmpl-");
                for (var choice : c.choices()) {
                    choice.delta().content().ifPresent(content::append);
                    choice.finishReason().ifPresent(finishes::add);
                }
            }
            assertThat(content.toString()).isEqualTo("second answer");
            assertThat(chunks.stream().filter(c -> !c.choices().isEmpty() && c.choices().get(0).delta().content().filter(t -> !t.isEmpty()).isPresent()).count())
                    .as("streamed in pieces").isGreaterThan(1);
            assertThat(finishes).containsExactly(ChatCompletionChunk.Choice.FinishReason.STOP);
            var last = chunks.get(chunks.size() - 1);
            assertThat(last.choices()).as("the usage chunk comes last, without choices").isEmpty();
            assertThat(last.usage().orElseThrow().totalTokens()).isEqualTo(209);
        }
    }

    @Test
    void aChatAnswerAfterAToolCallHoldsEveryStepsTextStreamedOrNot() throws Exception {
        try (var s = new TestServer(home, root, WITH_TOOL, Map.of())) {
            var client = client(s, TestServer.TOKEN);
            var params = ChatCompletionCreateParams.builder().model("apprentice").addUserMessage("write hello to out.txt").build();
            var whole = client.chat().completions().create(params).choices().get(0).message().content().orElseThrow();
            assertThat(whole).isEqualTo("Writing the file.\n\nDone: wrote out.txt with hello.");
            var content = new StringBuilder();
            try (var stream = client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(content::append)));
            }
            assertThat(content.toString()).isEqualTo(whole);
        }
    }

    @Test
    void aRunThatFailsIsAFailedResponseAndAChatServerError() throws Exception {
        try (var s = new TestServer(home, root, "{\"error\": \"the model broke\", \"retryable\": false, \"times\": 100}\n", Map.of())) {
            var client = client(s, TestServer.TOKEN);
            var r = client.responses().create(ResponseCreateParams.builder().model("apprentice").input("hello").build());
            assertThat(r.status()).contains(ResponseStatus.FAILED);
            assertThat(r.error().orElseThrow().message()).contains("model_error").contains("the model broke");
            var events = stream(client, ResponseCreateParams.builder().model("apprentice").input("hello").build());
            assertThat(events.get(events.size() - 1).type()).isEqualTo("response.failed");
            assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model("apprentice")
                    .addUserMessage("hello").build())).isInstanceOfSatisfying(InternalServerException.class,
                    e -> assertThat(e.getMessage()).contains("the model broke"));
        }
    }

    @Test
    void anUnknownModelIsNotFoundAndAWrongTokenIsUnauthorized() throws Exception {
        try (var s = new TestServer(home, root, TWO_TURNS, Map.of())) {
            assertThatThrownBy(() -> client(s, TestServer.TOKEN).responses().create(ResponseCreateParams.builder().model("gpt-5").input("hi").build()))
                    .isInstanceOfSatisfying(NotFoundException.class, e -> {
                        assertThat(e.code()).contains("model_not_found");
                        assertThat(e.param()).contains("model");
                    });
            assertThatThrownBy(() -> client(s, TestServer.TOKEN).chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-5")
                    .addUserMessage("hi").build())).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> client(s, "not-the-token-0000000000").responses().create(ResponseCreateParams.builder().model("apprentice")
                    .input("hi").build()))
                    .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                        assertThat(e.code()).contains("invalid_api_key");
                        assertThat(e.type()).contains("authentication_error");
                    });
            assertThatThrownBy(() -> client(s, "not-the-token-0000000000").chat().completions().create(ChatCompletionCreateParams.builder()
                    .model("apprentice").addUserMessage("hi").build())).isInstanceOf(UnauthorizedException.class);

            // without any token, the /v1 error has OpenAI's shape
            var none = s.send(HttpRequest.newBuilder(URI.create(s.url("/v1/responses"))).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"hi\"}")).build());
            assertThat(none.status()).isEqualTo(401);
            assertOpenAiError(none.json(), "authentication_error", "invalid_api_key");
            assertThat(none.json().path("error").has("param")).isTrue();
            assertThat(s.get("/api/runs").json().path("runs")).as("nothing ran").isEmpty();
        }
    }

    @Test
    void givenMessagesAreKeptInTheRunStoreAndThoseAnEarlierVersionKeptInTheServersDatabaseStillCount() throws Exception {
        var earlier = List.of(ai.apprentice.model.Message.user("hello"), ai.apprentice.model.Message.assistant("first answer"));
        try (var s = new TestServer(home, root, TWO_TURNS, Map.of())) {
            var r = s.post("/v1/chat/completions", """
                    {"messages": [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "first answer"},
                     {"role": "user", "content": "and again"}]}""");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.json().at("/choices/0/message/content").asText()).isEqualTo("second answer");
            // kept in the run store under the run's id (where a worker of an engine reads them too) until the run's
            // run_started holds them, redacted: then the copy kept as given goes
            var id = r.json().path("id").asText().substring("chatcmpl-".length());
            var started = (ai.apprentice.runtime.Event.RunStarted) s.harness.store().events(id).getFirst();
            assertThat(started.messages()).containsSequence(earlier);
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
            while (s.harness.store().givenMessages(id).isPresent() && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(s.harness.store().givenMessages(id)).as("the given copy, once the run ended").isEmpty();
        }
        // a run an earlier version accepted with its history in the server's database, and had not begun when it stopped
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + home.resolve("server/server.db")); var st = c.createStatement()) {
            st.executeUpdate("INSERT INTO given_history(run_id, messages_json) VALUES ('old-run', '" + ai.apprentice.json.Json.write(earlier) + "')");
            st.executeUpdate("INSERT INTO accepted_runs(run_id, task, workspace, settings_json, state, accepted_at) VALUES ('old-run', 'and again', '"
                    + root.toRealPath() + "', '{}', 'queued', '2026-01-01T00:00:00Z')");
        }
        try (var s = new TestServer(home, root, null, Map.of())) {
            var run = s.awaitFinished("old-run");
            assertThat(run.path("answer").asText()).as(run.toString()).isEqualTo("second answer");
        }
    }

    @Test
    void badInputIsA400InOpenAisShapeAndRunsNothing() throws Exception {
        try (var s = new TestServer(home, root, TWO_TURNS, Map.of())) {
            assertBad(s.post("/v1/responses", "{\"input\": "), null, "parse the JSON");
            assertBad(s.post("/v1/responses", "[1]"), null, "JSON object");
            assertBad(s.post("/v1/responses", "{\"model\": \"apprentice\"}"), "input", "input");
            assertBad(s.post("/v1/responses", "{\"input\": \"\"}"), "input", "empty");
            assertBad(s.post("/v1/responses", "{\"input\": \"hi\", \"colour\": 1}"), "colour", "Unrecognized request argument");
            assertBad(s.post("/v1/responses", "{\"input\": \"hi\", \"tools\": [{\"type\": \"function\", \"name\": \"f\"}]}"), "tools", "run on the server");
            assertBad(s.post("/v1/responses", "{\"input\": \"hi\", \"temperature\": 0.2}"), "temperature", "not supported");
            assertBad(s.post("/v1/responses", "{\"input\": \"hi\", \"store\": false}"), "store", "always recorded");
            assertBad(s.post("/v1/responses", "{\"input\": [{\"type\": \"function_call_output\", \"call_id\": \"c\", \"output\": \"x\"}]}"),
                    "input[0].type", "not supported");
            assertBad(s.post("/v1/responses", "{\"input\": [{\"role\": \"user\", \"content\": [{\"type\": \"input_image\", \"image_url\": \"x\"}]}]}"),
                    "input[0].content[0]", "only text");
            assertBad(s.post("/v1/chat/completions", "{\"model\": \"apprentice\"}"), "messages", "messages");
            assertBad(s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": 2}"), "n", "n must be 1");
            assertBad(s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}"),
                    "messages", "must be the user's");
            assertBad(s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"tool\", \"content\": \"x\", \"tool_call_id\": \"c\"}]}"),
                    "messages[0].role", "not supported");
            assertBad(s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"response_format\": {\"type\": \"json_object\"}}"),
                    "response_format", "text");
            var missing = s.get("/v1/nothing-here");
            assertThat(missing.status()).isEqualTo(404);
            assertOpenAiError(missing.json(), "invalid_request_error", "not_found");

            // the SDK sees a 400 as BadRequestException, with the parameter named
            var client = client(s, TestServer.TOKEN);
            assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model("apprentice")
                    .addUserMessage("hi").n(2).build())).isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("n"));
            assertThat(s.get("/api/runs").json().path("runs")).as("nothing ran").isEmpty();
        }
    }

    @Test
    void stepTextSendsEachStepOnceHoweverDeltasAndCompletionsInterleave() throws Exception {
        var log = new ArrayList<String>();
        var steps = new OpenAiEndpoints.StepText(new OpenAiEndpoints.StepText.Out() {
            @Override public void open(int step) { log.add("open " + step); }
            @Override public void delta(int step, String text) { log.add("delta " + step + " " + text); }
            @Override public void close(int step, String text) { log.add("close " + step + " " + text); }
        });
        var now = java.time.Instant.now();
        // the follower drains live deltas before it reads the store: step 2's deltas can come before step 1's completion
        steps.delta(new ai.apprentice.runtime.Event.ModelDelta("r", now, 1, "one "));
        steps.delta(new ai.apprentice.runtime.Event.ModelDelta("r", now, 1, "two"));
        steps.delta(new ai.apprentice.runtime.Event.ModelDelta("r", now, 2, "three"));
        steps.completed(completed(1, "one two"));
        steps.delta(new ai.apprentice.runtime.Event.ModelDelta("r", now, 2, " four"));
        steps.completed(completed(2, "three four five"));
        // a step whose deltas were missed is sent whole at its completion; its late deltas are dropped
        steps.completed(completed(3, "six"));
        steps.delta(new ai.apprentice.runtime.Event.ModelDelta("r", now, 3, "six"));
        steps.completed(completed(4, ""));
        steps.finish();
        assertThat(log).containsExactly("open 1", "delta 1 one ", "delta 1 two", "close 1 one two", "open 2", "delta 2 three", "delta 2  four",
                "delta 2  five", "close 2 three four five", "open 3", "delta 3 six", "close 3 six");
    }

    static ai.apprentice.runtime.Event.StepCompleted completed(int step, String text) {
        return new ai.apprentice.runtime.Event.StepCompleted("r", java.time.Instant.now(), step,
                List.of(ai.apprentice.model.Message.assistant(text), ai.apprentice.model.Message.user("tool output")));
    }

    static void assertBad(TestServer.Response r, String param, String message) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/json");
        var e = r.json().path("error");
        assertThat(e.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(e.path("message").asText()).contains(message);
        assertThat(e.has("param") && e.has("code")).as("OpenAI's error shape: " + r.body()).isTrue();
        if (param == null) assertThat(e.path("param").isNull()).isTrue();
        else assertThat(e.path("param").asText()).isEqualTo(param);
    }

    static void assertOpenAiError(JsonNode body, String type, String code) {
        var e = body.path("error");
        assertThat(e.path("type").asText()).as(body.toString()).isEqualTo(type);
        assertThat(e.path("code").asText()).isEqualTo(code);
        assertThat(e.path("message").asText()).isNotBlank();
    }
}
