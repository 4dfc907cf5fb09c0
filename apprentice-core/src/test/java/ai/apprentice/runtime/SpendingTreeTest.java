package ai.apprentice.runtime;

import static ai.apprentice.model.scripted.ScriptedModel.toolTurn;
import static ai.apprentice.model.scripted.ScriptedModel.turn;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.Price;
import ai.apprentice.model.PriceTable;
import ai.apprentice.model.Usage;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolContext;
import ai.apprentice.tool.Tools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SpendingTreeTest {
    private static final PriceTable PRICES = new PriceTable().put("scripted:inline", new Price(1000, 0)); // $1 a call

    private static JsonNode priced(JsonNode turn) {
        ((ObjectNode) turn).putObject("usage").put("input_tokens", 1000).put("output_tokens", 0);
        return turn;
    }

    private static final Tool ADD = Tools.builder("add").description("Adds two integers")
            .param("a", "integer", "first").param("b", "integer", "second")
            .execute((args, ctx) -> String.valueOf(args.get("a").asLong() + args.get("b").asLong()));

    @Test
    void aChildStopsAtItsParentsCostBudgetAndTheParentSeesTheChildsSpend() throws Exception {
        var events = new CopyOnWriteArrayList<Event>();
        var loop = new JsonNode[20];
        for (int i = 0; i < loop.length; i++) loop[i] = priced(toolTurn(null, "add", "{\"a\":1,\"b\":1}"));
        // The child's own budget is unlimited: only the parent's can stop it.
        var child = Agent.builder().model(ScriptedModel.of(loop)).tool(ADD).prices(PRICES).listener(events::add).build();
        var childResult = new AtomicReference<RunResult>();
        var remaining = new CopyOnWriteArrayList<Object>();
        var spawn = Tools.builder("spawn").description("starts a subagent").execute((args, ctx) -> {
            remaining.addAll(List.of(ctx.remainingSteps(), ctx.remainingTokens(), ctx.remainingCostUsd()));
            var r = child.startChild("child-1", "loop", ctx).await();
            childResult.set(r);
            return r.stopReason();
        });
        double max = 3.5;
        var parent = Agent.builder().model(ScriptedModel.of(priced(toolTurn(null, "spawn", "{}")), priced(turn("done"))))
                .tool(spawn).prices(PRICES).budget(Budget.DEFAULT.withMaxSteps(10).withMaxCostUsd(max)).listener(events::add).build();
        var result = parent.start("parent-1", "delegate", null).await();

        // What the parent had left when it started the child: $1 of $3.5 went on its first call.
        assertThat(remaining).containsExactly(9, Long.MAX_VALUE, 2.5);

        var c = childResult.get();
        assertThat(c.status()).isEqualTo(RunStatus.FAILED);
        assertThat(c.stopReason()).isEqualTo("max_cost");
        assertThat(c.error()).contains("parent run parent-1");
        assertThat(c.costUsd()).isEqualTo(3.0); // its own three calls

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.stopReason()).isEqualTo("max_cost");
        assertThat(result.error()).startsWith("Cost budget exhausted");
        assertThat(result.steps()).isEqualTo(1); // stopped at the check after the step that ran the child
        assertThat(result.costUsd()).isEqualTo(4.0).isLessThanOrEqualTo(max + 1.0); // the tree's total
        assertThat(result.usage()).isEqualTo(new Usage(4000, 0));

        var started = events.stream().filter(e -> e instanceof Event.RunStarted s && "child-1".equals(s.runId())).findFirst();
        assertThat(started).get().extracting(e -> ((Event.RunStarted) e).parentId()).isEqualTo("parent-1");
        var finished = events.stream().filter(e -> e instanceof Event.RunFinished f && f.runId().equals("parent-1")).toList();
        assertThat(finished).singleElement().extracting(e -> ((Event.RunFinished) e).costUsd()).isEqualTo(4.0);
    }

    @Test
    void limitsAndRemaindersFollowTheChain() {
        var root = new Spending("root", Budget.DEFAULT.withMaxTokens(1000), null);
        var mid = root.child("mid", Budget.DEFAULT.withMaxCostUsd(2));
        var leaf = mid.child("leaf", Budget.DEFAULT);
        leaf.charge(new Usage(600, 0), 1.5);
        assertThat(root.usage().total()).isEqualTo(600);
        assertThat(mid.costUsd()).isEqualTo(1.5);
        assertThat(leaf.remainingTokens()).isEqualTo(400);
        assertThat(leaf.remainingCostUsd()).isEqualTo(0.5);
        assertThat(leaf.exhausted()).isNull();
        leaf.charge(new Usage(500, 0), 0.1);
        assertThat(leaf.remainingTokens()).isZero();
        assertThat(leaf.exhausted().stopReason()).isEqualTo("max_tokens");
        assertThat(leaf.exhausted().message()).contains("ancestor run root");
        assertThat(mid.exhausted().message()).contains("parent run root");
        assertThat(new ToolContext("r", 1, java.nio.file.Path.of(".")).remainingCostUsd()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(List.of(root.remainingTokens(), new ToolContext("r", 3, java.nio.file.Path.of(".")).remainingSteps()))
                .containsExactly(0L, Integer.MAX_VALUE);
    }
}
