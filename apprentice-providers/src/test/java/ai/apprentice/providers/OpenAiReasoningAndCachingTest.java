package ai.apprentice.providers;

import static ai.apprentice.testkit.MockReply.call;
import static ai.apprentice.testkit.MockReply.raw;
import static ai.apprentice.testkit.MockReply.sse;
import static ai.apprentice.testkit.MockReply.text;
import static ai.apprentice.testkit.MockReply.toolCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Reasoning;
import ai.apprentice.model.RetryPolicy;
import ai.apprentice.model.ToolSpec;
import ai.apprentice.model.Usage;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Event;
import ai.apprentice.testkit.MockOpenAiServer;
import ai.apprentice.testkit.MockReply;
import ai.apprentice.tool.Tools;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reasoning and prompt caching on the Chat Completions protocol, as OpenAI and the compatible vendors document them. */
@Timeout(60)
class OpenAiReasoningAndCachingTest {
    final MockOpenAiServer server = new MockOpenAiServer();
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

    private Model model(String spec, String reasoning) {
        var settings = new ProviderSettings(server.baseUrl(), "sk-test", RetryPolicy.NONE, null, Duration.ofSeconds(10), Map.of())
                .withReasoning(reasoning);
        return Providers.resolve(spec, settings, k -> null);
    }

    private static String json(String s) {
        return s.replace('\'', '"');
    }

    private static MockReply.Sse chunk(String delta) {
        return sse(null, json("{'id':'c1','object':'chat.completion.chunk','choices':[{'index':0,'delta':" + delta + "}]}"));
    }

    /** DeepSeek's thinking mode: reasoning_content deltas first, then the tool call, then usage with its cache fields. */
    private static MockReply deepSeekThinkingToolCall() {
        return raw(
                chunk("{'role':'assistant','content':null,'reasoning_content':'Two plus '}"),
                chunk("{'reasoning_content':'two is four.'}"),
                chunk("{'tool_calls':[{'index':0,'id':'call_0','type':'function','function':{'name':'add','arguments':'{\\\"a\\\":2}'}}]}"),
                sse(null, json("{'id':'c1','choices':[{'index':0,'delta':{},'finish_reason':'tool_calls'}]}")),
                sse(null, json("{'id':'c1','choices':[],'usage':{'prompt_tokens':1500,'completion_tokens':40,'total_tokens':1540,"
                        + "'prompt_cache_hit_tokens':1280,'prompt_cache_miss_tokens':220,'completion_tokens_details':{'reasoning_tokens':30}}}")),
                sse(null, "[DONE]"));
    }

    @Test
    void reasoningContentIsStreamedApartKeptAndSentBackWithTheToolCall() throws Exception {
        server.enqueue(deepSeekThinkingToolCall(), text("4"));
        var model = model("deepseek:deepseek-reasoner", null);
        var history = new ArrayList<>(List.of(Message.system("Add."), Message.user("2+2?")));
        var first = model.chat(ChatRequest.of(history, List.of(ADD)), listener);
        assertThat(String.join("", thoughts)).isEqualTo("Two plus two is four.");
        assertThat(text).isEmpty();
        assertThat(first.message().text()).isEmpty();
        assertThat(first.message().reasoning()).containsExactly(Reasoning.text("Two plus two is four."));
        assertThat(first.usage()).isEqualTo(new Usage(1500, 40, 1280, 0, 30));

        history.add(first.message());
        history.add(Message.toolResult("call_0", "add", "4"));
        model.chat(ChatRequest.of(history, List.of(ADD)), listener);
        var assistant = server.requests().get(1).body().at("/messages/2");
        assertThat(assistant.path("reasoning_content").asText()).isEqualTo("Two plus two is four.");
        assertThat(server.requests().get(1).body().has("prompt_cache_key")).as("an OpenAI-only parameter").isFalse();
    }

    @Test
    void reasoningOfAnAnswerWithoutToolCallsIsNotSentBack() throws Exception {
        server.enqueue(text("ok"));
        var history = List.of(Message.user("q"), Message.assistant("a", List.of(), List.of(Reasoning.text("thought"))), Message.user("q2"));
        model("deepseek:deepseek-reasoner", null).chat(ChatRequest.of(history, List.of()), listener);
        assertThat(server.requests().getFirst().body().at("/messages/1").has("reasoning_content")).isFalse();
    }

    @Test
    void openAiCachedAndReasoningTokensAreRead() throws Exception {
        server.enqueue(raw(chunk("{'content':'hi'}"),
                sse(null, json("{'id':'c1','choices':[{'index':0,'delta':{},'finish_reason':'stop'}]}")),
                sse(null, json("{'id':'c1','choices':[],'usage':{'prompt_tokens':2006,'completion_tokens':300,"
                        + "'prompt_tokens_details':{'cached_tokens':1920,'audio_tokens':0},"
                        + "'completion_tokens_details':{'reasoning_tokens':256,'audio_tokens':0}}}")),
                sse(null, "[DONE]")));
        var r = model("openai:o4-mini", null).chat(ChatRequest.of(List.of(Message.user("hi")), List.of()), listener);
        assertThat(r.usage()).isEqualTo(new Usage(2006, 300, 1920, 0, 256));
    }

    @Test
    void kimiReportsCachedTokensAtTheTopOfUsage() {
        var u = ai.apprentice.providers.openai.OpenAiCompatibleModelAccess.usage(
                Json.tree("{\"prompt_tokens\":900,\"completion_tokens\":10,\"cached_tokens\":512}"));
        assertThat(u).isEqualTo(new Usage(900, 10, 512, 0, 0));
    }

    @Test
    void openAiReasoningModelsGetEffortAndCompletionTokensAndNoTemperature() throws Exception {
        server.enqueue(text("a"), text("b"));
        var request = new ChatRequest(List.of(Message.system("Be brief."), Message.user("hi")), List.of(ADD), 0.2, 500, null);
        model("openai:o4-mini", "high").chat(request, listener);
        var body = server.requests().getFirst().body();
        assertThat(body.get("reasoning_effort").asText()).isEqualTo("high");
        assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(500);
        assertThat(body.has("max_tokens")).isFalse();
        assertThat(body.has("temperature")).isFalse();
        assertThat(body.has("prompt_cache_key")).as("only api.openai.com gets the key").isFalse();

        model("openai:gpt-4.1-mini", "high").chat(request, listener);
        var plain = server.requests().get(1).body();
        assertThat(plain.get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(plain.get("max_tokens").asInt()).isEqualTo(500);
        assertThat(plain.has("reasoning_effort")).as("not a reasoning model").isFalse();
    }

    @Test
    void onOpenAiItselfTheCacheKeyFollowsToolsAndInstructionsNotTheGrowingHistory() {
        var openai = new ai.apprentice.providers.openai.OpenAiCompatibleModel("openai:gpt-4.1", "gpt-4.1", "https://api.openai.com/v1", "k",
                ProviderSettings.defaults(), ai.apprentice.providers.openai.OpenAiCompatibleModel.Flavor.OPENAI);
        var history = new ArrayList<>(List.of(Message.system("Be brief."), Message.user("one")));
        var first = ai.apprentice.providers.openai.OpenAiCompatibleModelAccess.body(openai, ChatRequest.of(history, List.of(ADD)));
        history.add(Message.assistant("1"));
        history.add(Message.user("two"));
        var later = ai.apprentice.providers.openai.OpenAiCompatibleModelAccess.body(openai, ChatRequest.of(history, List.of(ADD)));
        var otherInstructions = ai.apprentice.providers.openai.OpenAiCompatibleModelAccess.body(openai,
                ChatRequest.of(List.of(Message.system("Be long."), Message.user("one")), List.of(ADD)));
        assertThat(first.get("prompt_cache_key").asText()).startsWith("apprentice-").isEqualTo(later.get("prompt_cache_key").asText())
                .isNotEqualTo(otherInstructions.get("prompt_cache_key").asText());
        var off = new ai.apprentice.providers.openai.OpenAiCompatibleModel("openai:gpt-4.1", "gpt-4.1", "https://api.openai.com/v1", "k",
                ProviderSettings.defaults().withPromptCaching(false), ai.apprentice.providers.openai.OpenAiCompatibleModel.Flavor.OPENAI);
        assertThat(ai.apprentice.providers.openai.OpenAiCompatibleModelAccess.body(off, ChatRequest.of(history, List.of(ADD))).has("prompt_cache_key")).isFalse();
    }

    @Test
    void aReasoningSettingThatIsNeitherAWordNorABudgetIsRefused() {
        assertThatThrownBy(() -> ProviderSettings.defaults().withReasoning("very"))
                .isInstanceOf(ProviderConfigException.class).hasMessageContaining("'very'").hasMessageContaining("1024");
    }

    /** The bytes of a request up to the end of its history: the part the next request must start with. */
    private static byte[] prefix(byte[] raw) {
        var s = new String(raw, StandardCharsets.UTF_8);
        int end = s.lastIndexOf("],\"stream\":true");
        assertThat(end).as("the history ends before the options").isPositive();
        return s.substring(0, end).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void twentyStepsOfARunSendAByteIdenticalPrefix() throws Exception {
        server.simulatePromptCache();
        for (int i = 0; i < 19; i++) server.enqueue(toolCalls(call("read_page", "{\"page\":" + i + "}")));
        server.enqueue(text("All read."));
        var usage = new CopyOnWriteArrayList<Event.UsageEvent>();
        var page = "lorem ipsum dolor sit amet ".repeat(40);
        var result = Agent.builder().model(model("openai:gpt-4.1-mini", null)).instructions("You read pages. " + "Be careful. ".repeat(400))
                .tool(Tools.builder("read_page").description("Reads a page").param("page", "integer", "which")
                        .execute((a, c) -> "page " + a.get("page").asInt() + ": " + page))
                .tool(Tools.builder("clock").description("The time").execute((a, c) -> java.time.Instant.now().toString()))
                .listener(e -> { if (e instanceof Event.UsageEvent u) usage.add(u); })
                .build().run("Read all pages.");
        assertThat(result.answer()).isEqualTo("All read.");
        var requests = server.requests();
        assertThat(requests).hasSize(20);
        for (int i = 1; i < requests.size(); i++) {
            var before = prefix(requests.get(i - 1).raw());
            var now = requests.get(i).raw();
            assertThat(Arrays.copyOf(now, before.length)).as("request " + (i + 1) + " starts with request " + i).isEqualTo(before);
            assertThat(prefix(now).length).isGreaterThan(before.length);
        }
        // The simulated cache, like OpenAI's, then reads nearly all of each step's input.
        assertThat(usage).hasSize(20);
        assertThat(usage.getFirst().cacheReadTokens()).isZero();
        usage.subList(1, 20).forEach(u -> assertThat(u.cacheReadTokens()).as("step " + u.step()).isGreaterThan(u.inputTokens() * 6 / 10));
    }
}
