package ai.apprentice.learn.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.json.Json;
import ai.apprentice.model.Message;
import ai.apprentice.model.ToolCall;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The small parts: times on the command line, the split by task, cleaning and comparing conversations. */
class DatasetPartsTest {
    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    @Test
    void sinceTakesDatesInstantsAndAges() {
        assertThat(TimeSpec.parse("2026-11-01", NOW)).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(TimeSpec.parse("2026-11-01T08:30:00Z", NOW)).isEqualTo(Instant.parse("2026-11-01T08:30:00Z"));
        assertThat(TimeSpec.parse("2026-11-01T08:30:00+01:00", NOW)).isEqualTo(Instant.parse("2026-11-01T07:30:00Z"));
        assertThat(TimeSpec.parse("2026-11-01T08:30", NOW)).isEqualTo(Instant.parse("2026-11-01T08:30:00Z"));
        assertThat(TimeSpec.parse("7d", NOW)).isEqualTo(Instant.parse("2026-11-24T12:00:00Z"));
        assertThat(TimeSpec.parse("12h", NOW)).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(TimeSpec.parse("30m", NOW)).isEqualTo(Instant.parse("2026-12-01T11:30:00Z"));
        assertThat(TimeSpec.parse("2w", NOW)).isEqualTo(Instant.parse("2026-11-17T12:00:00Z"));
        assertThatThrownBy(() -> TimeSpec.parse("last week", NOW)).hasMessageContaining("'last week' is not a time")
                .hasMessageContaining("7d");
        assertThatThrownBy(() -> TimeSpec.parse("7y", NOW)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSplitIsStableSeededAndNearTheFraction() {
        int held = 0;
        for (int i = 0; i < 2000; i++) {
            String task = "textworld:test/" + i;
            boolean v = TaskSplit.validation(task, 0.1, 7);
            assertThat(TaskSplit.validation(task, 0.1, 7)).isEqualTo(v);
            if (v) held++;
            // A task held out at 10% is held out at 20% too: raising the fraction only moves tasks into validation.
            if (v) assertThat(TaskSplit.validation(task, 0.2, 7)).isTrue();
        }
        assertThat(held).isBetween(150, 250);
        int differ = 0;
        for (int i = 0; i < 200; i++) if (TaskSplit.validation("t" + i, 0.5, 1) != TaskSplit.validation("t" + i, 0.5, 2)) differ++;
        assertThat(differ).as("another seed, another split").isGreaterThan(50);
        assertThat(TaskSplit.validation("any", 0, 0)).isFalse();
        assertThat(TaskSplit.validation("any", 1, 0)).isTrue();
    }

    @Test
    void cleaningDropsEmptyRepliesWithTheirNudgeAndEndsOnTheAssistantsTurn() {
        var history = List.of(Message.system("rules"), Message.user("task"), Message.assistant(""),
                Message.user("Your last reply was empty."), Message.assistant("", List.of(new ToolCall("c1", "act", "{}"))),
                Message.toolResult("c1", "act", "ok"), Message.assistant("done"), Message.user("thanks, one more thing"));
        assertThat(Conversations.clean(history)).extracting(Message::text).containsExactly("rules", "task", "", "ok", "done");
        // An episode that ended on a tool call keeps the call's result, not what came after.
        var endedOnCall = List.of(Message.user("task"), Message.assistant("", List.of(new ToolCall("c1", "act", "{}"))),
                Message.toolResult("c1", "act", "you win"), Message.user("###STOP###"));
        assertThat(Conversations.clean(endedOnCall)).extracting(Message::text).containsExactly("task", "", "you win");
    }

    @Test
    void conversationsAreComparedWithoutCallIdsAndWithArgumentsAsJson() {
        var a = List.of(Message.user("go"), Message.assistant("", List.of(new ToolCall("x1", "act", "{\"a\": 1, \"b\": 2}"))),
                Message.toolResult("x1", "act", "ok"), Message.assistant("yes"));
        var b = List.of(Message.user("go"), Message.assistant("", List.of(new ToolCall("y7", "act", "{\"b\":2,\"a\":1}"))),
                Message.toolResult("y7", "act", "ok"), Message.assistant("no"));
        assertThat(Conversations.commonPrefix(a, b)).isEqualTo(3);
        assertThat(Conversations.promptHash(a)).isEqualTo(Conversations.promptHash(b)).startsWith("prompt:");
        assertThat(Conversations.promptHash(List.of(Message.user("other")))).isNotEqualTo(Conversations.promptHash(a));
        assertThat(Conversations.hasMalformedArguments(List.of(Message.assistant("", List.of(new ToolCall("c", "f", "[1]")))))).isTrue();
    }

    @Test
    void anUnknownFormatListsTheKnownOnes() {
        assertThat(DatasetFormat.of("trl-kto")).isEqualTo(DatasetFormat.TRL_KTO);
        assertThatThrownBy(() -> DatasetFormat.of("jsonl")).hasMessage(
                "Unknown dataset format 'jsonl': use one of openai-sft, openai-dpo, trl-sft, trl-dpo, trl-kto");
        assertThatThrownBy(() -> DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT).withValidFraction(1.5))
                .hasMessageContaining("between 0 and 1");
    }

    @Test
    void toolDefinitionsAreLookedUpInTheEnvironmentOfTheRewardsTaskAndAmongTheStandardTools() {
        var environments = ToolCatalog.environments(null);
        var act = environments.find("textworld:test/0", "act");
        assertThat(act).isNotNull();
        assertThat(act.description()).startsWith("Do one thing in the game");
        assertThat(act.parameters().at("/properties").isObject()).isTrue();
        assertThat(environments.find("sql:test/2", "run_query")).isNotNull();
        assertThat(environments.find("textworld:test/0", "run_query")).isNull();
        assertThat(environments.find("no-such-env:test/0", "act")).isNull();
        assertThat(environments.find(null, "act")).isNull();
        var both = environments.orElse(ToolCatalog.standardTools());
        assertThat(both.find(null, "read_file").description()).contains("Read a text file");
        assertThat(both.find("textworld:test/0", "act")).isEqualTo(act);
    }

    @Test
    void anInferredSchemaHasEachArgumentWithItsType() {
        var schema = ChatJson.inferSchema(List.of(Json.tree("{\"n\": 1, \"s\": \"x\", \"m\": 1}"), Json.tree("{\"n\": 2.5, \"m\": \"y\"}")));
        assertThat(schema).isEqualTo(Json.tree("""
                {"type": "object", "properties": {"n": {"type": "number"}, "s": {"type": "string"}, "m": {}}}"""));
    }
}
