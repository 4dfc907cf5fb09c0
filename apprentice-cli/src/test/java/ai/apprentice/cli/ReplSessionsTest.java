package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** REPL conversations are sessions: --continue takes up the latest, --resume ID a chosen one, /resume inside the REPL. */
@Timeout(90)
class ReplSessionsTest {
    @TempDir Path home;
    @TempDir Path ws;
    CliHarness cli;

    @BeforeEach
    void setUp() {
        cli = new CliHarness(home, ws);
        cli.env.put("APPRENTICE_MEMORY", "off");
    }

    private String model(String name, String... turns) throws Exception {
        Files.writeString(ws.resolve(name), String.join("\n", turns) + "\n");
        return "scripted:" + ws.resolve(name);
    }

    /** The model's view of the conversation: the last run's stored messages. */
    private String lastRunMessages() {
        var runs = Json.tree(cli.run("runs", "list", "--json").out());
        return Json.tree(cli.run("runs", "show", runs.get(0).get("id").asText(), "--json").out()).toString();
    }

    @Test
    void continueTakesUpTheLatestConversationOfThisWorkspace() throws Exception {
        var first = cli.runWithInput("My name is Ada\n/exit\n", "--workspace", ws.toString(), "--model", model("a.jsonl", "{\"text\": \"Hello Ada.\"}"));
        assertThat(first.exit()).as(first.err()).isZero();
        var again = cli.runWithInput("What is my name?\n/exit\n", "--continue", "--workspace", ws.toString(),
                "--model", model("b.jsonl", "{\"text\": \"Your name is Ada.\"}"));
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).containsPattern("resumed ses-\\S+ .* 1 turn\\s+My name is Ada").contains("last answer: Hello Ada.");
        assertThat(lastRunMessages()).as("the earlier turn is in the model's context").contains("My name is Ada").contains("Hello Ada.")
                .contains("What is my name?");
        var list = new ReplSessions(home).list(ws.toAbsolutePath().normalize());
        assertThat(list).hasSize(1);
        assertThat(list.get(0).turns()).isEqualTo(2);
    }

    @Test
    void resumeTakesAnIdOrListsAndNothingToContinueIsExplained() throws Exception {
        var none = cli.runWithInput("/exit\n", "--continue", "--workspace", ws.toString(), "--model", model("n.jsonl", "{\"text\": \"x\"}"));
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("No session to continue in");

        cli.runWithInput("Remember 7\n/exit\n", "--workspace", ws.toString(), "--model", model("a.jsonl", "{\"text\": \"Noted: 7.\"}"));
        cli.runWithInput("Remember 9\n/exit\n", "--workspace", ws.toString(), "--model", model("b.jsonl", "{\"text\": \"Noted: 9.\"}"));
        var sessions = new ReplSessions(home).list(null);
        assertThat(sessions).hasSize(2);
        var older = sessions.get(1);
        assertThat(older.title()).isEqualTo("Remember 7");

        var byId = cli.runWithInput("Which number?\n/exit\n", "--resume", older.id(), "--workspace", ws.toString(),
                "--model", model("c.jsonl", "{\"text\": \"7.\"}"));
        assertThat(byId.exit()).as(byId.err()).isZero();
        assertThat(lastRunMessages()).contains("Remember 7").doesNotContain("Remember 9");

        // Without an id: the list, newest first, and a pick by number.
        var picked = cli.runWithInput("2\nAnd now?\n/exit\n", "--resume", "--workspace", ws.toString(), "--model", model("d.jsonl", "{\"text\": \"9.\"}"));
        assertThat(picked.exit()).as(picked.err()).isZero();
        assertThat(picked.out()).as("newest first: the one resumed by id").contains(" 1  " + older.id());
        assertThat(lastRunMessages()).contains("Remember 9").doesNotContain("Remember 7");

        var unknown = cli.runWithInput("/exit\n", "--resume", "ses-nope", "--workspace", ws.toString(), "--model", model("e.jsonl", "{\"text\": \"x\"}"));
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("No session 'ses-nope'");
    }

    @Test
    void slashResumeAndClearInsideTheRepl() throws Exception {
        cli.runWithInput("Remember 7\n/exit\n", "--workspace", ws.toString(), "--model", model("a.jsonl", "{\"text\": \"Noted: 7.\"}"));
        var id = new ReplSessions(home).list(null).get(0).id();
        var r = cli.runWithInput("Unrelated\n/clear\n/resume " + id + "\nWhich number?\n/exit\n", "--workspace", ws.toString(),
                "--model", model("b.jsonl", "{\"text\": \"ok\"}", "{\"text\": \"7.\"}"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("the next task starts a new session").contains("resumed " + id);
        assertThat(lastRunMessages()).contains("Remember 7").doesNotContain("Unrelated");
        assertThat(new ReplSessions(home).list(null)).hasSize(2);
    }

    @Test
    void compactInitSkillsAndMemoryCommands() throws Exception {
        var skill = Files.createDirectories(ws.resolve(".apprentice/skills/release-notes"));
        Files.writeString(skill.resolve("SKILL.md"), "---\nname: release-notes\ndescription: How to write release notes.\n---\nList changes.\n");
        cli.run("memory", "add", "The staging database is called birch.");
        var r = cli.runWithInput("Remember the code 4417\n/compact\nWhat is the code?\n/init\n/skills\n/memory\n/memory staging database\n/exit\n",
                "--workspace", ws.toString(), "--approve", "auto", "--model", model("m.jsonl",
                        // the scripted model answers by the number of assistant messages so far: after /compact only the summary
                        "{\"text\": \"Noted.\"}",
                        "{\"text\": \"The code is 4417.\"}",
                        "{\"tool_calls\": [{\"name\": \"write_file\", \"arguments\": {\"path\": \"AGENTS.md\", \"content\": \"# Agents\\nBuild: make\\n\"}}]}",
                        "{\"text\": \"Wrote AGENTS.md.\"}"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("(compacted: ").contains("release-notes").contains("How to write release notes.")
                .contains("The staging database is called birch.");
        // After /compact the model's context is the summary, not the turn itself.
        var runs = Json.tree(cli.run("runs", "list", "--json").out());
        String askedId = null;
        for (var run : runs) if (run.get("task").asText().equals("What is the code?")) askedId = run.get("id").asText();
        var afterCompact = Json.tree(cli.run("runs", "show", askedId, "--json").out()).toString();
        assertThat(afterCompact).contains("What is the code?").contains("as you summarised it when I typed /compact")
                .contains("The code is 4417.").doesNotContain("Remember the code 4417");
        assertThat(Files.readString(ws.resolve("AGENTS.md"))).isEqualTo("# Agents\nBuild: make\n");
        assertThat(runs.get(0).get("task").asText()).as("the latest run is /init's").startsWith("Look through this repository");
    }
}
