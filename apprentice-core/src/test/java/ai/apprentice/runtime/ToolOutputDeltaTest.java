package ai.apprentice.runtime;

import static ai.apprentice.model.scripted.ScriptedModel.toolTurn;
import static ai.apprentice.model.scripted.ScriptedModel.turn;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.Tools;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** What a tool prints while it runs reaches listeners as tool_output_delta events of its call, and is never stored. */
class ToolOutputDeltaTest {
    private static final Tool COUNT = Tools.builder("count").description("Counts to three aloud")
            .execute((args, ctx) -> {
                for (int i = 1; i <= 3; i++) ctx.progress().accept(i + "\n");
                return "counted";
            });

    @Test
    void aToolsLiveOutputIsStreamedWithItsCallIdAndNotPersisted() throws Exception {
        var events = new CopyOnWriteArrayList<Event>();
        var agent = Agent.builder().model(ScriptedModel.of(toolTurn(null, "count", "{}"), turn("done"))).tool(COUNT).listener(events::add).build();
        assertThat(agent.run("count").answer()).isEqualTo("done");
        var call = events.stream().filter(e -> e instanceof Event.ToolCallEvent).map(e -> ((Event.ToolCallEvent) e).call().id()).findFirst().orElseThrow();
        var live = events.stream().filter(e -> e instanceof Event.ToolOutputDelta).map(e -> (Event.ToolOutputDelta) e).toList();
        assertThat(live).extracting(Event.ToolOutputDelta::text).containsExactly("1\n", "2\n", "3\n");
        assertThat(live).allSatisfy(d -> {
            assertThat(d.callId()).isEqualTo(call);
            assertThat(d.persistent()).isFalse();
            assertThat(d.step()).isEqualTo(1);
        });
        // Before the result, and with its wire name.
        int lastDelta = events.indexOf(live.getLast());
        int result = List.copyOf(events).indexOf(events.stream().filter(e -> e instanceof Event.ToolResultEvent).findFirst().orElseThrow());
        assertThat(lastDelta).isLessThan(result);
        assertThat(Json.write(live.getFirst())).contains("\"type\":\"tool_output_delta\"");
        assertThat(Json.read(Json.write(live.getFirst()), Event.class)).isEqualTo(live.getFirst());
    }
}
