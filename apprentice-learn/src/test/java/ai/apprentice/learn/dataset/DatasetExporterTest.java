package ai.apprentice.learn.dataset;

import static ai.apprentice.learn.dataset.DatasetFixtures.DB_PASSWORD;
import static ai.apprentice.learn.dataset.DatasetFixtures.OPENAI_KEY;
import static ai.apprentice.learn.dataset.DatasetFixtures.T0;
import static ai.apprentice.learn.dataset.DatasetFixtures.feedback;
import static ai.apprentice.learn.dataset.DatasetFixtures.problems;
import static ai.apprentice.learn.dataset.DatasetFixtures.reward;
import static ai.apprentice.learn.dataset.DatasetFixtures.run;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.ToolSpec;
import ai.apprentice.redact.Redactor;
import ai.apprentice.store.RunStore;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class DatasetExporterTest {
    static final String GAME = "You play a text game. Act with the act tool, then say what you did.";
    static final String HELPER = "You are apprentice. Answer concisely.";

    @TempDir Path dir;
    RunStore store;

    /** Runs of five tasks, as evaluations and people left them (see each line). */
    @BeforeEach
    void writeRuns() {
        // The store redacts only by shape here: the value of DB_PASSWORD reaches the log, and only the exporter knows it.
        store = RunStore.open(dir.resolve("apprentice.db"), Redactor.PATTERNS);
        // textworld:test/1: two trials sharing the instructions and the task, differing at their first tool call.
        run(store, "a-win", T0, GAME, "Open the chest.")
                .call("act", "{\"command\": \"open chest\"}", "The chest opens. The note inside reads " + DB_PASSWORD + ".")
                .answer("I opened the chest.");
        reward(store, "a-win", 1, "textworld:test/1");
        run(store, "a-lose", T0.plusSeconds(60), GAME, "Open the chest.")
                .call("act", "{\"command\": \"go north\"}", "You walk north.").answer("I went north.");
        reward(store, "a-lose", 0, "textworld:test/1");
        // textworld:test/2: the same tool call and result, then different answers (text); a third trial repeats the first.
        run(store, "b-win", T0.plusSeconds(120), GAME, "Take the key.")
                .call("act", "{\"command\": \"take key\"}", "Taken. The key is engraved " + OPENAI_KEY).answer("I have the key.");
        reward(store, "b-win", 1, "textworld:test/2");
        run(store, "b-lose", T0.plusSeconds(180), GAME, "Take the key.")
                .call("act", "{\"command\":\"take key\"}", "Taken. The key is engraved " + OPENAI_KEY).answer("There is no key.");
        reward(store, "b-lose", 0, "textworld:test/2");
        run(store, "b-again", T0.plusSeconds(240), GAME, "Take the key.")
                .call("act", "{\"command\": \"take key\"}", "Taken. The key is engraved " + OPENAI_KEY).answer("I have the key.");
        reward(store, "b-again", 1, "textworld:test/2");
        // sql:test/0: another environment.
        run(store, "c-sql", T0.plusSeconds(300), "Answer with SQL.", "How many users are there?")
                .call("run_query", "{\"sql\": \"SELECT count(*) FROM users\"}", "count(*)\n3").answer("There are 3 users.");
        reward(store, "c-sql", 1, "sql:test/0");
        // Runs from the terminal that people rated: no task name, the same request twice.
        run(store, "f-good", T0.plusSeconds(360), HELPER, "Summarise notes.md").answer("Notes: the build uses Maven.");
        feedback(store, "f-good", "good", null);
        run(store, "f-bad", T0.plusSeconds(420), HELPER, "Summarise notes.md").answer("I cannot read files.");
        feedback(store, "f-bad", "bad", null);
        run(store, "f-score", T0.plusSeconds(480), HELPER, "Count the files").say("Which folder?", "This one.").answer("There are 12 files.");
        feedback(store, "f-score", null, 0.4);
        // Left out: no verdict; tool arguments that are not JSON.
        run(store, "unrated", T0.plusSeconds(540), HELPER, "Hello").answer("Hi.");
        run(store, "malformed", T0.plusSeconds(600), GAME, "Light the lamp.").call("act", "{command: lamp", "Unknown.").answer("Done.");
        reward(store, "malformed", 1, "textworld:test/6");
        // A year older than the rest.
        run(store, "old-win", Instant.parse("2025-11-01T09:00:00Z"), GAME, "Drop the sword.")
                .call("act", "{\"command\": \"drop sword\"}", "Dropped.").answer("I dropped the sword.");
        reward(store, "old-win", 1, "textworld:test/5");
    }

    @AfterEach
    void close() {
        store.close();
    }

    private Dataset export(DatasetExporter.Options options) {
        return new DatasetExporter(store, Redactor.of(Map.of("DB_PASSWORD", DB_PASSWORD)), ToolCatalog.none()).export(options);
    }

    private Dataset export(DatasetFormat format) {
        return export(DatasetExporter.Options.of(format).withValidFraction(0));
    }

    private static List<JsonNode> lines(Dataset d) {
        return Stream.concat(d.train().stream(), d.valid().stream()).map(Json::tree).toList();
    }

    private static String firstUser(JsonNode messages) {
        for (var m : messages) if (m.get("role").asText().equals("user")) return m.get("content").asText();
        throw new AssertionError("no user message in " + messages);
    }

    @Test
    void everyLineOfEveryFormatValidatesAgainstItsSchemaAndHoldsNoSecret() {
        // The secrets are in the log: the store kept the environment value, and redacted the key by its shape.
        assertThat(Json.write(store.events("a-win"))).contains(DB_PASSWORD);
        assertThat(Json.write(store.events("b-win"))).doesNotContain(OPENAI_KEY).contains("[REDACTED:openai-key]");
        for (var format : DatasetFormat.values()) {
            var d = export(DatasetExporter.Options.of(format).withValidFraction(0.5));
            assertThat(lines(d)).as(format.wireName()).isNotEmpty();
            for (var line : lines(d)) {
                assertThat(problems(format, line)).as(format.wireName() + ": " + line).isEmpty();
                assertThat(line.toString()).doesNotContain(DB_PASSWORD).doesNotContain(OPENAI_KEY).doesNotContain("sk-proj");
            }
            if (format == DatasetFormat.OPENAI_SFT || format == DatasetFormat.TRL_KTO) {
                assertThat(String.join("\n", d.train()) + String.join("\n", d.valid())).contains("[REDACTED:env:DB_PASSWORD]");
            }
        }
    }

    @Test
    void openAiSftHasOneLinePerSuccessfulTrajectoryWithToolCallsAsJsonStringsAndTheirResults() {
        var d = export(DatasetFormat.OPENAI_SFT);
        // a-win, b-win (b-again is the same line), c-sql, f-good, old-win; not the losers, the unrated or the malformed.
        assertThat(lines(d)).extracting(l -> firstUser(l.get("messages")))
                .containsExactly("Drop the sword.", "Open the chest.", "Take the key.", "How many users are there?", "Summarise notes.md");
        assertThat(d.duplicates()).isEqualTo(1);
        assertThat(d.skipped()).containsEntry("no_reward", 1).containsEntry("malformed_tool_arguments", 1)
                .containsEntry("below_min_reward", 4); // a-lose, b-lose, f-bad, f-score (0.4)
        var chest = lines(d).get(1);
        var messages = chest.get("messages");
        assertThat(messages).extracting(m -> m.get("role").asText()).containsExactly("system", "user", "assistant", "tool", "assistant");
        var call = messages.get(2).get("tool_calls").get(0);
        assertThat(call.get("type").asText()).isEqualTo("function");
        assertThat(call.at("/function/name").asText()).isEqualTo("act");
        assertThat(call.at("/function/arguments").isTextual()).isTrue();
        assertThat(Json.tree(call.at("/function/arguments").asText())).isEqualTo(Json.object().put("command", "open chest"));
        assertThat(messages.get(3).get("tool_call_id").asText()).isEqualTo(call.get("id").asText());
        assertThat(messages.get(3).get("content").asText()).startsWith("The chest opens.").contains("[REDACTED:env:DB_PASSWORD]");
        assertThat(messages.get(4).get("content").asText()).isEqualTo("I opened the chest.");
        // No definition known: inferred from the calls, and said so.
        assertThat(chest.at("/tools/0/function/name").asText()).isEqualTo("act");
        assertThat(chest.at("/tools/0/function/parameters/properties/command/type").asText()).isEqualTo("string");
        assertThat(d.inferredTools()).containsExactly("act", "run_query");
        // A run without tool calls has no tools.
        assertThat(lines(d).get(4).has("tools")).isFalse();
    }

    @Test
    void trlSftHasToolArgumentsAsObjectsNamedToolResultsAndKnownToolDefinitions() {
        var act = new ToolSpec("act", "Do one thing in the game.", Json.tree("""
                {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}"""));
        var d = new DatasetExporter(store, Redactor.PATTERNS, ToolCatalog.of(List.of(act)))
                .export(DatasetExporter.Options.of(DatasetFormat.TRL_SFT).withValidFraction(0).withEnv("textworld"));
        var chest = lines(d).stream().filter(l -> firstUser(l.get("messages")).equals("Open the chest.")).findFirst().orElseThrow();
        var messages = chest.get("messages");
        assertThat(messages.get(2).at("/tool_calls/0/function/arguments")).isEqualTo(Json.object().put("command", "open chest"));
        assertThat(messages.get(2).at("/tool_calls/0").has("id")).isFalse();
        assertThat(messages.get(3).get("name").asText()).isEqualTo("act");
        assertThat(chest.at("/tools/0")).isEqualTo(Json.tree("""
                {"type": "function", "function": {"name": "act", "description": "Do one thing in the game.",
                 "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}}"""));
        assertThat(d.inferredTools()).isEmpty();
    }

    @Test
    void preferencePairsShareTheirPromptAndPreferTheBetterRunsTurn() {
        var trajectories = Trajectories.load(store, null, null, new Tally());
        var d = export(DatasetFormat.TRL_DPO);
        // test/1 (the first tool call differs), test/2 (the answer differs; b-again vs b-lose is the same line again),
        // and the rated request from the terminal.
        assertThat(d.train()).hasSize(3);
        assertThat(d.duplicates()).isEqualTo(1);
        assertThat(d.skipped()).containsEntry("unpaired", 3); // c-sql, f-score and old-win have no other trial
        for (var line : lines(d)) {
            var prompt = line.get("prompt");
            var chosen = line.get("chosen");
            var rejected = line.get("rejected");
            assertThat(chosen).hasSize(1);
            assertThat(rejected).hasSize(1);
            assertThat(chosen.get(0).get("role").asText()).isEqualTo("assistant");
            assertThat(chosen).isNotEqualTo(rejected);
            // The runs each side came from: their conversation starts with the prompt and goes on with that turn.
            var better = runsContinuing(trajectories, prompt, chosen.get(0));
            var worse = runsContinuing(trajectories, prompt, rejected.get(0));
            assertThat(better).as("runs behind the chosen turn of " + line).isNotEmpty();
            assertThat(worse).as("runs behind the rejected turn of " + line).isNotEmpty();
            for (var b : better) for (var w : worse) {
                assertThat(b.task()).isEqualTo(w.task());
                assertThat(b.reward()).isGreaterThan(w.reward());
            }
        }
        var byUser = new java.util.HashMap<String, JsonNode>();
        for (var line : lines(d)) byUser.put(firstUser(line.get("prompt")), line);
        assertThat(byUser.get("Open the chest.").at("/chosen/0/tool_calls/0/function/arguments/command").asText()).isEqualTo("open chest");
        assertThat(byUser.get("Open the chest.").at("/rejected/0/tool_calls/0/function/arguments/command").asText()).isEqualTo("go north");
        assertThat(byUser.get("Take the key.").get("prompt")).hasSize(4); // system, user, the shared call and its result
        assertThat(byUser.get("Take the key.").at("/chosen/0/content").asText()).isEqualTo("I have the key.");
        assertThat(byUser.get("Take the key.").at("/rejected/0/content").asText()).isEqualTo("There is no key.");
        assertThat(byUser.get("Summarise notes.md").at("/chosen/0/content").asText()).isEqualTo("Notes: the build uses Maven.");

        // Two trials with the same reward prefer neither.
        run(store, "e-one", T0.plusSeconds(800), GAME, "Sing.").answer("La la la.");
        reward(store, "e-one", 1, "textworld:test/8");
        run(store, "e-two", T0.plusSeconds(860), GAME, "Sing.").answer("Do re mi.");
        reward(store, "e-two", 1, "textworld:test/8");
        assertThat(export(DatasetFormat.TRL_DPO).train()).hasSize(3);
    }

    /** The trajectories whose conversation, rendered as TRL's, begins with {@code prompt} and then {@code turn}. */
    private static List<Trajectory> runsContinuing(List<Trajectory> all, JsonNode prompt, JsonNode turn) {
        var out = new ArrayList<Trajectory>();
        for (var t : all) {
            var rendered = new ChatJson(DatasetFormat.Dialect.TRL).messages(t.messages());
            if (rendered.size() <= prompt.size()) continue;
            boolean prefix = true;
            for (int i = 0; i < prompt.size(); i++) prefix &= rendered.get(i).equals(prompt.get(i));
            if (prefix && rendered.get(prompt.size()).equals(turn)) out.add(t);
        }
        return out;
    }

    @Test
    void openAiDpoPairsOnlyWhereTheDifferingTurnIsText() {
        var d = export(DatasetFormat.OPENAI_DPO);
        assertThat(d.pairsSkipped()).containsEntry("tool_call_turn", 1); // textworld:test/1 differs at a tool call
        assertThat(lines(d)).extracting(l -> firstUser(l.at("/input/messages"))).containsExactlyInAnyOrder("Take the key.", "Summarise notes.md");
        var key = lines(d).stream().filter(l -> firstUser(l.at("/input/messages")).equals("Take the key.")).findFirst().orElseThrow();
        assertThat(key.at("/input/messages/2/tool_calls/0/function/arguments").asText()).isEqualTo("{\"command\":\"take key\"}");
        assertThat(key.at("/input/tools/0/function/name").asText()).isEqualTo("act");
        assertThat(key.get("preferred_output")).isEqualTo(Json.tree("[{\"role\": \"assistant\", \"content\": \"I have the key.\"}]"));
        assertThat(key.get("non_preferred_output")).isEqualTo(Json.tree("[{\"role\": \"assistant\", \"content\": \"There is no key.\"}]"));
        // A pair whose better run earned 0.5: kept by default, not when the preferred run must reach 0.6.
        run(store, "h-half", T0.plusSeconds(700), GAME, "Read the sign.").answer("It says north.");
        reward(store, "h-half", 0.5, "textworld:test/7");
        run(store, "h-zero", T0.plusSeconds(760), GAME, "Read the sign.").answer("There is no sign.");
        reward(store, "h-zero", 0, "textworld:test/7");
        assertThat(export(DatasetFormat.OPENAI_DPO).train()).hasSize(3);
        var strict = export(DatasetExporter.Options.of(DatasetFormat.OPENAI_DPO).withValidFraction(0).withMinReward(0.6));
        assertThat(lines(strict)).extracting(l -> firstUser(l.at("/input/messages"))).containsExactlyInAnyOrder("Take the key.", "Summarise notes.md");
        assertThat(strict.pairsSkipped()).containsEntry("preferred_below_min_reward", 1);
        assertThat(export(DatasetExporter.Options.of(DatasetFormat.TRL_DPO).withValidFraction(0).withEnv("sql")).emptyReason())
                .contains("no task had two runs with different rewards");
    }

    @Test
    void ktoLabelsEachRunsLastTurnByTheMinimumReward() {
        var d = export(DatasetFormat.TRL_KTO);
        var labels = new java.util.LinkedHashMap<String, Boolean>();
        for (var line : lines(d)) {
            assertThat(line.get("completion")).hasSize(1);
            assertThat(line.at("/completion/0/role").asText()).isEqualTo("assistant");
            labels.put(line.at("/completion/0/content").asText(), line.get("label").asBoolean());
        }
        assertThat(labels).containsExactlyEntriesOf(orderedMap(
                "I dropped the sword.", true, "I opened the chest.", true, "I went north.", false, "I have the key.", true,
                "There is no key.", false, "There are 3 users.", true, "Notes: the build uses Maven.", true,
                "I cannot read files.", false, "There are 12 files.", false));
        // The prompt is everything before the last turn: here the user's reply to the first answer.
        var count = lines(d).stream().filter(l -> l.at("/completion/0/content").asText().equals("There are 12 files.")).findFirst().orElseThrow();
        assertThat(count.get("prompt")).extracting(m -> m.get("content").asText())
                .containsExactly(HELPER, "Count the files", "Which folder?", "This one.");
        var lenient = export(DatasetExporter.Options.of(DatasetFormat.TRL_KTO).withValidFraction(0).withMinReward(0.4));
        assertThat(lines(lenient)).filteredOn(l -> l.get("label").asBoolean()).hasSize(6); // and f-score's 0.4
    }

    @Test
    void aRunThatEndedOnAToolCallKeepsTheCallsResultAndCompletesWithTheCall() {
        run(store, "ended", T0.plusSeconds(900), GAME, "Win the game.").call("act", "{\"command\": \"look\"}", "A room.")
                .call("act", "{\"command\": \"win\"}", "*** You have won ***").endedByEnvironment();
        reward(store, "ended", 1, "textworld:test/11");
        var sft = lines(export(DatasetFormat.OPENAI_SFT)).stream().filter(l -> firstUser(l.get("messages")).equals("Win the game.")).findFirst().orElseThrow();
        assertThat(problems(DatasetFormat.OPENAI_SFT, sft)).isEmpty();
        assertThat(sft.get("messages")).extracting(m -> m.get("role").asText()).containsExactly("system", "user", "assistant", "tool", "assistant", "tool");
        assertThat(sft.at("/messages/5/tool_call_id").asText()).isEqualTo(sft.at("/messages/4/tool_calls/0/id").asText()).isEqualTo("call_2");
        var kto = lines(export(DatasetFormat.TRL_KTO)).stream().filter(l -> firstUser(l.get("prompt")).equals("Win the game.")).findFirst().orElseThrow();
        assertThat(problems(DatasetFormat.TRL_KTO, kto)).isEmpty();
        assertThat(kto.get("prompt")).hasSize(4);
        assertThat(kto.at("/completion/0/tool_calls/0/function/arguments/command").asText()).isEqualTo("win");
        assertThat(kto.get("label").asBoolean()).isTrue();
    }

    private static Map<String, Boolean> orderedMap(Object... kv) {
        var m = new java.util.LinkedHashMap<String, Boolean>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (Boolean) kv[i + 1]);
        return m;
    }

    @Test
    void minRewardEnvAndSinceFilterTheRuns() {
        assertThat(export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT).withValidFraction(0).withMinReward(0.4)).train())
                .hasSize(6); // f-score's 0.4 too
        assertThat(export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT).withValidFraction(0).withMinReward(0.0)).train())
                .hasSize(9); // every rewarded run, b-again still a duplicate

        var textworld = export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT).withValidFraction(0).withEnv("textworld"));
        assertThat(lines(textworld)).extracting(l -> firstUser(l.get("messages"))).containsExactly("Drop the sword.", "Open the chest.", "Take the key.");
        assertThat(textworld.skipped()).containsEntry("not_in_env", 4); // c-sql and the three rated runs without a task
        var sql = export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT).withValidFraction(0).withEnv("sql"));
        assertThat(lines(sql)).extracting(l -> firstUser(l.get("messages"))).containsExactly("How many users are there?");
        // An environment's name, not a prefix of one.
        assertThat(export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT).withValidFraction(0).withEnv("text")).train()).isEmpty();

        var recent = export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT).withValidFraction(0).withSince(T0));
        assertThat(lines(recent)).extracting(l -> firstUser(l.get("messages"))).doesNotContain("Drop the sword.").hasSize(4);
        assertThat(recent.skipped()).containsEntry("before_since", 1);
        var later = export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT).withValidFraction(0)
                .withSince(TimeSpec.parse("2026-11-20T10:05:00Z", Instant.now())));
        assertThat(lines(later)).extracting(l -> firstUser(l.get("messages"))).containsExactly("How many users are there?", "Summarise notes.md");
    }

    @Test
    void noTaskIsInBothTheTrainingAndTheValidationLines() {
        int bothSides = 0;
        for (long seed = 0; seed < 20; seed++) {
            var d = export(DatasetExporter.Options.of(DatasetFormat.TRL_KTO).withValidFraction(0.4).withSeed(seed));
            Set<String> train = new HashSet<>(), valid = new HashSet<>();
            d.train().forEach(l -> train.add(firstUser(Json.tree(l).get("prompt"))));
            d.valid().forEach(l -> valid.add(firstUser(Json.tree(l).get("prompt"))));
            assertThat(train).as("seed " + seed).doesNotContainAnyElementsOf(valid);
            assertThat(d.train().size() + d.valid().size()).isEqualTo(9);
            if (!train.isEmpty() && !valid.isEmpty()) bothSides++;
            // The same seed splits the same way.
            assertThat(export(DatasetExporter.Options.of(DatasetFormat.TRL_KTO).withValidFraction(0.4).withSeed(seed)).valid()).isEqualTo(d.valid());
        }
        assertThat(bothSides).as("seeds that put tasks on both sides").isGreaterThan(5);
        assertThat(export(DatasetExporter.Options.of(DatasetFormat.TRL_KTO).withValidFraction(1)).train()).isEmpty();
        assertThat(export(DatasetExporter.Options.of(DatasetFormat.TRL_KTO).withValidFraction(0)).valid()).isEmpty();
    }

    @Test
    void theFilesHoldTheLinesOnceEachAndTheValidationFileSitsBesideTheTrainingFile() throws Exception {
        var out = dir.resolve("sft.jsonl");
        var d = export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT).withValidFraction(0.5).withSeed(3));
        d.write(out);
        var valid = dir.resolve("sft.valid.jsonl");
        assertThat(Dataset.validFile(out)).isEqualTo(valid);
        assertThat(Files.readAllLines(out)).isEqualTo(d.train());
        assertThat(Files.readAllLines(valid)).isEqualTo(d.valid());
        var all = new ArrayList<>(Files.readAllLines(out));
        all.addAll(Files.readAllLines(valid));
        assertThat(all).doesNotHaveDuplicates().hasSize(5);
        assertThat(Files.readString(out) + Files.readString(valid)).doesNotContain(DB_PASSWORD).doesNotContain(OPENAI_KEY);
        assertThat(Dataset.validFile(dir.resolve("data"))).isEqualTo(dir.resolve("data.valid"));
        assertThat(Dataset.validFile(dir.resolve("a.b.json"))).isEqualTo(dir.resolve("a.b.valid.json"));
        // A second export with nothing to write empties the files rather than leave the first one's lines.
        export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT).withValidFraction(0.5).withEnv("none")).write(out);
        assertThat(Files.readString(out)).isEmpty();
        assertThat(Files.readString(valid)).isEmpty();
        var json = d.json(out);
        assertThat(json.at("/train/lines").asInt()).isEqualTo(d.train().size());
        assertThat(json.at("/valid/file").asText()).isEqualTo(valid.toString());
        assertThat(json.at("/skipped/below_min_reward").asInt()).isEqualTo(4);
        assertThat(json.get("duplicate_lines").asInt()).isEqualTo(1);
        assertThat(json.get("nothing_exported").isNull()).isTrue();
    }

    @Test
    void nothingToExportSaysWhy(@TempDir Path other) {
        try (var empty = RunStore.open(other.resolve("empty.db"))) {
            var none = new DatasetExporter(empty, Redactor.PATTERNS, ToolCatalog.none()).export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT));
            assertThat(none.emptyReason()).isEqualTo("the run store has no runs yet");
            run(empty, "u", T0, HELPER, "Hello").answer("Hi.");
            var unrated = new DatasetExporter(empty, Redactor.PATTERNS, ToolCatalog.none()).export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT));
            assertThat(unrated.emptyReason()).contains("no run has a reward or feedback yet").contains("apprentice runs feedback");
            assertThat(unrated.text(other.resolve("x.jsonl"))).contains("nothing exported: no run has a reward");
        }
        var filtered = export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT).withEnv("taubench-retail"));
        assertThat(filtered.emptyReason()).startsWith("no rewarded run passed the filters").contains("not in env: 11");
        var tooStrict = export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT).withEnv("sql").withMinReward(1.0).withSince(T0.plusSeconds(301)));
        assertThat(tooStrict.emptyReason()).startsWith("no rewarded run passed the filters");
    }
}
