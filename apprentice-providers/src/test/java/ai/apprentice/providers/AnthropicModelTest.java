package ai.apprentice.providers;

import static ai.apprentice.testkit.MockReply.call;
import static ai.apprentice.testkit.MockReply.status;
import static ai.apprentice.testkit.MockReply.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.Message;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.RetryPolicy;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.ToolSpec;
import ai.apprentice.testkit.MockAnthropicServer;
import ai.apprentice.testkit.MockReply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class AnthropicModelTest {
    final MockAnthropicServer server = new MockAnthropicServer();
    final List<String> deltas = new CopyOnWriteArrayList<>();
    final List<String> retries = new CopyOnWriteArrayList<>();
    final ModelListener listener = new ModelListener() {
        @Override public void onTextDelta(String text) { deltas.add(text); }
        @Override public void onRetry(int attempt, Duration wait, String reason) { retries.add(reason); }
    };

    @AfterEach
    void stop() {
        server.close();
    }

    private ai.apprentice.model.Model model() {
        var settings = new ProviderSettings(null, null, new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(10)), null,
                Duration.ofSeconds(10), Map.of());
        return Providers.resolve("anthropic:claude-sonnet-4-5", settings,
                Map.of("ANTHROPIC_API_KEY", "sk-ant-test", "ANTHROPIC_BASE_URL", server.baseUrl())::get);
    }

    private static ChatRequest request() {
        var spec = new ToolSpec("lookup", "looks up", Json.tree("{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}"));
        return ChatRequest.of(List.of(Message.system("be brief"), Message.user("find x"),
                Message.assistant("Looking.", List.of(new ToolCall("toolu_1", "lookup", "{\"q\":\"x\"}"), new ToolCall("toolu_2", "lookup", "{\"q\":\"y\"}"))),
                Message.toolResult("toolu_1", "lookup", "x=1"), Message.toolResult("toolu_2", "lookup", "y=2"),
                Message.user("and now?")), List.of(spec));
    }

    @Test
    void streamsTextAndFollowsTheWireFormat() throws Exception {
        server.enqueue(text("All found."));
        var r = model().chat(request(), listener);
        assertThat(r.message().content()).isEqualTo("All found.");
        assertThat(String.join("", deltas)).isEqualTo("All found.");
        assertThat(r.usage().inputTokens()).isEqualTo(12);
        assertThat(r.finishReason()).isEqualTo("end_turn");
        var req = server.requests().getFirst();
        assertThat(req.header("x-api-key")).isEqualTo("sk-ant-test");
        assertThat(req.header("anthropic-version")).isEqualTo("2023-06-01");
        var body = req.body();
        // The system prompt as a text block, so that it can carry a cache breakpoint.
        assertThat(body.at("/system/0/text").asText()).isEqualTo("be brief");
        assertThat(body.get("max_tokens").asInt()).isEqualTo(4096);
        assertThat(body.at("/tools/0/input_schema/type").asText()).isEqualTo("object");
        assertThat(body.get("messages")).hasSize(3); // user, assistant, user (tool results + question merged)
        assertThat(body.at("/messages/1/content/1/type").asText()).isEqualTo("tool_use");
        assertThat(body.at("/messages/1/content/1/input/q").asText()).isEqualTo("x");
        assertThat(body.at("/messages/2/content/0/type").asText()).isEqualTo("tool_result");
        assertThat(body.at("/messages/2/content/1/tool_use_id").asText()).isEqualTo("toolu_2");
        assertThat(body.at("/messages/2/content/2/text").asText()).isEqualTo("and now?");
    }

    @Test
    void readsToolUseBlocks() throws Exception {
        server.enqueue(new MockReply.ToolCalls("Let me check.", List.of(call("lookup", "{\"q\": \"z\"}"), call("lookup", "{\"q\": \"w\"}"))));
        var r = model().chat(request(), listener);
        assertThat(r.message().content()).isEqualTo("Let me check.");
        assertThat(r.message().toolCalls()).extracting(ToolCall::arguments).containsExactly("{\"q\": \"z\"}", "{\"q\": \"w\"}");
        assertThat(r.message().toolCalls()).extracting(ToolCall::id).doesNotContainNull();
        assertThat(r.finishReason()).isEqualTo("tool_use");
        assertThat(r.usage().outputTokens()).isEqualTo(15);
    }

    @Test
    void overloadedMidStreamIsRetried() throws Exception {
        server.enqueue(new MockReply.Cut(MockAnthropicServer.OVERLOADED), status(529, null, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"), text("fine"));
        var r = model().chat(request(), listener);
        assertThat(r.message().content()).isEqualTo("fine");
        assertThat(retries).hasSize(2).anySatisfy(s -> assertThat(s).contains("overloaded_error"));
    }

    @Test
    void badRequestsAreReportedWithTheProviderText() {
        server.enqueue(status(400, null, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: too large\"}}"));
        assertThatThrownBy(() -> model().chat(request(), listener)).hasMessageContaining("HTTP 400").hasMessageContaining("max_tokens: too large");
        assertThatThrownBy(() -> Providers.resolve("anthropic:x", ProviderSettings.defaults(), k -> null)).hasMessageContaining("ANTHROPIC_API_KEY");
    }
}
