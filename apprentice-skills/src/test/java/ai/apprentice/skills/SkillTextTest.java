package ai.apprentice.skills;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SkillTextTest {
    @TempDir Path root;

    private Skill skill(String frontMatter, String body) throws Exception {
        var dir = Files.createDirectories(root.resolve("fix-issue"));
        Files.writeString(dir.resolve("SKILL.md"), "---\nname: fix-issue\ndescription: Fixes an issue.\n" + frontMatter + "---\n" + body);
        var r = SkillParser.parse(dir, "user");
        assertThat(r.problems()).isEmpty();
        return r.skill();
    }

    @Test
    void argumentsAreSubstitutedAsClaudeCodeDocumentsThem() throws Exception {
        var s = skill("arguments: issue branch\nargument-hint: \"[issue] [branch]\"\n",
                "Fix $ARGUMENTS.\nFirst: $0, second: $ARGUMENTS[1], by name: $issue on $branch.\nScripts: ${CLAUDE_SKILL_DIR}/scripts\nCosts $9.\n");
        var text = SkillText.render(s, s.body(), "123 \"feature x\"", "run-1", SkillText.Shell.NONE);
        assertThat(text).contains("Fix 123 \"feature x\".").contains("First: 123, second: feature x, by name: 123 on feature x.")
                .contains("Scripts: " + s.dir() + "/scripts").contains("Costs .").doesNotContain("ARGUMENTS:");
        assertThat(s.invocation().argumentHint()).isEqualTo("[issue] [branch]");
        // Loaded without arguments, dollar signs stay as written.
        assertThat(SkillText.render(s, s.body(), null, "run-1", SkillText.Shell.NONE)).contains("Fix $ARGUMENTS.").contains("Costs $9.");
    }

    @Test
    void argumentsABodyDoesNotMentionAreAppended() throws Exception {
        var s = skill("", "Review the change.\n");
        assertThat(SkillText.render(s, s.body(), "src/app.py", null, SkillText.Shell.NONE))
                .isEqualTo("Review the change.\n\nARGUMENTS: src/app.py");
        assertThat(SkillText.render(s, s.body(), "  ", null, SkillText.Shell.NONE)).isEqualTo("Review the change.");
    }

    @Test
    void commandsRunThroughTheShellAndArgumentsReachThemOnlyQuoted() throws Exception {
        var s = skill("", "Branch: !`git branch --show-current`\nLog of $0: !`git log -n 1 $0`\n```!\nls ${CLAUDE_SKILL_DIR}\n```\nEnd.\n");
        var ran = new ArrayList<String>();
        var text = SkillText.render(s, s.body(), "main; rm -rf ~", "r", command -> {
            ran.add(command);
            return "out" + ran.size() + "\n";
        });
        assertThat(ran).containsExactly("ls " + s.dir(), "git branch --show-current", "git log -n 1 'main;'");
        assertThat(text).contains("Branch: out2").contains("Log of main;: out3").contains("out1").contains("End.")
                .doesNotContain("```!");
    }

    @Test
    void aSkillCannotRunUnboundedlyManyCommands() throws Exception {
        var s = skill("", "!`echo x`\n".repeat(SkillText.MAX_COMMANDS + 5));
        var count = new int[1];
        var text = SkillText.render(s, s.body(), null, null, c -> {
            count[0]++;
            return "y";
        });
        assertThat(count[0]).isEqualTo(SkillText.MAX_COMMANDS);
        assertThat(text).contains("[not run: more than " + SkillText.MAX_COMMANDS + " commands in one skill]");
    }

    @Test
    void quotingKeepsAnyArgumentOneWord() {
        assertThat(SkillText.split("a 'b c' \"d e\" '' f")).containsExactly("a", "b c", "d e", "", "f");
        assertThat(SkillText.quote("it's")).isEqualTo("'it'\\''s'");
    }
}
