package ai.apprentice.providers;

import static ai.apprentice.testkit.MockReply.call;
import static ai.apprentice.testkit.MockReply.text;
import static ai.apprentice.testkit.MockReply.toolCalls;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Reasoning;
import ai.apprentice.model.RetryPolicy;
import ai.apprentice.model.ToolSpec;
import ai.apprentice.model.Usage;
import ai.apprentice.testkit.MockOpenAiResponsesServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code openai-responses:MODEL} against a mock of the Responses API's documented stream. */
@Timeout(60)
class OpenAiResponsesModelTest {
    final MockOpenAiResponsesServer server = new MockOpenAiResponsesServer();
    final List<String> text = new CopyOnWriteArrayList<>();
    final List<String> thoughts = new CopyOnWriteArrayList<>();
    final ModelListener listener = new ModelListener() {
        @Override public void onTextDelta(String t) { text.add(t); }
        @Override public void onReasoningDelta(String t) { thoughts.add(t); }
    };
    static final ToolSpec ADD = new ToolSpec("add", "adds", Json.tree("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}"));

    @AfterEach
    void stop() {
        server.close();
    }

    private Model model(String spec) {
        var settings = new ProviderSettings(server.baseUrl(), "sk-test", RetryPolicy.NONE, null, Duration.ofSeconds(10), Map.of())
                .withReasoning("low");
        return Providers.resolve(spec, settings, k -> null);
    }

    @Test
    void reasoningItemsComeBackEncryptedAndUnchangedBeforeTheCallTheyLedTo() throws Exception {
        server.enqueue(toolCalls(call("add", "{\"a\":2}")), text("It is 4."));
        var model = model("openai-responses:o4-mini");
        var history = new ArrayList<>(List.of(Message.system("Add."), Message.user("2+2?")));
        var first = model.chat(new ChatRequest(history, List.of(ADD), 0.5, 800, null), listener);
        assertThat(first.message().toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.id()).isEqualTo("call_1_0");
            assertThat(c.arguments()).isEqualTo("{\"a\":2}");
        });
        assertThat(first.message().reasoning()).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(Reasoning.OPENAI_ITEM);
            assertThat(r.text()).isEqualTo("Thinking about step 1.");
            assertThat(Json.tree(r.data()).path("encrypted_content").asText()).isEqualTo(MockOpenAiResponsesServer.encrypted(1));
        });
        assertThat(thoughts).containsExactly("Thinking about step 1.");
        assertThat(first.usage().reasoningTokens()).isEqualTo(7);

        var sent = server.requests().getFirst().body();
        assertThat(sent.get("store").asBoolean()).isFalse();
        assertThat(sent.get("include").toString()).contains("reasoning.encrypted_content");
        assertThat(sent.at("/reasoning/effort").asText()).isEqualTo("low");
        assertThat(sent.has("temperature")).isFalse();
        assertThat(sent.get("max_output_tokens").asInt()).isEqualTo(800);
        assertThat(sent.at("/input/0/role").asText()).isEqualTo("developer");
        assertThat(sent.at("/tools/0/name").asText()).isEqualTo("add");

        history.add(first.message());
        history.add(Message.toolResult("call_1_0", "add", "4"));
        var second = model.chat(ChatRequest.of(history, List.of(ADD)), listener);
        assertThat(second.message().text()).isEqualTo("It is 4.");
        assertThat(String.join("", text)).isEqualTo("It is 4.");
        assertThat(second.finishReason()).isEqualTo("stop");

        var input = server.requests().get(1).body().get("input");
        assertThat(input.get(2).path("type").asText()).isEqualTo("reasoning");
        assertThat(input.get(2).path("id").asText()).isEqualTo("rs_1");
        assertThat(input.get(2).path("encrypted_content").asText()).isEqualTo(MockOpenAiResponsesServer.encrypted(1));
        assertThat(input.get(3).path("type").asText()).isEqualTo("function_call");
        assertThat(input.get(3).path("call_id").asText()).isEqualTo("call_1_0");
        assertThat(input.get(4).path("type").asText()).isEqualTo("function_call_output");
        assertThat(input.get(4).path("output").asText()).isEqualTo("4");
    }

    @Test
    void cachedInputIsReadFromTheUsage() throws Exception {
        server.simulatePromptCache();
        server.enqueue(text("a"), text("b"));
        var model = model("openai-responses:gpt-5");
        var history = new ArrayList<>(List.of(Message.system("Stable. ".repeat(800)), Message.user("one")));
        var first = model.chat(ChatRequest.of(history, List.of(ADD)), listener);
        history.add(first.message());
        history.add(Message.user("two"));
        var second = model.chat(ChatRequest.of(history, List.of(ADD)), listener);
        assertThat(first.usage().cacheReadTokens()).isZero();
        assertThat(second.usage().cacheReadTokens()).isGreaterThanOrEqualTo(1024);
        assertThat(second.usage()).isNotEqualTo(Usage.ZERO);
    }
}
