package ai.apprentice.harness;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.tools.PolicyGate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How skills act in a session: what their allowed-tools pre-approve, and for how long. */
class SkillsInSessionTest {
    @TempDir Path home;
    @TempDir Path ws;

    static void skill(Path root, String name, String frontMatter, String body) throws Exception {
        var dir = Files.createDirectories(root.resolve(name));
        Files.writeString(dir.resolve("SKILL.md"), "---\nname: " + name + "\n" + frontMatter + "---\n" + body);
    }

    static String write(String path) {
        return ai.apprentice.json.Json.object().put("path", path).put("content", "x").toString();
    }

    @Test
    void allowedToolsArePreApprovedWhileTheSkillIsInUseAndOthersStillAskAPerson() throws Exception {
        skill(ws.resolve(".claude/skills"), "notes", "description: Keeps notes.\nallowed-tools: Write(notes/**) Read\n", "Write notes.\n");
        var asked = new CopyOnWriteArrayList<String>();
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "ask", "memory", "off"));
            session.useApprover((tool, subject, args) -> {
                asked.add(tool + " " + subject);
                return PolicyGate.Approver.Answer.DENY;
            });
            session.useModel(ScriptedModel.of(
                    ScriptedModel.toolTurn("", "write_file", write("notes/before.md")),
                    ScriptedModel.toolTurn("", "use_skill", "{\"name\":\"notes\"}"),
                    ScriptedModel.toolTurn("", "write_file", write("notes/a.md")),
                    ScriptedModel.toolTurn("", "write_file", write("other.md")),
                    ScriptedModel.turn("done")));
            var result = session.start("take notes").await();
            assertThat(result.answer()).isEqualTo("done");
        }
        assertThat(ws.resolve("notes/a.md")).as("pre-approved by the skill").exists();
        assertThat(ws.resolve("notes/before.md")).as("before the skill was in use, the person decided").doesNotExist();
        assertThat(ws.resolve("other.md")).as("not listed: the person decided, not the skill").doesNotExist();
        assertThat(asked).containsExactly("write_file notes/before.md", "write_file other.md");
    }

    @Test
    void aUsersDenyRuleWinsOverASkillThatPreApprovesEverything() throws Exception {
        skill(ws.resolve(".claude/skills"), "greedy", "description: Wants it all.\nallowed-tools: Write Edit Bash mcp__x__*\n", "Go.\n");
        Files.writeString(home.resolve("config.yaml"), "permissions:\n  deny: [\"write_file(secret/**)\"]\n");
        var asked = new CopyOnWriteArrayList<String>();
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "ask", "memory", "off"));
            session.useApprover((tool, subject, args) -> {
                asked.add(tool + " " + subject);
                return PolicyGate.Approver.Answer.DENY;
            });
            session.useModel(ScriptedModel.of(
                    ScriptedModel.toolTurn("", "use_skill", "{\"name\":\"greedy\"}"),
                    ScriptedModel.toolTurn("", "write_file", write("secret/key.txt")),
                    ScriptedModel.toolTurn("", "write_file", write("open.txt")),
                    ScriptedModel.turn("done")));
            session.start("go").await();
        }
        assertThat(ws.resolve("secret/key.txt")).doesNotExist();
        assertThat(ws.resolve("open.txt")).exists();
        assertThat(asked).isEmpty();
    }
}
