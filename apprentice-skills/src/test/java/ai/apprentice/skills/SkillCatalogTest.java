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
        assertThat(catalog.skills()).extracting(Skill::name).containsExactly("review", "deploy", "review", "claude-only");
        assertThat(catalog.get("review").orElseThrow().description()).isEqualTo("workspace review");
        assertThat(catalog.get("user:review").orElseThrow().description()).as("the other one, by qualified name").isEqualTo("user review");
        assertThat(catalog.get("claude-only").orElseThrow().source()).isEqualTo("claude-user");
        assertThat(catalog.shadowed()).singleElement().asString().contains("use user:review");
        assertThat(catalog.promptSection(4000)).contains("- review: workspace review").contains("- user:review: user review");
        assertThat(catalog.problems()).singleElement().asString().contains("broken").contains("no YAML front matter");
    }

    static void writeFile(Path file, String text) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    @Test
    void discoveryFindsTheOtherAgentsFoldersParentsOfAMonorepoSubfolderNestedPackagesAndLowercaseFiles() throws Exception {
        var repo = Files.createDirectories(ws.resolve("repo"));
        Files.createDirectories(repo.resolve(".git"));
        var sub = Files.createDirectories(repo.resolve("services/api"));
        write(sub.resolve(".agents/skills"), "shared", "cross-agent, in the folder worked in");
        write(sub.resolve(".codex/skills"), "codex-one", "from codex");
        write(repo.resolve(".claude/skills"), "repo-wide", "from the repository's root");
        write(sub.resolve("pkg/web/.claude/skills"), "web-only", "from a nested package");
        write(sub.resolve("node_modules/dep/.claude/skills"), "from-deps", "never: a dependency");
        writeFile(sub.resolve(".claude/skills/lower/skill.md"), "---\nname: lower\ndescription: lowercase file\n---\nLower body.\n");
        write(userHome.resolve(".agents/skills"), "home-agents", "from ~/.agents");
        write(userHome.resolve(".codex/skills"), "home-codex", "from ~/.codex");
        var catalog = SkillCatalog.discover(SkillCatalog.standardRoots(sub, home, userHome, null));
        assertThat(catalog.skills()).extracting(Skill::name)
                .containsExactly("shared", "lower", "codex-one", "repo-wide", "web-only", "home-agents", "home-codex");
        assertThat(catalog.get("repo-wide").orElseThrow().source()).isEqualTo("claude@../..");
        assertThat(catalog.get("web-only").orElseThrow().source()).isEqualTo("claude@pkg/web");
        assertThat(catalog.get("lower").orElseThrow().body()).isEqualTo("Lower body.");
        assertThat(catalog.problems()).isEmpty();
        // Outside a repository, parent folders are not the project's.
        var loose = Files.createDirectories(home.resolve("loose/inner"));
        write(home.resolve("loose/.claude/skills"), "parent-skill", "not the project's");
        assertThat(SkillCatalog.discover(SkillCatalog.standardRoots(loose, home, userHome, null)).get("parent-skill")).isEmpty();
    }

    @Test
    void claudeCodePluginsBringSkillsAndCommandsUnderQualifiedNames() throws Exception {
        var plugin = userHome.resolve(".claude/plugins/cache/market/tidy/1.0.0");
        writeFile(plugin.resolve(".claude-plugin/plugin.json"), "{\"name\": \"tidy\", \"version\": \"1.0.0\"}");
        write(plugin.resolve("skills"), "review", "the plugin's review");
        writeFile(plugin.resolve("commands/fmt.md"), "# Format the files given\n\nRun ${CLAUDE_PLUGIN_ROOT}/bin/fmt $ARGUMENTS.\n");
        writeFile(plugin.resolve("commands/lint.md"), "---\ndescription: Lints.\nargument-hint: \"[path]\"\n---\nLint it.\n");
        write(ws.resolve(".claude/skills"), "review", "the project's review");
        // An older cached version of the same plugin, written earlier: the newer one wins.
        var old = userHome.resolve(".claude/plugins/cache/market/tidy/0.9.0");
        writeFile(old.resolve(".claude-plugin/plugin.json"), "{\"name\": \"tidy\", \"version\": \"0.9.0\"}");
        write(old.resolve("skills"), "review", "the old review");
        write(old.resolve("skills"), "gone", "removed in 1.0.0");
        Files.setLastModifiedTime(old.resolve(".claude-plugin/plugin.json"), java.nio.file.attribute.FileTime.fromMillis(1_000_000));
        var catalog = SkillCatalog.discover(SkillCatalog.standardRoots(ws, home, userHome, null));
        assertThat(catalog.get("tidy:gone")).isEmpty();
        assertThat(catalog.get("review").orElseThrow().description()).isEqualTo("the project's review");
        assertThat(catalog.get("tidy:review").orElseThrow().description()).isEqualTo("the plugin's review");
        var fmt = catalog.get("tidy:fmt").orElseThrow();
        assertThat(fmt.description()).isEqualTo("Format the files given");
        assertThat(fmt.files()).isEmpty();
        assertThat(SkillText.render(fmt, fmt.body(), "a.py", null, SkillText.Shell.NONE)).contains("Run " + plugin.toAbsolutePath() + "/bin/fmt a.py.");
        assertThat(catalog.get("tidy:lint").orElseThrow().invocation().argumentHint()).isEqualTo("[path]");
        assertThat(catalog.promptSection(4000)).contains("- tidy:review:").contains("- tidy:fmt:").contains("- review: the project's");
        assertThat(catalog.problems()).isEmpty();
    }

    @Test
    void claudeCodesSkillToolIsUseSkill() throws Exception {
        write(home.resolve("skills"), "format", "formats markdown");
        var catalog = SkillCatalog.discover(List.of(new SkillCatalog.Root(home.resolve("skills"), "user")));
        var executor = new ai.apprentice.tool.ToolExecutor(List.of(catalog.useSkillTool()), List.of(SkillCatalog.claudeSkillAlias()), 20_000);
        var r = executor.execute(new ai.apprentice.model.ToolCall("c", "Skill", "{\"skill\":\"/format\",\"args\":\"x.md\"}"), null);
        assertThat(r.error()).as(r.content()).isFalse();
        assertThat(r.content()).contains("# Skill: format").contains("ARGUMENTS: x.md");
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

    /** A body of numbered lines, so that a test can tell exactly which lines arrived. */
    static String numberedLines(int n) {
        var sb = new StringBuilder();
        for (int i = 1; i <= n; i++) sb.append("Step ").append(i).append(": check the thing numbered ").append(i).append(" carefully.\n");
        return sb.toString();
    }

    @Test
    void useSkillIsNotCutByTheToolResultCap() throws Exception {
        var root = home.resolve("skills");
        var dir = Files.createDirectories(root.resolve("long"));
        var body = numberedLines(1500); // about 70,000 characters, over the 20,000 cap
        Files.writeString(dir.resolve("SKILL.md"), "---\nname: long\ndescription: a long one\n---\n" + body);
        var deep = Files.createDirectories(dir.resolve("a/b/c/d/e"));
        Files.writeString(deep.resolve("six-levels.md"), "deep");
        var catalog = SkillCatalog.discover(List.of(new SkillCatalog.Root(root, "user")));
        var executor = new ai.apprentice.tool.ToolExecutor(List.of(catalog.useSkillTool()), 20_000);
        var result = executor.execute(new ai.apprentice.model.ToolCall("c1", "use_skill", "{\"name\":\"long\"}"), null);
        assertThat(body.length()).isGreaterThan(60_000);
        assertThat(result.content()).contains(body.strip()).doesNotContain("truncated").contains("- a/b/c/d/e/six-levels.md");
    }

    @Test
    void aBodyOverTheSkillsOwnLimitEndsWithTheReadFileCallThatContinuesIt() throws Exception {
        var root = home.resolve("skills");
        var dir = Files.createDirectories(root.resolve("huge"));
        Files.writeString(dir.resolve("SKILL.md"), "---\nname: huge\ndescription: too long\n---\n" + numberedLines(4000));
        var skill = SkillCatalog.discover(List.of(new SkillCatalog.Root(root, "user"))).get("huge").orElseThrow();
        var text = skill.body();
        assertThat(text.length()).isLessThan(Skill.MAX_BODY_CHARS + 300);
        var last = text.lines().filter(l -> l.startsWith("Step ")).reduce((a, b) -> b).orElseThrow();
        int lastStep = Integer.parseInt(last.substring(5, last.indexOf(':')));
        // The body starts on line 5 of SKILL.md (after four lines of front matter), so step n is on line n + 4.
        assertThat(text).contains("read_file path=" + dir.resolve("SKILL.md") + " offset=" + (lastStep + 1 + 4));
        var continued = Files.readAllLines(dir.resolve("SKILL.md")).get(lastStep + 4);
        assertThat(continued).startsWith("Step " + (lastStep + 1) + ":");
    }

    @Test
    void aSkillOnlyTheUserMayStartIsNotInTheIndexAndUseSkillRefusesIt() throws Exception {
        var root = home.resolve("skills");
        write(root, "visible", "for the model");
        var dir = Files.createDirectories(root.resolve("deploy"));
        Files.writeString(dir.resolve("SKILL.md"), "---\nname: deploy\ndescription: ships to production\ndisable-model-invocation: true\n---\nShip.\n");
        var catalog = SkillCatalog.discover(List.of(new SkillCatalog.Root(root, "user")));
        assertThat(catalog.promptSection(4000)).contains("visible").doesNotContain("deploy");
        var refused = catalog.useSkillTool().execute(Json.object().put("name", "deploy"), null);
        assertThat(refused.error()).isTrue();
        assertThat(refused.content()).contains("started only by the user (/deploy)").doesNotContain("Ship.");
        var missing = catalog.useSkillTool().execute(Json.object().put("name", "nope"), null);
        assertThat(missing.content()).contains("visible").doesNotContain("deploy");
    }

    /** Sixty skills whose descriptions keep their trigger words at the end, as many published ones do. */
    static SkillCatalog crowded(Path root) throws Exception {
        var filler = " It explains the background, the usual pitfalls and a checklist, step by step, with examples.".repeat(6);
        for (int i = 0; i < 59; i++) write(root, "alpha-topic-" + i, "Helps with topic " + i + "." + filler + " Use for gardening question " + i + ".");
        write(root, "pdf-tables", "Works with documents." + filler + " Use when the user wants tables pulled out of a PDF invoice into a spreadsheet.");
        return SkillCatalog.discover(List.of(new SkillCatalog.Root(root, "user")));
    }

    @Test
    void overBudgetTheSkillsMostRelevantToTheTaskKeepTheirFullDescriptions() throws Exception {
        var catalog = crowded(ws.resolve("crowded"));
        assertThat(catalog.fitsFully(4000)).isFalse();
        var section = catalog.promptSection(4000, "Pull the tables out of this PDF invoice into a spreadsheet", SkillCatalog.Relevance.LEXICAL);
        assertThat(SkillCatalog.estimateTokens(section)).isLessThanOrEqualTo(4000);
        var lines = section.lines().filter(l -> l.startsWith("- ")).toList();
        assertThat(lines.getFirst()).startsWith("- pdf-tables:").endsWith("into a spreadsheet.");
        var named = new java.util.HashSet<String>();
        lines.forEach(l -> named.add(l.substring(2, l.indexOf(':'))));
        section.lines().filter(l -> l.contains("more skills; call use_skill with a name to load one: "))
                .forEach(l -> named.addAll(List.of(l.substring(l.indexOf("one: ") + 5, l.length() - 1).split(", "))));
        assertThat(named).as("every skill is at least named").hasSize(60).contains("pdf-tables", "alpha-topic-58");
        // Without a task, nothing is favoured: discovery order, and the full description is not kept.
        assertThat(catalog.promptSection(4000).lines().filter(l -> l.startsWith("- pdf-tables:")).findFirst().orElse(""))
                .doesNotEndWith("into a spreadsheet.");
        var tight = catalog.promptSection(200, "PDF invoice", SkillCatalog.Relevance.LEXICAL);
        assertThat(SkillCatalog.estimateTokens(tight)).isLessThanOrEqualTo(200);
        assertThat(tight).contains("more skills; call use_skill");
    }

    @Test
    void bm25PrefersRareMatchingWords() {
        var scores = Bm25.scores("invoice spreadsheets", List.of("the the the", "an invoice", "invoices and spreadsheet", "发票 invoice"));
        assertThat(scores.get(0)).isZero();
        assertThat(scores.get(2)).isGreaterThan(scores.get(1));
        assertThat(Bm25.scores("发票", List.of("发票处理", "invoice")).get(0)).isPositive();
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
