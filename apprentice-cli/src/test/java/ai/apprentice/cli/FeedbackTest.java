package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.runtime.Event;
import ai.apprentice.store.RunStore;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** People's verdicts and corrections in the run log: the data the learning loop turns. */
@Timeout(120)
class FeedbackTest {
    @TempDir Path home;
    @TempDir Path ws;
    CliHarness cli;

    @BeforeEach
    void setUp() throws Exception {
        cli = new CliHarness(home, ws);
        cli.env.put("USER", "ada");
        Files.writeString(ws.resolve("write.jsonl"), """
                {"tool_calls": [{"name": "write_file", "arguments": {"path": "notes.md", "content": "# Notes\\nThe build uses Maven.\\n"}}]}
                {"text": "Wrote notes.md"}
                """);
        Files.writeString(ws.resolve("answer.jsonl"), "{\"text\": \"ok\"}\n");
    }

    private String lastRunId() {
        return Json.tree(cli.run("runs", "list", "--json").out()).get(0).get("id").asText();
    }

    private JsonNode events(CliHarness c, String id) {
        return Json.tree(c.run("runs", "show", id, "--json").out()).get("events");
    }

    @Test
    void feedbackIsRecordedValidatedAndSurvivesARestart() {
        assertThat(cli.run("run", "--model", "scripted:answer.jsonl", "say ok").exit()).isZero();
        var id = lastRunId();
        var good = cli.run("runs", "feedback", id.substring(0, 18), "--good", "--note", "Also mention the test command.");
        assertThat(good.exit()).as(good.err()).isZero();
        assertThat(good.out()).contains("feedback recorded on run " + id);
        assertThat(cli.run("runs", "feedback", id, "--score", "0.25").exit()).isZero();

        // Bad input: a clear message, exit 2, nothing stored.
        var outOfRange = cli.run("runs", "feedback", id, "--score", "1.5");
        assertThat(outOfRange.exit()).isEqualTo(2);
        assertThat(outOfRange.err()).contains("score must be between 0 and 1, got 1.5");
        var nothing = cli.run("runs", "feedback", id);
        assertThat(nothing.exit()).isEqualTo(2);
        assertThat(nothing.err()).contains("--good, --bad, --score or a note");
        var unknown = cli.run("runs", "feedback", "nope", "--good");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("No run with id 'nope'");
        assertThat(cli.run("runs", "feedback", id, "--good", "--bad").exit()).isEqualTo(2);

        var restarted = new CliHarness(home, ws);
        var feedback = events(restarted, id).findParents("rating");
        assertThat(events(restarted, id)).filteredOn(e -> e.get("type").asText().equals("feedback")).hasSize(2);
        assertThat(feedback).extracting(e -> e.path("correction").asText()).contains("Also mention the test command.");
        assertThat(feedback).extracting(e -> e.path("author").asText()).containsOnly("ada");
        var summary = Json.tree(restarted.run("runs", "list", "--json").out()).get(0).get("feedback");
        assertThat(summary.get("count").asInt()).isEqualTo(2);
        assertThat(summary.get("good").asInt()).isEqualTo(1);
        assertThat(summary.get("mean_score").asDouble()).isEqualTo(0.25);
        assertThat(summary.get("last_correction").asText()).isEqualTo("Also mention the test command.");
    }

    @Test
    void aRunStillInProgressTakesNoFeedback() {
        Files.exists(home);
        try (var store = RunStore.open(home.resolve("apprentice.db"))) {
            // a run of this (living) process, never finished: it counts as running
            store.onEvent(new Event.RunStarted("run-in-flight", Instant.now(), "busy", "scripted:x", null, ws.toString(), List.of()));
        }
        var r = cli.run("runs", "feedback", "run-in-flight", "--bad");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("still running");
        assertThat(events(cli, "run-in-flight")).noneMatch(e -> e.get("type").asText().equals("feedback"));
    }

    @Test
    void aPersonsEditOfAFileTheAgentWroteBecomesACorrectionOnThatRun() throws Exception {
        var first = cli.run("run", "--model", "scripted:write.jsonl", "--approve", "auto", "write notes");
        assertThat(first.exit()).as(first.err()).isZero();
        var writer = lastRunId();
        Files.writeString(ws.resolve("notes.md"), "# Notes\nThe build uses Maven 3.9 through ./mvnw.\n");

        var restarted = new CliHarness(home, ws);
        restarted.env.put("USER", "ada");
        var next = restarted.run("run", "--model", "scripted:answer.jsonl", "anything");
        assertThat(next.exit()).as(next.err()).isZero();
        assertThat(next.err()).contains("a person edited notes.md after run " + writer);
        var corrections = events(restarted, writer).findParents("diff");
        assertThat(corrections).singleElement().satisfies(c -> {
            assertThat(c.get("type").asText()).isEqualTo("feedback");
            assertThat(c.get("path").asText()).isEqualTo("notes.md");
            assertThat(c.get("diff").asText()).contains("-The build uses Maven.").contains("+The build uses Maven 3.9 through ./mvnw.");
            assertThat(c.get("author").asText()).isEqualTo("ada");
        });
        // Reported once: the next run finds nothing new.
        assertThat(restarted.run("run", "--model", "scripted:answer.jsonl", "again").err()).doesNotContain("a person edited");
    }

    @Test
    void theReplTakesGoodBadAndFixForTheLastAnswer() {
        var r = cli.runWithInput("/good\nsay ok\n/bad\n/fix Say it in full: okay.\n/exit\n", "--model", "scripted:" + ws.resolve("answer.jsonl"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("nothing to give feedback on yet");
        var id = lastRunId();
        var feedback = events(cli, id).findParents("author");
        assertThat(feedback).extracting(e -> e.path("rating").asText(null)).containsExactly("bad", null);
        assertThat(feedback.get(1).get("correction").asText()).isEqualTo("Say it in full: okay.");
    }
}
