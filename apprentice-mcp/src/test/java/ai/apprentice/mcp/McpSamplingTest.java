package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.PriceTable;
import ai.apprentice.model.Usage;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.Budget;
import ai.apprentice.runtime.Spending;
import ai.apprentice.tool.ToolContext;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real SDK server in a child JVM asks the real client to sample; apprentice's (scripted) model answers once approved. */
@Timeout(120)
class McpSamplingTest {
    private final List<String> shown = new CopyOnWriteArrayList<>();
    private final List<ChatRequest> requests = new CopyOnWriteArrayList<>();

    /** The scripted model, with every request it gets recorded. */
    private Model model(String text) {
        var scripted = ScriptedModel.of(Json.object().put("text", text).set("usage", Json.object().put("input_tokens", 30).put("output_tokens", 12)));
        return new Model() {
            @Override public String id() { return scripted.id(); }
            @Override public ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
                requests.add(request);
                return scripted.chat(request, listener);
            }
        };
    }

    private ModelSampler.Approval terminal(String... answers) {
        var queue = new ArrayDeque<>(List.of(answers));
        return ModelSampler.Approval.terminal(shown::add, prompt -> {
            shown.add(prompt);
            return queue.poll();
        });
    }

    private static McpServerConfig tiny() {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return McpServerConfig.stdio("tiny", java, List.of("-cp", System.getProperty("java.class.path"), TinyServerMain.class.getName(), "sample"), Map.of());
    }

    private static String call(McpSampler sampler, String tool, Spending spending) {
        try (var c = new McpConnection(tiny(), Duration.ofSeconds(60), x -> { }, List.of(), n -> { }, null, null, sampler)) {
            return ((McpSchema.TextContent) c.call(tool, Map.of(), spending).content().get(0)).text();
        }
    }

    @Test
    void anApprovedRequestIsAnsweredByApprenticesModelAndChargedToTheRun() throws Exception {
        var spending = Spending.unlimited("run-1");
        var sampler = new ModelSampler(() -> model("Rain on the tin roof"), PriceTable::defaults, terminal("y"));
        // Through the agent's tool, as a run calls it: the run's spending comes with the tool context.
        var events = new CopyOnWriteArrayList<ai.apprentice.runtime.Event>();
        try (var mcp = new McpClientManager(List.of(tiny()), Duration.ofSeconds(60), List.of(), n -> { }, null, null, null, sampler)) {
            var tool = mcp.tools().stream().filter(t -> t.name().equals("mcp__tiny__sample")).findFirst().orElseThrow();
            var result = tool.execute(Json.object(), new ToolContext("run-1", 3, Path.of("."), 0, spending).withEvents(events::add));
            assertThat(result.error()).isFalse();
            assertThat(result.content()).isEqualTo("SAMPLED scripted:inline END_TURN: Rain on the tin roof");
        }
        var all = String.join("\n", shown);
        assertThat(all).contains("MCP server 'tiny' asks to use apprentice's model").contains("system prompt: You are a poet.")
                .contains("last message (1 in all, user): Write a haiku about \\u001b[2Jrain.").doesNotContain("\u001b")
                .contains("at most 4096 output tokens");
        var request = requests.get(0);
        assertThat(request.messages()).containsExactly(Message.system("You are a poet."), Message.user("Write a haiku about \u001b[2Jrain."));
        assertThat(request.tools()).isEmpty();
        assertThat(request.maxOutputTokens()).as("the server asked for 100000").isEqualTo(ModelSampler.MAX_TOKENS);
        assertThat(spending.usage()).isEqualTo(new Usage(30, 12));
        // Recorded in the run as the agent loop records its own model calls: the call's usage, and the run's totals.
        assertThat(events).singleElement().isInstanceOfSatisfying(ai.apprentice.runtime.Event.UsageEvent.class, u -> {
            assertThat(u.runId()).isEqualTo("run-1");
            assertThat(u.step()).isEqualTo(3);
            assertThat(u.inputTokens()).isEqualTo(30);
            assertThat(u.outputTokens()).isEqualTo(12);
            assertThat(u.totalInputTokens()).isEqualTo(30);
            assertThat(u.totalOutputTokens()).isEqualTo(12);
            assertThat(u.estimated()).isFalse();
        });
    }

    /** Two runs' calls in flight at once on one connection, each run with its own spending and events. */
    private List<String> twoRunsAtOnce(McpSampler sampler, String tool, Spending a, List<ai.apprentice.runtime.Event> eventsA,
                                       Spending b, List<ai.apprentice.runtime.Event> eventsB) throws Exception {
        try (var c = new McpConnection(tiny(), Duration.ofSeconds(60), x -> { }, List.of(), n -> { }, null, null, sampler);
             var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            c.client();
            var first = pool.submit(() -> text(c.call(tool, Map.of(), new ToolContext(a.runId(), 1, Path.of("."), 0, a).withEvents(eventsA::add))));
            var second = pool.submit(() -> text(c.call(tool, Map.of(), new ToolContext(b.runId(), 2, Path.of("."), 0, b).withEvents(eventsB::add))));
            return List.of(first.get(), second.get());
        }
    }

    private static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }

    @Test
    void aRequestThatNamesItsCallIsChargedToThatCallsRunWhileAnotherRunsCallIsInFlight() throws Exception {
        var sampler = new ModelSampler(() -> model("ok"), PriceTable::defaults, (server, request) -> null);
        var a = Spending.unlimited("run-a");
        var b = Spending.unlimited("run-b");
        var eventsA = new CopyOnWriteArrayList<ai.apprentice.runtime.Event>();
        var eventsB = new CopyOnWriteArrayList<ai.apprentice.runtime.Event>();
        assertThat(twoRunsAtOnce(sampler, "pair-token", a, eventsA, b, eventsB)).containsExactly("SAMPLED scripted:inline END_TURN: ok", "SAMPLED scripted:inline END_TURN: ok");
        assertThat(a.usage()).isEqualTo(new Usage(30, 12));
        assertThat(b.usage()).isEqualTo(new Usage(30, 12));
        assertThat(eventsA).singleElement().extracting(ai.apprentice.runtime.Event::runId).isEqualTo("run-a");
        assertThat(eventsB).singleElement().extracting(ai.apprentice.runtime.Event::runId).isEqualTo("run-b");
    }

    @Test
    void whenSeveralRunsCallsAreInFlightAndTheRequestSaysNotWhichItIsRefusedAndNoRunIsCharged() throws Exception {
        var sampler = new ModelSampler(() -> model("no"), PriceTable::defaults, (server, request) -> null);
        var a = Spending.unlimited("run-a");
        var b = Spending.unlimited("run-b");
        var events = new CopyOnWriteArrayList<ai.apprentice.runtime.Event>();
        var results = twoRunsAtOnce(sampler, "pair", a, events, b, events);
        assertThat(results).filteredOn(r -> r.startsWith("ERROR -1 ")).singleElement().asString()
                .contains("calls of several apprentice runs").contains("run-a").contains("run-b").contains("progressToken");
        assertThat(results).contains("WAITED");
        assertThat(requests).isEmpty();
        assertThat(a.usage().total() + b.usage().total()).isZero();
        assertThat(events).isEmpty();
    }

    @Test
    void twoCallsOfOneRunInFlightAreThatRunsCharge() throws Exception {
        var sampler = new ModelSampler(() -> model("ok"), PriceTable::defaults, (server, request) -> null);
        var a = Spending.unlimited("run-a");
        var events = new CopyOnWriteArrayList<ai.apprentice.runtime.Event>();
        assertThat(twoRunsAtOnce(sampler, "pair", a, events, a, events)).containsExactlyInAnyOrder("SAMPLED scripted:inline END_TURN: ok", "WAITED");
        assertThat(a.usage()).isEqualTo(new Usage(30, 12));
        assertThat(events).singleElement().extracting(ai.apprentice.runtime.Event::runId).isEqualTo("run-a");
    }

    @Test
    void withoutApprovalTheServerGetsAnErrorAndNoModelIsCalled() {
        assertThat(call(McpSampler.refusing("the run is in auto mode: a server gets no model calls without a person's approval"), "sample", null))
                .startsWith("ERROR -1 ").contains("sampling request rejected: the run is in auto mode");
        assertThat(call(new ModelSampler(() -> model("no"), PriceTable::defaults, terminal("n")), "sample", null))
                .startsWith("ERROR -1 ").contains("the person declined");
        assertThat(call(new ModelSampler(() -> model("no"), PriceTable::defaults, terminal()), "sample", null))
                .as("input ended").startsWith("ERROR -1 ");
        assertThat(requests).isEmpty();
    }

    @Test
    void anImageIsRefusedWithoutAskingAnyone() {
        assertThat(call(new ModelSampler(() -> model("a cat"), PriceTable::defaults, terminal("y")), "image", null))
                .startsWith("ERROR -32602 ").contains("message 1 is image content; apprentice samples text only");
        assertThat(shown).isEmpty();
        assertThat(requests).isEmpty();
    }

    @Test
    void theRunsBudgetCapsTheReplyAndASpentBudgetRefuses() {
        var sampler = new ModelSampler(() -> model("short"), PriceTable::defaults, (server, request) -> null);
        var budget = Budget.DEFAULT.withMaxTokens(1000);
        var spending = new Spending("run-2", budget, null);
        spending.charge(new Usage(900, 50), 0);
        assertThat(call(sampler, "sample", spending)).isEqualTo("SAMPLED scripted:inline END_TURN: short");
        assertThat(requests.get(0).maxOutputTokens()).isEqualTo(50);
        assertThat(spending.usage().total()).isEqualTo(992);
        assertThat(call(sampler, "sample", spending)).isEqualTo("SAMPLED scripted:inline END_TURN: short");
        assertThat(requests.get(1).maxOutputTokens()).isEqualTo(8);
        assertThat(spending.usage().total()).as("the reply's tokens count even past the limit").isEqualTo(1034);
        assertThat(call(sampler, "sample", spending)).startsWith("ERROR -1 ").contains("the budget of run run-2 is spent");
        assertThat(requests).hasSize(2);
    }

    @Test
    void aReplyCutShortSaysMaxTokens() {
        Model cut = new Model() {
            @Override public String id() { return "test:cut"; }
            @Override public ChatResponse chat(ChatRequest request, ModelListener listener) {
                return new ChatResponse(Message.assistant("Rain on"), new Usage(5, 2), "length");
            }
        };
        assertThat(call(new ModelSampler(() -> cut, PriceTable::defaults, (s, r) -> null), "sample", null)).isEqualTo("SAMPLED test:cut MAX_TOKENS: Rain on");
    }

    /** Configured models for "tiny" whose replies name them; the ones built are recorded. */
    private static ModelSampler.Models configured(List<String> specs, List<String> built) {
        return new ModelSampler.Models() {
            @Override public List<String> configured(String server) { return server.equals("tiny") ? specs : List.of(); }
            @Override public Model build(String spec) {
                built.add(spec);
                return new Model() {
                    @Override public String id() { return spec; }
                    @Override public ChatResponse chat(ChatRequest request, ModelListener listener) {
                        return new ChatResponse(Message.assistant("from " + spec), new Usage(3, 4), "stop");
                    }
                };
            }
        };
    }

    @Test
    void theRequestsHintsPickAModelTheUserConfiguredForThatServerElseTheRunsModel() {
        var built = new CopyOnWriteArrayList<String>();
        // The hints are "claude-3-sonnet" then "mini": the first hint that matches a configured model wins.
        var both = new ModelSampler(() -> model("run's"), PriceTable::defaults, (s, r) -> null,
                configured(List.of("openai:gpt-4.1-mini", "anthropic:Claude-3-Sonnet-20240229"), built));
        var spending = Spending.unlimited("run-h");
        assertThat(call(both, "hinted", spending)).isEqualTo("SAMPLED anthropic:Claude-3-Sonnet-20240229 END_TURN: from anthropic:Claude-3-Sonnet-20240229");
        assertThat(spending.usage()).as("charged to the run all the same").isEqualTo(new Usage(3, 4));
        var second = new ModelSampler(() -> model("run's"), PriceTable::defaults, (s, r) -> null, configured(List.of("openai:gpt-4.1-mini"), built));
        assertThat(call(second, "hinted", null)).isEqualTo("SAMPLED openai:gpt-4.1-mini END_TURN: from openai:gpt-4.1-mini");
        var none = new ModelSampler(() -> model("run's"), PriceTable::defaults, (s, r) -> null, configured(List.of("ollama:llama3"), built));
        assertThat(call(none, "hinted", null)).as("no configured model matches").isEqualTo("SAMPLED scripted:inline END_TURN: run's");
        assertThat(call(both, "sample", null)).as("no hints").isEqualTo("SAMPLED scripted:inline END_TURN: run's");
        assertThat(built).containsExactly("anthropic:Claude-3-Sonnet-20240229", "openai:gpt-4.1-mini");
    }

    @Test
    void hintsAreSubstringsTriedInOrder() {
        var prefs = McpSchema.ModelPreferences.builder().addHint(" ").addHint("SONNET").addHint("gpt").build();
        assertThat(ModelSampler.preferred(prefs, List.of("openai:gpt-4.1", "anthropic:claude-sonnet-4"))).isEqualTo("anthropic:claude-sonnet-4");
        assertThat(ModelSampler.preferred(prefs, List.of("openai:gpt-4.1", "openai:gpt-5"))).isEqualTo("openai:gpt-4.1");
        assertThat(ModelSampler.preferred(prefs, List.of("ollama:llama3"))).isNull();
        assertThat(ModelSampler.preferred(null, List.of("openai:gpt-4.1"))).isNull();
        assertThat(ModelSampler.preferred(prefs, List.of())).isNull();
    }

    private static McpSchema.ModelPreferences priorities(Double cost, Double speed, Double intelligence, String... hints) {
        var b = McpSchema.ModelPreferences.builder().costPriority(cost).speedPriority(speed).intelligencePriority(intelligence);
        for (var h : hints) b.addHint(h);
        return b.build();
    }

    /** Three configured models, rated by the user; the run's own model is Opus (priced, unrated). */
    private static final List<ModelSampler.Rated> RATED = List.of(new ModelSampler.Rated("openai:gpt-4.1", 2.0, 8.0),
            new ModelSampler.Rated("openai:gpt-4.1-mini", 6.0, 5.0), new ModelSampler.Rated("ollama:llama3", 3.0, 2.0));
    private static final String OPUS = "anthropic:claude-opus-4-1";

    @Test
    void withoutAMatchingHintThePrioritiesWeighTheConfiguredModelsAndTheRunsOwn() {
        var prices = PriceTable.defaults();
        assertThat(ModelSampler.choose(priorities(1.0, null, null), RATED, OPUS, prices)).as("cheapest: a local model is free").isEqualTo("ollama:llama3");
        assertThat(ModelSampler.choose(priorities(null, 1.0, null), RATED, OPUS, prices)).as("fastest").isEqualTo("openai:gpt-4.1-mini");
        assertThat(ModelSampler.choose(priorities(null, null, 1.0), RATED, OPUS, prices)).as("most capable").isEqualTo("openai:gpt-4.1");
        // The specification's example weights: cost 0.3, speed 0.8, intelligence 0.5 (and a hint nothing here matches).
        assertThat(ModelSampler.choose(priorities(0.3, 0.8, 0.5, "claude-3-sonnet"), RATED, OPUS, prices)).isEqualTo("openai:gpt-4.1-mini");
        // The run's model competes with what the user says of it, and wins ties.
        var withOwn = new java.util.ArrayList<>(RATED);
        withOwn.add(new ModelSampler.Rated(OPUS, 1.0, 10.0));
        assertThat(ModelSampler.choose(priorities(null, null, 1.0), withOwn, OPUS, prices)).as("the run's own").isNull();
        assertThat(ModelSampler.choose(priorities(null, null, 1.0), List.of(new ModelSampler.Rated("openai:gpt-5", null, 5.0)),
                "openai:gpt-4.1", prices)).as("unrated models score nothing for intelligence").isEqualTo("openai:gpt-5");
        assertThat(ModelSampler.choose(priorities(1.0, null, null), List.of(ModelSampler.Rated.unrated("openai:gpt-5")), "openai:gpt-5-nano", prices))
                .as("the run's model is cheaper").isNull();
        // Nothing to go by: the run's model.
        assertThat(ModelSampler.choose(priorities(0.0, 0.0, 0.0), RATED, OPUS, prices)).as("all priorities 0").isNull();
        assertThat(ModelSampler.choose(priorities(null, null, null), RATED, OPUS, prices)).as("none given").isNull();
        assertThat(ModelSampler.choose(null, RATED, OPUS, prices)).isNull();
        assertThat(ModelSampler.choose(priorities(1.0, 1.0, 1.0), List.of(), OPUS, prices)).as("nothing configured").isNull();
        var unknown = List.of(ModelSampler.Rated.unrated("acme:a"), ModelSampler.Rated.unrated("acme:b"));
        assertThat(ModelSampler.choose(priorities(1.0, 1.0, 1.0), unknown, "acme:own", prices)).as("no prices, no ratings").isNull();
        // A model without a price is not picked as the cheap one; out-of-range priorities are clamped to 0..1.
        assertThat(ModelSampler.choose(priorities(5.0, -1.0, Double.NaN), List.of(ModelSampler.Rated.unrated("acme:unpriced"),
                ModelSampler.Rated.unrated("openai:gpt-4.1")), null, prices)).isEqualTo("openai:gpt-4.1");
    }

    @Test
    void hintsComeBeforePrioritiesWhichChooseAmongTheModelsAHintMatches() {
        var prices = PriceTable.defaults();
        assertThat(ModelSampler.choose(priorities(null, null, 1.0, "llama"), RATED, OPUS, prices)).as("the hint wins").isEqualTo("ollama:llama3");
        assertThat(ModelSampler.choose(priorities(null, 1.0, null, "gpt-4.1"), RATED, OPUS, prices)).as("the faster of two matches").isEqualTo("openai:gpt-4.1-mini");
        assertThat(ModelSampler.choose(priorities(1.0, null, null, "GPT"), RATED, OPUS, prices)).as("the cheaper of two matches").isEqualTo("openai:gpt-4.1-mini");
        assertThat(ModelSampler.choose(priorities(null, null, null, "gpt-4.1"), RATED, OPUS, prices)).as("no priorities: the user's order").isEqualTo("openai:gpt-4.1");
        assertThat(ModelSampler.choose(priorities(null, null, null, "nothing", "mini"), RATED, OPUS, prices)).isEqualTo("openai:gpt-4.1-mini");
    }

    /** Rated models for "tiny" whose replies name them. */
    private static ModelSampler.Models rated(List<ModelSampler.Rated> models, List<String> built) {
        var plain = configured(models.stream().map(ModelSampler.Rated::spec).toList(), built);
        return new ModelSampler.Models() {
            @Override public List<String> configured(String server) { return plain.configured(server); }
            @Override public List<ModelSampler.Rated> rated(String server) { return server.equals("tiny") ? models : List.of(); }
            @Override public Model build(String spec) { return plain.build(spec); }
        };
    }

    private static String call(McpSampler sampler, String tool, Map<String, Object> arguments, Spending spending) {
        try (var c = new McpConnection(tiny(), Duration.ofSeconds(60), x -> { }, List.of(), n -> { }, null, null, sampler)) {
            return text(c.call(tool, arguments, spending));
        }
    }

    @Test
    void aServersPrioritiesPickTheServingModelOverTheWireAndTheRunIsChargedForIt() {
        var built = new CopyOnWriteArrayList<String>();
        var sampler = new ModelSampler(() -> model("run's"), PriceTable::defaults, (s, r) -> null, rated(RATED, built));
        var spending = Spending.unlimited("run-p");
        // The run's model here is the scripted one (local, so free): it is the cheapest.
        assertThat(call(sampler, "prefer", Map.of("cost", 1), spending)).isEqualTo("SAMPLED scripted:inline END_TURN: run's");
        assertThat(call(sampler, "prefer", Map.of("speed", 1, "intelligence", 0.2), spending)).isEqualTo("SAMPLED openai:gpt-4.1-mini END_TURN: from openai:gpt-4.1-mini");
        assertThat(call(sampler, "prefer", Map.of("intelligence", 0.9, "cost", 0.1), spending)).isEqualTo("SAMPLED openai:gpt-4.1 END_TURN: from openai:gpt-4.1");
        assertThat(call(sampler, "prefer", Map.of("hints", List.of("llama"), "intelligence", 1), spending)).isEqualTo("SAMPLED ollama:llama3 END_TURN: from ollama:llama3");
        assertThat(call(sampler, "prefer", Map.of(), spending)).as("no preferences").isEqualTo("SAMPLED scripted:inline END_TURN: run's");
        assertThat(built).containsExactly("openai:gpt-4.1-mini", "openai:gpt-4.1", "ollama:llama3");
        assertThat(spending.usage()).as("every call charged to the run").isEqualTo(new Usage(30 + 3 + 3 + 3 + 30, 12 + 4 + 4 + 4 + 12));
        // Without anything configured the run's model serves whatever the priorities say.
        var plain = new ModelSampler(() -> model("run's"), PriceTable::defaults, (s, r) -> null);
        assertThat(call(plain, "prefer", Map.of("speed", 1, "intelligence", 1), null)).isEqualTo("SAMPLED scripted:inline END_TURN: run's");
    }

    @Test
    void withoutASamplerTheCapabilityIsNotDeclared() {
        assertThat(call(null, "sample", null)).isEqualTo("NOT DECLARED");
    }
}
