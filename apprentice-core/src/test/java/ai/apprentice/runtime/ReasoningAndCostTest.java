package ai.apprentice.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelCapabilities;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.PriceTable;
import ai.apprentice.model.Reasoning;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.Usage;
import ai.apprentice.tool.Tools;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ReasoningAndCostTest {
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<ChatRequest> requests = new CopyOnWriteArrayList<>();

    /** Thinks, calls a tool (with cache usage as a provider reports it), then answers. */
    private Model thinker(String id, ModelCapabilities capabilities) {
        return new Model() {
            @Override public String id() { return id; }
            @Override public ModelCapabilities capabilities() { return capabilities; }
            @Override public ChatResponse chat(ChatRequest request, ModelListener listener) {
                requests.add(request);
                listener.onReasoningDelta("I should ");
                listener.onReasoningDelta("look it up.");
                if (requests.size() == 1) {
                    var reasoning = List.of(Reasoning.thinking("I should look it up.", "c2lnbmF0dXJl"), Reasoning.redacted("b3BhcXVl"));
                    return new ChatResponse(Message.assistant("", List.of(new ToolCall(null, "lookup", "{}")), reasoning),
                            new Usage(5_000, 300, 0, 4_800, 250), "tool_use");
                }
                listener.onTextDelta("42");
                return new ChatResponse(Message.assistant("42"), new Usage(5_100, 20, 4_800, 200, 10), "end_turn");
            }
        };
    }

    private Agent.Builder agent(Model model) {
        return Agent.builder().model(model).listener(events::add)
                .tool(Tools.builder("lookup").description("Looks it up").execute((a, c) -> "the answer is 42"));
    }

    @Test
    void reasoningIsStreamedApartKeptWithItsMessageAndSentBack() throws Exception {
        var result = agent(thinker("anthropic:claude-sonnet-4-5", ModelCapabilities.UNKNOWN)).build().run("What is it?");
        assertThat(result.answer()).isEqualTo("42");
        assertThat(events).filteredOn(e -> e instanceof Event.ReasoningDelta).hasSize(4)
                .allSatisfy(e -> assertThat(e.persistent()).isFalse());
        assertThat(events).filteredOn(e -> e instanceof Event.ModelDelta).extracting(e -> ((Event.ModelDelta) e).text()).containsExactly("42");
        // Stored with the step (the run store keeps step_completed), call ids filled in without losing it.
        var stored = events.stream().filter(e -> e instanceof Event.StepCompleted).map(e -> ((Event.StepCompleted) e).messages().getFirst())
                .findFirst().orElseThrow();
        assertThat(stored.reasoning()).containsExactly(Reasoning.thinking("I should look it up.", "c2lnbmF0dXJl"), Reasoning.redacted("b3BhcXVl"));
        assertThat(stored.toolCalls().getFirst().id()).isNotBlank();
        // The second request carries the first reply's reasoning unchanged.
        var sentBack = requests.get(1).messages().stream().filter(m -> !m.reasoning().isEmpty()).toList();
        assertThat(sentBack).containsExactly(stored);
    }

    @Test
    void theRunCostsTheSumOfItsCallsPricedFromReportedCacheUsage() throws Exception {
        var prices = PriceTable.defaults();
        var result = agent(thinker("anthropic:claude-sonnet-4-5", ModelCapabilities.UNKNOWN)).prices(prices).build().run("x");
        var usages = events.stream().filter(e -> e instanceof Event.UsageEvent).map(e -> (Event.UsageEvent) e).toList();
        assertThat(usages).hasSize(2);
        double first = prices.cost("anthropic:claude-sonnet-4-5", new Usage(5_000, 300, 0, 4_800, 250));
        double second = prices.cost("anthropic:claude-sonnet-4-5", new Usage(5_100, 20, 4_800, 200, 10));
        assertThat(usages.get(0).costUsd()).isEqualTo(first);
        assertThat(usages.get(1).costUsd()).isEqualTo(second);
        assertThat(usages.get(1).cacheReadTokens()).isEqualTo(4_800);
        assertThat(usages.get(0).cacheWriteTokens()).isEqualTo(4_800);
        assertThat(usages.get(0).reasoningTokens()).isEqualTo(250);
        assertThat(result.costUsd()).isEqualTo(first + second);
        assertThat(usages).noneMatch(Event.UsageEvent::unpriced);
    }

    @Test
    void aModelWithoutAPriceIsMarkedUnpricedNotFree() throws Exception {
        agent(thinker("qwen:qwen-plus", ModelCapabilities.UNKNOWN)).build().run("x");
        assertThat(events).filteredOn(e -> e instanceof Event.UsageEvent).isNotEmpty()
                .allSatisfy(e -> assertThat(((Event.UsageEvent) e).unpriced()).isTrue());
    }

    @Test
    void theAgentTakesTheContextWindowAndToolSupportFromTheCapabilities() {
        var caps = new ModelCapabilities(false, false, true, false, true, 123_456, 8_192);
        var agent = agent(thinker("x:y", caps)).build();
        assertThat(agent.contextWindow()).isEqualTo(123_456);
        assertThat(agent.model()).isInstanceOf(TextReActModel.class); // no native tools: text-mode ReAct

        var serial = agent(thinker("x:y", new ModelCapabilities(true, false, false, false, false, 0, 0))).build();
        assertThat(serial.maxToolCallsPerReply()).isEqualTo(1);
        assertThat(serial.model()).isNotInstanceOf(TextReActModel.class);
    }
}
