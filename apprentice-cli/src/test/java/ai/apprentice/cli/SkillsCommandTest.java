package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.testkit.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class SkillsCommandTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void newListShowValidate() throws Exception {
        var cli = new CliHarness(home, ws);
        var created = cli.run("skills", "new", "review-pr", "-w", ws.toString(), "-d", "Reviews a pull request. Use when asked to review changes.");
        assertThat(created.exit()).as(created.err()).isEqualTo(0);
        var dir = ws.resolve(".apprentice/skills/review-pr");
        var fresh = cli.run("skills", "validate", dir.toString());
        assertThat(fresh.exit()).as("a fresh template still has its TODO lines").isEqualTo(1);
        assertThat(fresh.err()).contains("SKILL.md:8: warning: a TODO placeholder").contains("SKILL.md:11: warning: a TODO placeholder");
        assertThat(cli.run("skills", "list", "-w", ws.toString()).out()).contains("review-pr").contains("workspace");
        assertThat(cli.run("skills", "show", "review-pr", "-w", ws.toString()).out()).contains("Reviews a pull request").contains("## Steps");

        var bad = Files.createDirectories(ws.resolve("Bad_Skill"));
        Files.writeString(bad.resolve("SKILL.md"), "---\nname: Bad_Skill\ndescription: x\ncolour: 2\nversion: 2\n---\n");
        var v = cli.run("skills", "validate", bad.toString());
        assertThat(v.exit()).isEqualTo(1);
        assertThat(v.err()).contains("SKILL.md:2").contains("lowercase").contains("SKILL.md:4: warning: unknown field 'colour'")
                .doesNotContain("'version'");
        assertThat(cli.run("skills", "new", "Bad Name", "-w", ws.toString()).exit()).isEqualTo(2);
    }

    @Test
    void anAgentLoadsASkillAndRunsItsScript() throws Exception {
        Requirements.bubblewrap(); // run_shell with --approve auto runs only sandboxed
        // A user skill outside the workspace, in the Claude folder layout, with a deterministic script.
        var skill = Files.createDirectories(home.resolve("skills/format-markdown"));
        Files.writeString(skill.resolve("SKILL.md"), """
                ---
                name: format-markdown
                description: Normalises Markdown files. Use before delivering any Markdown.
                ---
                Run `bash SKILL_DIR/scripts/format.sh FILE` on each file, then read references/style.md if unsure.
                """);
        Files.createDirectories(skill.resolve("scripts"));
        Files.writeString(skill.resolve("scripts/format.sh"), "sed -i 's/[[:space:]]*$//' \"$1\" && echo formatted \"$1\"\n");
        Files.createDirectories(skill.resolve("references"));
        Files.writeString(skill.resolve("references/style.md"), "Headings use sentence case.");
        Files.writeString(ws.resolve("doc.md"), "# Title   \ntext  \n");
        var script = String.join("\n",
                "{\"tool_calls\": [{\"name\": \"use_skill\", \"arguments\": {\"name\": \"format-markdown\"}}]}",
                "{\"tool_calls\": [{\"name\": \"read_file\", \"arguments\": {\"path\": \"" + skill.resolve("references/style.md") + "\"}}]}",
                "{\"tool_calls\": [{\"name\": \"run_shell\", \"arguments\": {\"command\": \"bash " + skill.resolve("scripts/format.sh") + " doc.md\"}}]}",
                "{\"text\": \"Formatted doc.md.\"}") + "\n";
        Files.writeString(ws.resolve("s.jsonl"), script);
        var cli = new CliHarness(home, ws);
        var r = cli.run("run", "--json", "--approve", "auto", "--model", "scripted:s.jsonl", "format the docs");
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(0);
        var started = Json.tree(r.out().lines().filter(l -> l.contains("\"run_started\"")).findFirst().orElseThrow());
        assertThat(started.at("/messages/0/content").asText()).contains("## Skills").contains("format-markdown: Normalises Markdown");
        assertThat(r.out()).contains("Run `bash SKILL_DIR/scripts/format.sh FILE`").contains("scripts/format.sh")
                .contains("Headings use sentence case.").contains("formatted doc.md");
        assertThat(Files.readString(ws.resolve("doc.md"))).isEqualTo("# Title\ntext\n");
    }

    @Test
    void allowedToolsPreApproveAndDenyNoOtherTool() throws Exception {
        var skill = Files.createDirectories(ws.resolve(".claude/skills/read-only-audit"));
        Files.writeString(skill.resolve("SKILL.md"), "---\nname: read-only-audit\ndescription: Audits files without changing them.\n"
                + "allowed-tools: Read Grep\n---\nRead, never write.\n");
        Files.writeString(ws.resolve("a.txt"), "data");
        Files.writeString(ws.resolve("s.jsonl"), String.join("\n",
                "{\"tool_calls\": [{\"name\": \"write_file\", \"arguments\": {\"path\": \"before.txt\", \"content\": \"ok\"}}]}",
                "{\"tool_calls\": [{\"name\": \"use_skill\", \"arguments\": {\"name\": \"read-only-audit\"}}]}",
                "{\"tool_calls\": [{\"name\": \"read_file\", \"arguments\": {\"path\": \"a.txt\"}}, {\"name\": \"write_file\", \"arguments\": {\"path\": \"after.txt\", \"content\": \"no\"}}]}",
                "{\"text\": \"audited\"}") + "\n");
        var r = new CliHarness(home, ws).run("run", "--json", "--approve", "auto", "--model", "scripted:s.jsonl", "audit");
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        assertThat(ws.resolve("before.txt")).exists();
        // allowed-tools pre-approve (Agent Skills specification); unlisted tools keep their usual permission.
        assertThat(ws.resolve("after.txt")).exists();
        assertThat(r.out()).contains("lists as pre-approved: Read Grep").doesNotContain("\"decided_by\":\"skill read-only-audit\"")
                .contains("     1\\tdata");
    }

    @Test
    void theReplStartsAUserInvocableSkillAsASlashCommand() throws Exception {
        var skill = Files.createDirectories(ws.resolve(".claude/skills/release-notes"));
        Files.writeString(skill.resolve("SKILL.md"), "---\nname: release-notes\ndescription: Writes release notes.\n"
                + "disable-model-invocation: true\nargument-hint: \"[version]\"\n---\nWrite the notes for version $0.\n");
        Files.writeString(ws.resolve("chat.jsonl"), "{\"text\": \"notes written\"}\n");
        var r = new CliHarness(home, ws).runWithInput("/release-notes 2.1.0\n/no-such-skill\n/exit\n",
                "-w", ws.toString(), "--model", "scripted:" + ws.resolve("chat.jsonl"));
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("notes written").contains("unknown command /no-such-skill");
        var runs = Json.tree(new CliHarness(home, ws).run("runs", "list", "--json").out());
        var id = runs.get(0).get("id").asText();
        var shown = new CliHarness(home, ws).run("runs", "show", id, "--json").out();
        assertThat(shown).contains("The user ran /release-notes 2.1.0").contains("Write the notes for version 2.1.0.");
    }
}
