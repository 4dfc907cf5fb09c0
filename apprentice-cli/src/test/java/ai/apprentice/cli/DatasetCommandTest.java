package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.Message;
import ai.apprentice.model.ToolCall;
import ai.apprentice.redact.Redactor;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.store.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code apprentice dataset export}: its files, summary, messages and exit codes. */
@Timeout(120)
class DatasetCommandTest {
    static final String SECRET = "tr0ub4dor-and-3-more-words";

    @TempDir Path home;
    @TempDir Path ws;
    @TempDir Path out;
    CliHarness cli;

    @BeforeEach
    void setUp() {
        cli = new CliHarness(home, ws);
        cli.env.put("SERVICE_TOKEN", SECRET); // a secret of this environment: the store below does not know it
    }

    /** A run of an evaluation's task, with one tool call, started {@code daysAgo} days ago and rewarded. */
    private static void trial(RunStore store, String id, int daysAgo, String task, String answer, double reward) {
        var at = Instant.now().minus(daysAgo, ChronoUnit.DAYS);
        var request = "Open the door of room " + task;
        var opening = List.of(Message.system("Play the game."), Message.user(request));
        store.onEvent(new Event.RunStarted(id, at, request, "scripted:test", null, "/tmp", opening));
        store.onEvent(new Event.StepCompleted(id, at.plusSeconds(1), 1, List.of(
                Message.assistant("", List.of(new ToolCall("c-" + id, "act", "{\"command\": \"open door\"}"))),
                Message.toolResult("c-" + id, "act", "The door opens. A sign says " + SECRET))));
        store.onEvent(new Event.StepCompleted(id, at.plusSeconds(2), 2, List.of(Message.assistant(answer))));
        store.onEvent(new Event.RunFinished(id, at.plusSeconds(3), RunStatus.SUCCEEDED, "completed", answer, 2, 10, 5, 0));
        store.append(new Event.Reward(id, at.plusSeconds(4), reward, "environment", "checked", task));
    }

    private void writeRuns() {
        try (var store = RunStore.open(home.resolve("apprentice.db"), Redactor.PATTERNS)) {
            for (int i = 0; i < 6; i++) trial(store, "win-" + i, 0, "textworld:test/" + i, "The door is open.", 1);
            trial(store, "lose-0", 0, "textworld:test/0", "I walked away.", 0);
            trial(store, "old-win", 30, "textworld:test/9", "The door is open.", 1);
        }
    }

    @Test
    void exportsTheTrainingAndValidationFilesAndASummary() throws Exception {
        writeRuns();
        var file = out.resolve("sft.jsonl");
        var r = cli.run("dataset", "export", "--format", "openai-sft", "-o", file.toString(), "--valid-fraction", "0.5", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        var summary = Json.tree(r.out());
        var valid = out.resolve("sft.valid.jsonl");
        var trainLines = Files.readAllLines(file);
        var validLines = Files.readAllLines(valid);
        assertThat(summary.get("format").asText()).isEqualTo("openai-sft");
        assertThat(summary.at("/train/lines").asInt()).isEqualTo(trainLines.size());
        assertThat(summary.at("/valid/lines").asInt()).isEqualTo(validLines.size());
        assertThat(summary.at("/valid/file").asText()).isEqualTo(valid.toString());
        assertThat(trainLines.size() + validLines.size()).isEqualTo(7); // six tasks won today, one a month ago
        assertThat(summary.at("/skipped/below_min_reward").asInt()).isEqualTo(1);
        assertThat(summary.at("/runs/in_store").asInt()).isEqualTo(8);
        assertThat(Files.readString(file) + Files.readString(valid)).doesNotContain(SECRET).contains("[REDACTED:env:SERVICE_TOKEN]");
        for (var line : trainLines) assertThat(Json.tree(line).at("/messages/2/tool_calls/0/function/name").asText()).isEqualTo("act");

        // Without --json: the summary on stderr, nothing on stdout.
        var text = cli.run("dataset", "export", "--format", "trl-dpo", "-o", out.resolve("dpo.jsonl").toString(), "--valid-fraction", "0");
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).isEmpty();
        assertThat(text.err()).contains("wrote 1 line (1 task) to " + out.resolve("dpo.jsonl")).doesNotContain("dpo.valid.jsonl");
        assertThat(Files.exists(out.resolve("dpo.valid.jsonl"))).isFalse();
        var pair = Json.tree(Files.readString(out.resolve("dpo.jsonl")));
        assertThat(pair.at("/chosen/0/content").asText()).isEqualTo("The door is open.");
        assertThat(pair.at("/rejected/0/content").asText()).isEqualTo("I walked away.");
    }

    @Test
    void sinceAndEnvFilterTheRuns() throws Exception {
        writeRuns();
        var file = out.resolve("recent.jsonl");
        var r = cli.run("dataset", "export", "-f", "trl-sft", "--since", "7d", "--env", "textworld", "-o", file.toString(),
                "--valid-fraction", "0", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readAllLines(file)).hasSize(6);
        assertThat(Json.tree(r.out()).at("/skipped/before_since").asInt()).isEqualTo(1);
        var none = cli.run("dataset", "export", "-f", "trl-sft", "--env", "sql", "-o", file.toString());
        assertThat(none.exit()).isZero();
        assertThat(none.err()).contains("nothing exported: no rewarded run passed the filters");
        assertThat(Files.readString(file)).isEmpty();
    }

    @Test
    void nothingToExportIsExitZeroWithEmptyFilesAndTheReason() throws Exception {
        var file = out.resolve("empty.jsonl");
        var r = cli.run("dataset", "export", "--format", "trl-kto", "-o", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("nothing exported: the run store has no runs yet");
        assertThat(Files.readString(file)).isEmpty();
        assertThat(Files.readString(out.resolve("empty.valid.jsonl"))).isEmpty();
        var json = cli.run("dataset", "export", "--format", "trl-kto", "-o", file.toString(), "--json");
        assertThat(Json.tree(json.out()).get("nothing_exported").asText()).isEqualTo("the run store has no runs yet");
    }

    @Test
    void wrongOptionsAreUsageErrorsAndAnUnwritableFileFailsClearly() throws Exception {
        var file = out.resolve("x.jsonl").toString();
        var unknown = cli.run("dataset", "export", "--format", "alpaca", "-o", file);
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown dataset format 'alpaca': use one of openai-sft, openai-dpo, trl-sft, trl-dpo, trl-kto");
        assertThat(cli.run("dataset", "export", "--format", "openai-sft").exit()).isEqualTo(2); // no -o
        var fraction = cli.run("dataset", "export", "--format", "openai-sft", "-o", file, "--valid-fraction", "1.5");
        assertThat(fraction.exit()).isEqualTo(2);
        assertThat(fraction.err()).contains("--valid-fraction must be between 0 and 1, got 1.5");
        var since = cli.run("dataset", "export", "--format", "openai-sft", "-o", file, "--since", "yesterday");
        assertThat(since.exit()).isEqualTo(2);
        assertThat(since.err()).contains("'yesterday' is not a time");
        var reward = cli.run("dataset", "export", "--format", "openai-sft", "-o", file, "--min-reward", "2");
        assertThat(reward.exit()).isEqualTo(2);
        assertThat(reward.err()).contains("--min-reward must be between 0 and 1, got 2.0");
        assertThat(Files.exists(out.resolve("x.jsonl"))).isFalse();

        var missing = cli.run("dataset", "export", "--format", "openai-sft", "-o", out.resolve("no/such/dir/x.jsonl").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("cannot write " + out.resolve("no/such/dir/x.jsonl")).contains("does not exist");
        var folder = cli.run("dataset", "export", "--format", "openai-sft", "-o", out.toString());
        assertThat(folder.exit()).isEqualTo(1);
        assertThat(folder.err()).contains("cannot write " + out).contains("it is a folder");
        Files.writeString(out.resolve("plain"), "a file, not a folder");
        var underFile = cli.run("dataset", "export", "--format", "openai-sft", "-o", out.resolve("plain/x.jsonl").toString());
        assertThat(underFile.exit()).isEqualTo(1);
        assertThat(underFile.err()).contains("cannot write");
    }

    @Test
    void theHelpNamesTheFormatsAndShowsAnExample() {
        var help = cli.run("dataset", "export", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("openai-sft", "openai-dpo", "trl-sft", "trl-dpo", "trl-kto", "--min-reward", "--since",
                "--valid-fraction", "Examples:", "apprentice dataset export --format openai-sft -o sft.jsonl", "text outputs only");
        assertThat(cli.run("--help").out()).contains("dataset");
    }
}
