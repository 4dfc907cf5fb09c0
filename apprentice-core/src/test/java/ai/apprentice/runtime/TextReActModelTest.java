package ai.apprentice.runtime;

import static ai.apprentice.model.scripted.ScriptedModel.turn;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Role;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.tool.Tools;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class TextReActModelTest {
    @Test
    void parsesActionsAndFinalAnswers() {
        var action = TextReActModel.parse("Thought: add them\nAction: {\"tool\": \"add\", \"arguments\": {\"a\": 1, \"b\": {\"c\": \"}\"}}}\nObservation: 5");
        assertThat(action.toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("add");
            assertThat(c.arguments()).isEqualTo("{\"a\":1,\"b\":{\"c\":\"}\"}}");
        });
        assertThat(action.content()).doesNotContain("Observation");
        assertThat(TextReActModel.parse("Thought: easy\nFinal Answer: 42").content()).isEqualTo("42");
        assertThat(TextReActModel.parse("just text").content()).isEqualTo("just text");
        var broken = TextReActModel.parse("Action: {\"tool\": \"add\", \"arguments\": {\"a\": 1,");
        assertThat(broken.toolCalls().getFirst().name()).isEqualTo("add");
    }

    @Test
    void runsToolsThroughTextForModelsWithoutNativeToolCalling() throws Exception {
        var seen = new CopyOnWriteArrayList<List<Message>>();
        var script = new ScriptedModel("scripted:text", List.of(
                turn("Thought: I should add.\nAction: {\"tool\": \"add\", \"arguments\": {\"a\": 20, \"b\": 22}}"),
                turn("Thought: got it\nFinal Answer: 42")), false);
        var scripted = new Model() {
            @Override public String id() { return script.id(); }
            @Override public boolean supportsNativeTools() { return false; }

            @Override
            public ChatResponse chat(ChatRequest r, ModelListener l) throws InterruptedException {
                assertThat(r.tools()).isEmpty();
                assertThat(r.stop()).contains("Observation:");
                seen.add(r.messages());
                return script.chat(r, l);
            }
        };
        var add = Tools.builder("add").description("adds").param("a", "integer", "").param("b", "integer", "")
                .execute((a, c) -> String.valueOf(a.get("a").asInt() + a.get("b").asInt()));
        var result = Agent.builder().model(scripted).tool(add).build().run("add 20 and 22");
        assertThat(result.answer()).isEqualTo("42");
        assertThat(seen.getFirst().getFirst().content()).contains("Action:").contains("add");
        assertThat(seen.get(1)).last().satisfies(m -> {
            assertThat(m.role()).isEqualTo(Role.USER);
            assertThat(m.content()).isEqualTo("Observation: 42");
        });
    }
}
