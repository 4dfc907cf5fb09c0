package ai.apprentice.skills;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SkillCatalogTest {
    @TempDir Path ws;
    @TempDir Path home;
    @TempDir Path userHome;

    static void write(Path root, String name, String description) throws Exception {
        var dir = Files.createDirectories(root.resolve(name));
        Files.writeString(dir.resolve("SKILL.md"), "---\nname: " + name + "\ndescription: " + description + "\n---\nDo " + name + " well.\n");
    }

    @Test
    void discoveryFollowsPrecedenceAndReadsClaudeFolders() throws Exception {
        write(ws.resolve(".apprentice/skills"), "review", "workspace review");
        write(home.resolve("skills"), "review", "user review");
        write(home.resolve("skills"), "deploy", "user deploy");
        write(userHome.resolve(".claude/skills"), "claude-only", "from claude");
        Files.createDirectories(ws.resolve(".claude/skills/broken"));
        Files.writeString(ws.resolve(".claude/skills/broken/SKILL.md"), "no front matter");
        var catalog = SkillCatalog.discover(SkillCatalog.standardRoots(ws, home, userHome, null));
        assertThat(catalog.skills()).extracting(Skill::name).containsExactly("review", "deploy", "claude-only");
        assertThat(catalog.get("review").orElseThrow().description()).isEqualTo("workspace review");
        assertThat(catalog.get("claude-only").orElseThrow().source()).isEqualTo("claude-user");
        assertThat(catalog.shadowed()).singleElement().asString().contains("hidden by");
        assertThat(catalog.problems()).singleElement().asString().contains("broken").contains("no YAML front matter");
    }

    @Test
    void useSkillReturnsInstructionsAndFiles() throws Exception {
        write(home.resolve("skills"), "format", "formats markdown");
        Files.createDirectories(home.resolve("skills/format/scripts"));
        Files.writeString(home.resolve("skills/format/scripts/fmt.sh"), "echo formatted");
        var catalog = SkillCatalog.discover(List.of(new SkillCatalog.Root(home.resolve("skills"), "user")));
        var tool = catalog.useSkillTool();
        var ok = tool.execute(Json.object().put("name", "format"), null);
        assertThat(ok.content()).contains("# Skill: format").contains("Do format well.").contains("- scripts/fmt.sh")
                .contains(home.resolve("skills/format").toString());
        var missing = tool.execute(Json.object().put("name", "nope"), null);
        assertThat(missing.error()).isTrue();
        assertThat(missing.content()).contains("No skill named 'nope'").contains("format");
    }

    @Test
    void theIndexStaysWithinItsBudget() throws Exception {
        var root = ws.resolve("many");
        for (int i = 0; i < 100; i++) {
            write(root, "skill-" + i, "Helps with task family " + i + " when the user asks about topic " + i
                    + "; covers setup, common errors, and a checklist to verify the result before answering.");
        }
        var catalog = SkillCatalog.discover(List.of(new SkillCatalog.Root(root, "user")));
        var section = catalog.promptSection(4000);
        assertThat(SkillCatalog.estimateTokens(section)).isLessThanOrEqualTo(4000);
        assertThat(section).contains("skill-0:").contains("skill-99:");
        var tight = catalog.promptSection(300);
        assertThat(SkillCatalog.estimateTokens(tight)).isLessThanOrEqualTo(300);
        assertThat(tight).contains("more skills; call use_skill");
        assertThat(SkillCatalog.discover(List.of()).promptSection(4000)).isEmpty();
    }
}
