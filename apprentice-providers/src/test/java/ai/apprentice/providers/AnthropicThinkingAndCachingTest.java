package ai.apprentice.providers;

import static ai.apprentice.testkit.MockReply.call;
import static ai.apprentice.testkit.MockReply.raw;
import static ai.apprentice.testkit.MockReply.sse;
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
import ai.apprentice.runtime.Agent;
import ai.apprentice.testkit.MockAnthropicServer;
import ai.apprentice.testkit.MockReply;
import ai.apprentice.tool.Tools;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Extended thinking and prompt caching against a mock that speaks the Messages API's documented stream. */
@Timeout(60)
class AnthropicThinkingAndCachingTest {
    final MockAnthropicServer server = new MockAnthropicServer();
    final List<String> text = new CopyOnWriteArrayList<>();
    final List<String> thoughts = new CopyOnWriteArrayList<>();
    final ModelListener listener = new ModelListener() {
        @Override public void onTextDelta(String t) { text.add(t); }
        @Override public void onReasoningDelta(String t) { thoughts.add(t); }
    };

    static final String SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds+signature==";
    static final String REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP+redacted==";
    static final ToolSpec WEATHER = new ToolSpec("weather", "The weather in a city",
            Json.tree("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}"));

    @AfterEach
    void stop() {
        server.close();
    }

    private Model model(String reasoning) {
        var settings = new ProviderSettings(null, null, RetryPolicy.NONE, null, Duration.ofSeconds(10), Map.of()).withReasoning(reasoning);
        return Providers.resolve("anthropic:claude-sonnet-4-5", settings,
                Map.of("ANTHROPIC_API_KEY", "sk-ant-test", "ANTHROPIC_BASE_URL", server.baseUrl())::get);
    }

    private static String json(String s) {
        return s.replace('\'', '"');
    }

    /** Thinking, redacted thinking and a tool call, streamed as the extended-thinking documentation shows. */
    private static MockReply thinkingThenToolUse() {
        return raw(
                sse("message_start", json("{'type':'message_start','message':{'id':'msg_1','role':'assistant','usage':"
                        + "{'input_tokens':2100,'cache_creation_input_tokens':0,'cache_read_input_tokens':1800,'output_tokens':1}}}")),
                sse("content_block_start", json("{'type':'content_block_start','index':0,'content_block':{'type':'thinking','thinking':''}}")),
                sse("content_block_delta", json("{'type':'content_block_delta','index':0,'delta':{'type':'thinking_delta','thinking':'The user wants '}}")),
                sse("content_block_delta", json("{'type':'content_block_delta','index':0,'delta':{'type':'thinking_delta','thinking':'the weather.'}}")),
                sse("content_block_delta", json("{'type':'content_block_delta','index':0,'delta':{'type':'signature_delta','signature':'" + SIGNATURE + "'}}")),
                sse("content_block_stop", json("{'type':'content_block_stop','index':0}")),
                sse("content_block_start", json("{'type':'content_block_start','index':1,'content_block':{'type':'redacted_thinking','data':'" + REDACTED + "'}}")),
                sse("content_block_stop", json("{'type':'content_block_stop','index':1}")),
                sse("content_block_start", json("{'type':'content_block_start','index':2,'content_block':{'type':'tool_use','id':'toolu_01','name':'weather','input':{}}}")),
                sse("content_block_delta", json("{'type':'content_block_delta','index':2,'delta':{'type':'input_json_delta','partial_json':'{\\\"city\\\": \\\"Paris\\\"}'}}")),
                sse("content_block_stop", json("{'type':'content_block_stop','index':2}")),
                sse("message_delta", json("{'type':'message_delta','delta':{'stop_reason':'tool_use'},'usage':{'output_tokens':180}}")),
                sse("message_stop", json("{'type':'message_stop'}")));
    }

    @Test
    void thinkingIsStreamedApartAndItsBlocksGoBackUnchangedWithTheToolResult() throws Exception {
        server.enqueue(thinkingThenToolUse(), text("Sunny in Paris."));
        var model = model("medium");
        var history = new ArrayList<>(List.of(Message.system("You report the weather."), Message.user("Weather in Paris?")));
        var first = model.chat(new ChatRequest(history, List.of(WEATHER), 0.2, null, null), listener);

        assertThat(first.message().text()).isEmpty();
        assertThat(String.join("", thoughts)).isEqualTo("The user wants the weather.");
        assertThat(text).isEmpty();
        assertThat(first.message().reasoning()).containsExactly(
                Reasoning.thinking("The user wants the weather.", SIGNATURE), Reasoning.redacted(REDACTED));
        assertThat(first.message().toolCalls().getFirst().arguments()).isEqualTo("{\"city\": \"Paris\"}");
        assertThat(first.usage()).isEqualTo(new Usage(3_900, 180, 1_800, 0, 0));

        var sent = server.requests().getFirst().body();
        assertThat(sent.at("/thinking/type").asText()).isEqualTo("enabled");
        assertThat(sent.at("/thinking/budget_tokens").asInt()).isEqualTo(8192);
        assertThat(sent.get("max_tokens").asInt()).isGreaterThan(8192);
        assertThat(sent.has("temperature")).as("thinking does not allow a temperature").isFalse();

        history.add(first.message());
        history.add(Message.toolResult("toolu_01", "weather", "sunny, 24 C"));
        var second = model.chat(ChatRequest.of(history, List.of(WEATHER)), listener);
        assertThat(second.message().text()).isEqualTo("Sunny in Paris.");

        var assistant = server.requests().get(1).body().at("/messages/1");
        assertThat(assistant.path("role").asText()).isEqualTo("assistant");
        var content = assistant.path("content");
        assertThat(content.get(0)).isEqualTo(Json.tree(json("{'type':'thinking','thinking':'The user wants the weather.','signature':'" + SIGNATURE + "'}")));
        assertThat(content.get(1)).isEqualTo(Json.tree(json("{'type':'redacted_thinking','data':'" + REDACTED + "'}")));
        assertThat(content.get(2).path("type").asText()).isEqualTo("tool_use");
        assertThat(content.get(2).path("id").asText()).isEqualTo("toolu_01");
    }

    @Test
    void withoutAReasoningSettingNoThinkingIsAskedFor() throws Exception {
        server.enqueue(text("hi"));
        model(null).chat(new ChatRequest(List.of(Message.user("hi")), List.of(), 0.3, null, null), listener);
        var sent = server.requests().getFirst().body();
        assertThat(sent.has("thinking")).isFalse();
        assertThat(sent.get("temperature").asDouble()).isEqualTo(0.3);
    }

    private static List<JsonNode> breakpoints(JsonNode body) {
        var found = new ArrayList<JsonNode>();
        collect(body, found);
        return found;
    }

    private static void collect(JsonNode node, List<JsonNode> found) {
        if (node.has("cache_control")) found.add(node);
        node.forEach(child -> collect(child, found));
    }

    @Test
    void breakpointsMarkToolsSystemAndTheNewestUserTurnsAndNeverExceedFour() throws Exception {
        server.enqueue(text("done"));
        var history = List.of(Message.system("Stable instructions."), Message.user("one"), Message.assistant("a"),
                Message.user("two"), Message.assistant("b"), Message.user("three"));
        model(null).chat(ChatRequest.of(history, List.of(WEATHER, new ToolSpec("clock", "The time", Json.tree("{\"type\":\"object\"}")))), listener);
        var body = server.requests().getFirst().body();
        assertThat(breakpoints(body)).hasSize(4).allSatisfy(b -> assertThat(b.at("/cache_control/type").asText()).isEqualTo("ephemeral"));
        assertThat(body.at("/tools/1/cache_control").isObject()).as("the last tool").isTrue();
        assertThat(body.at("/tools/0/cache_control").isMissingNode()).isTrue();
        assertThat(body.at("/system/0/cache_control").isObject()).isTrue();
        assertThat(body.at("/messages/4/content/0/cache_control").isObject()).as("the newest user turn").isTrue();
        assertThat(body.at("/messages/2/content/0/cache_control").isObject()).as("the user turn before").isTrue();
        assertThat(body.at("/messages/0/content/0/cache_control").isMissingNode()).isTrue();
    }

    @Test
    void cachingCanBeTurnedOff() throws Exception {
        server.enqueue(text("done"));
        var settings = new ProviderSettings(null, null, RetryPolicy.NONE, null, Duration.ofSeconds(10), Map.of()).withPromptCaching(false);
        var model = Providers.resolve("anthropic:claude-sonnet-4-5", settings, Map.of("ANTHROPIC_API_KEY", "k", "ANTHROPIC_BASE_URL", server.baseUrl())::get);
        model.chat(ChatRequest.of(List.of(Message.system("s"), Message.user("u")), List.of(WEATHER)), listener);
        var body = server.requests().getFirst().body();
        assertThat(breakpoints(body)).isEmpty();
        assertThat(body.get("system").asText()).isEqualTo("s");
    }

    @Test
    void anAgentRunOfTwentyStepsReadsItsPrefixFromTheCacheWithinTheBreakpointLimit() throws Exception {
        server.simulatePromptCache();
        for (int i = 0; i < 19; i++) server.enqueue(toolCalls(call("read_page", "{\"page\":" + i + "}")));
        server.enqueue(text("All pages read."));
        var page = "lorem ipsum dolor sit amet ".repeat(60); // ~400 tokens a result
        var usage = new CopyOnWriteArrayList<ai.apprentice.runtime.Event.UsageEvent>();
        var result = Agent.builder().model(model(null)).instructions("You read pages. " + "Be thorough. ".repeat(400))
                .listener(e -> { if (e instanceof ai.apprentice.runtime.Event.UsageEvent u) usage.add(u); })
                .tool(Tools.builder("read_page").description("Reads a page").param("page", "integer", "which")
                        .execute((a, c) -> "page " + a.get("page").asInt() + ": " + page))
                .build().run("Read all pages.");
        assertThat(result.answer()).isEqualTo("All pages read.");
        var requests = server.requests();
        assertThat(requests).hasSize(20);
        requests.forEach(r -> assertThat(breakpoints(r.body()).size()).isBetween(1, 4));
        assertThat(usage).hasSize(20);
        assertThat(usage.getFirst().cacheReadTokens()).isZero();
        assertThat(usage.getFirst().cacheWriteTokens()).as("the first step writes the prefix").isGreaterThan(1000);
        // From the second step on, all the previous step sent is read from the cache; only the new turns are written.
        for (int i = 1; i < 20; i++) {
            var u = usage.get(i);
            assertThat(u.cacheReadTokens()).as("step " + u.step()).isEqualTo(usage.get(i - 1).inputTokens());
            assertThat(u.cacheReadTokens() + u.cacheWriteTokens()).isEqualTo(u.inputTokens());
        }
        assertThat(usage.getLast().cacheReadTokens()).isGreaterThan(usage.getLast().inputTokens() * 9 / 10);
    }
}
