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
        try (var mcp = new McpClientManager(List.of(tiny()), Duration.ofSeconds(60), List.of(), n -> { }, null, null, null, sampler)) {
            var tool = mcp.tools().stream().filter(t -> t.name().equals("mcp__tiny__sample")).findFirst().orElseThrow();
            var result = tool.execute(Json.object(), new ToolContext("run-1", 1, Path.of("."), 0, spending));
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

    @Test
    void withoutASamplerTheCapabilityIsNotDeclared() {
        assertThat(call(null, "sample", null)).isEqualTo("NOT DECLARED");
    }
}
