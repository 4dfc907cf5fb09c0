package ai.apprentice.providers;

import static ai.apprentice.testkit.MockReply.call;
import static ai.apprentice.testkit.MockReply.cut;
import static ai.apprentice.testkit.MockReply.hang;
import static ai.apprentice.testkit.MockReply.status;
import static ai.apprentice.testkit.MockReply.text;
import static ai.apprentice.testkit.MockReply.toolCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.Message;
import ai.apprentice.model.ModelException;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.RetryPolicy;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.ToolSpec;
import ai.apprentice.testkit.MockOpenAiServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class OpenAiCompatibleModelTest {
    final MockOpenAiServer server = new MockOpenAiServer();
    final List<String> deltas = new CopyOnWriteArrayList<>();
    final List<Duration> waits = new CopyOnWriteArrayList<>();
    final ModelListener listener = new ModelListener() {
        @Override public void onTextDelta(String text) { deltas.add(text); }
        @Override public void onRetry(int attempt, Duration wait, String reason) { waits.add(wait); }
    };

    @AfterEach
    void stop() {
        server.close();
    }

    private ai.apprentice.model.Model model(int attempts, Duration readTimeout) {
        var settings = new ProviderSettings(server.baseUrl(), null,
                new RetryPolicy(attempts, Duration.ofMillis(5), Duration.ofMillis(20)), null, readTimeout, Map.of());
        return Providers.resolve("openai:gpt-4.1-mini", settings, Map.of("OPENAI_API_KEY", "sk-test-secret")::get);
    }

    private static final ToolSpec ADD = new ToolSpec("add", "adds", Json.tree("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}"));

    private static ChatRequest request() {
        return ChatRequest.of(List.of(Message.system("be brief"), Message.user("hi"),
                Message.assistant("", List.of(new ToolCall("call_1", "add", "{\"a\":1}"))),
                Message.toolResult("call_1", "add", "1")), List.of(ADD));
    }

    @Test
    void streamsTextAndFollowsTheWireFormat() throws Exception {
        server.enqueue(text("Hello there, friend."));
        var r = model(1, Duration.ofSeconds(10)).chat(request(), listener);
        assertThat(r.message().content()).isEqualTo("Hello there, friend.");
        assertThat(deltas).hasSizeGreaterThan(1);
        assertThat(String.join("", deltas)).isEqualTo("Hello there, friend.");
        assertThat(r.usage().inputTokens()).isEqualTo(12);
        assertThat(r.finishReason()).isEqualTo("stop");

        var req = server.requests().getFirst();
        assertThat(req.header("authorization")).isEqualTo("Bearer sk-test-secret");
        var body = req.body();
        assertThat(body.get("model").asText()).isEqualTo("gpt-4.1-mini");
        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(body.at("/stream_options/include_usage").asBoolean()).isTrue();
        assertThat(body.at("/tools/0/type").asText()).isEqualTo("function");
        assertThat(body.at("/tools/0/function/name").asText()).isEqualTo("add");
        assertThat(body.at("/tools/0/function/parameters/type").asText()).isEqualTo("object");
        assertThat(body.at("/messages/0/role").asText()).isEqualTo("system");
        assertThat(body.at("/messages/2/content").isNull()).isTrue();
        assertThat(body.at("/messages/2/tool_calls/0/function/arguments").asText()).isEqualTo("{\"a\":1}");
        assertThat(body.at("/messages/3/role").asText()).isEqualTo("tool");
        assertThat(body.at("/messages/3/tool_call_id").asText()).isEqualTo("call_1");
    }

    @Test
    void reassemblesParallelToolCallsInOrderAndKeepsMalformedArguments() throws Exception {
        server.enqueue(toolCalls(call("add", "{\"a\": 1, \"b\": 2}"), call("mul", "{\"x\": 3"), call("noop", "{}")));
        var r = model(1, Duration.ofSeconds(10)).chat(request(), listener);
        assertThat(r.message().toolCalls()).extracting(ToolCall::name).containsExactly("add", "mul", "noop");
        assertThat(r.message().toolCalls()).extracting(ToolCall::id).containsExactly("call_mock_0", "call_mock_1", "call_mock_2");
        assertThat(r.message().toolCalls().get(0).arguments()).isEqualTo("{\"a\": 1, \"b\": 2}");
        assertThat(r.message().toolCalls().get(1).arguments()).isEqualTo("{\"x\": 3");
        assertThat(r.finishReason()).isEqualTo("tool_calls");
    }

    @Test
    void honoursRetryAfterOn429() throws Exception {
        server.enqueue(status(429, "1", "{\"error\":{\"message\":\"Rate limit reached\"}}"), text("ok"));
        var r = model(3, Duration.ofSeconds(10)).chat(request(), listener);
        assertThat(r.message().content()).isEqualTo("ok");
        assertThat(waits).singleElement().satisfies(w -> assertThat(w).isGreaterThanOrEqualTo(Duration.ofSeconds(1)));
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void retriesServerErrorsHungConnectionsAndCutStreams() throws Exception {
        server.enqueue(status(500, null, "{\"error\":{\"message\":\"boom\"}}"), hang(), cut("Hel"), text("Hello"));
        var r = model(5, Duration.ofMillis(500)).chat(request(), listener);
        assertThat(r.message().content()).isEqualTo("Hello");
        assertThat(waits).hasSize(3);
        assertThat(server.requests()).hasSize(4);
    }

    @Test
    void clientErrorsAreNotRetriedAndCarryTheProviderText() {
        server.enqueue(status(401, null, "{\"error\":{\"message\":\"Incorrect API key provided\"}}"));
        assertThatThrownBy(() -> model(5, Duration.ofSeconds(10)).chat(request(), listener))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("HTTP 401").hasMessageContaining("Incorrect API key provided")
                .hasMessageContaining(server.baseUrl()).hasMessageNotContaining("sk-test-secret");
        assertThat(server.requests()).hasSize(1);
        assertThat(waits).isEmpty();
    }

    @Test
    void exhaustedRetriesReportTheLastError() {
        server.fallback(status(503, null, "{\"error\":{\"message\":\"upstream overloaded\"}}"));
        assertThatThrownBy(() -> model(3, Duration.ofSeconds(10)).chat(request(), listener))
                .hasMessageContaining("upstream overloaded").hasMessageContaining("gave up after 3 attempts");
        assertThat(server.requests()).hasSize(3);
    }

    @Test
    void connectionRefusedNamesTheUrl() {
        var settings = new ProviderSettings("http://127.0.0.1:9/v1", null, RetryPolicy.NONE, null, null, Map.of());
        var m = Providers.resolve("openai:x", settings, Map.of("OPENAI_API_KEY", "k")::get);
        assertThatThrownBy(() -> m.chat(request(), listener)).hasMessageContaining("http://127.0.0.1:9/v1/chat/completions");
    }

    @Test
    void interruptingTheCallerAbortsPromptly() throws Exception {
        server.enqueue(hang());
        var m = model(1, Duration.ofMinutes(5));
        var failure = new ArrayList<Throwable>();
        var t = Thread.ofVirtual().start(() -> {
            try {
                m.chat(request(), listener);
            } catch (Throwable e) {
                failure.add(e);
            }
        });
        while (server.requests().isEmpty()) Thread.sleep(5);
        t.interrupt();
        t.join(Duration.ofSeconds(10));
        assertThat(t.isAlive()).isFalse();
        assertThat(failure).singleElement().isInstanceOf(InterruptedException.class);
    }

    @Test
    void presetsAndKeys() {
        assertThatThrownBy(() -> Providers.resolve("openai:gpt-4.1", ProviderSettings.defaults(), k -> null))
                .isInstanceOf(ProviderConfigException.class).hasMessageStartingWith("OPENAI_API_KEY is not set");
        assertThatThrownBy(() -> Providers.resolve("deepseek:deepseek-chat", ProviderSettings.defaults(), k -> null))
                .hasMessageContaining("DEEPSEEK_API_KEY");
        assertThatThrownBy(() -> Providers.resolve("nope:x", ProviderSettings.defaults(), k -> null))
                .hasMessageContaining("Unknown provider 'nope'").hasMessageContaining("anthropic");
        assertThatThrownBy(() -> Providers.resolve("compat:x", ProviderSettings.defaults(), k -> null))
                .hasMessageContaining("--base-url");
        // local servers need no key; DeepSeek falls back to OPENAI_API_KEY
        assertThat(Providers.resolve("ollama:qwen2.5", ProviderSettings.defaults(), k -> null).id()).isEqualTo("ollama:qwen2.5");
        assertThat(Providers.resolve("deepseek:deepseek-chat", ProviderSettings.defaults(), Map.of("OPENAI_API_KEY", "k")::get)).isNotNull();
        assertThat(Providers.presets()).extracting(Preset::name)
                .contains("openai", "anthropic", "deepseek", "qwen", "glm", "kimi", "ollama", "vllm", "llamacpp", "compat");
    }

    @Test
    void openAiBaseUrlVariableRedirectsTheClient() throws Exception {
        server.enqueue(text("via env"));
        var m = Providers.resolve("openai:gpt-4.1-mini", ProviderSettings.defaults().withRetry(RetryPolicy.NONE),
                Map.of("OPENAI_BASE_URL", server.baseUrl(), "OPENAI_API_KEY", "k")::get);
        assertThat(m.chat(request(), listener).message().content()).isEqualTo("via env");
    }
}
