package ai.apprentice.skills;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.skills.SkillProblem.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SkillParserTest {
    @TempDir Path root;

    private Path skill(String folder, String text) throws Exception {
        var dir = Files.createDirectories(root.resolve(folder));
        Files.writeString(dir.resolve("SKILL.md"), text);
        return dir;
    }

    @Test
    void readsAValidSkill() throws Exception {
        var dir = skill("pdf-tools", """
                ---
                name: pdf-tools
                description: Extract text and tables from PDF files. Use when the user mentions PDFs.
                license: Apache-2.0
                compatibility: needs python3
                metadata:
                  author: ada
                  version: "1.2"
                allowed-tools: read_file run_shell
                ---
                # PDF tools

                Run scripts/extract.py FILE.
                """);
        Files.createDirectories(dir.resolve("scripts"));
        Files.writeString(dir.resolve("scripts/extract.py"), "print('hi')");
        var r = SkillParser.parse(dir, "user");
        assertThat(r.problems()).isEmpty();
        var s = r.skill();
        assertThat(s.name()).isEqualTo("pdf-tools");
        assertThat(s.license()).isEqualTo("Apache-2.0");
        assertThat(s.metadata()).containsEntry("author", "ada").containsEntry("version", "1.2");
        assertThat(s.allowedTools()).containsExactly("read_file", "run_shell");
        assertThat(s.body()).startsWith("# PDF tools").contains("scripts/extract.py");
        assertThat(s.files()).containsExactly("scripts/extract.py");
    }

    @Test
    void claudeCodesSpacedPatternsStayOneEntry() throws Exception {
        var spaced = SkillParser.parse(skill("g", "---\nname: g\ndescription: git\nallowed-tools: Bash(git status:*) Bash(git diff *), Read\n---\nx\n"), "user");
        assertThat(spaced.problems()).isEmpty();
        assertThat(spaced.skill().allowedTools()).containsExactly("Bash(git status:*)", "Bash(git diff *)", "Read");
        var list = SkillParser.parse(skill("h", "---\nname: h\ndescription: git\nallowed-tools:\n  - Bash(git log:*)\n  - Grep\n---\nx\n"), "user");
        assertThat(list.problems()).as("a YAML list is documented by Claude Code").isEmpty();
        assertThat(list.skill().allowedTools()).containsExactly("Bash(git log:*)", "Grep");
    }

    @Test
    void claudeCodeFieldsAreKnownAndRead() throws Exception {
        var r = SkillParser.parse(skill("deploy", """
                ---
                name: deploy
                description: Deploys the app.
                when_to_use: When the user says ship it.
                argument-hint: "[environment]"
                arguments: [environment]
                disable-model-invocation: true
                user-invocable: true
                model: openai:gpt-4.1-mini
                effort: high
                context: fork
                agent: general-purpose
                hooks: {}
                paths: ["src/**"]
                shell: bash
                version: 1.0.0
                ---
                Deploy to $environment.
                """), "user");
        assertThat(r.problems()).isEmpty();
        var inv = r.skill().invocation();
        assertThat(inv.modelInvocable()).isFalse();
        assertThat(inv.userInvocable()).isTrue();
        assertThat(inv.fork()).isTrue();
        assertThat(inv.model()).isEqualTo("openai:gpt-4.1-mini");
        assertThat(inv.argumentNames()).containsExactly("environment");
        assertThat(r.skill().indexText()).isEqualTo("Deploys the app. When the user says ship it.");
        var unknown = SkillParser.parse(skill("u", "---\nname: u\ndescription: x\ncolour: blue\nuser-invocable: maybe\n---\n"), "user");
        assertThat(unknown.problems()).extracting(SkillProblem::message)
                .anySatisfy(m -> assertThat(m).contains("unknown field 'colour'"))
                .anySatisfy(m -> assertThat(m).contains("user-invocable must be true or false"));
        assertThat(unknown.skill().invocation().userInvocable()).isTrue();
    }

    @Test
    void theTemplatesTodoPlaceholdersAreFlagged() throws Exception {
        var r = SkillParser.parse(skill("fresh", "---\nname: fresh\ndescription: \"TODO: what this skill does, and when to use it.\"\n---\n"
                + "# fresh\n\n## When to use\nTODO\n\n## Steps\n1. TODO\n\nMention TODO comments in code reviews.\n"), "user");
        assertThat(r.problems()).extracting(SkillProblem::toString)
                .anySatisfy(m -> assertThat(m).contains("SKILL.md:3").contains("template's TODO"))
                .anySatisfy(m -> assertThat(m).contains("SKILL.md:8").contains("TODO placeholder"))
                .anySatisfy(m -> assertThat(m).contains("SKILL.md:11").contains("TODO placeholder"))
                .hasSize(3);
    }

    @Test
    void fatalProblemsSayWhatAndWhere() throws Exception {
        var none = SkillParser.parse(skill("a", "# just markdown\n"), "user");
        assertThat(none.skill()).isNull();
        assertThat(none.problems().getFirst().toString()).contains("SKILL.md:1").contains("no YAML front matter");

        var broken = SkillParser.parse(skill("b", "---\nname: b\ndescription: [unclosed\n---\nbody\n"), "user");
        assertThat(broken.skill()).isNull();
        assertThat(broken.problems().getFirst().message()).contains("not valid YAML");
        assertThat(broken.problems().getFirst().line()).isGreaterThanOrEqualTo(3);

        var noName = SkillParser.parse(skill("c", "---\ndescription: does c\n---\n"), "user");
        assertThat(noName.problems()).extracting(SkillProblem::message).anySatisfy(m -> assertThat(m).contains("'name' is missing"));

        var open = SkillParser.parse(skill("d", "---\nname: d\ndescription: x\n"), "user");
        assertThat(open.problems().getFirst().message()).contains("not closed");
    }

    @Test
    void specViolationsStillLoadWithWarnings() throws Exception {
        var r = SkillParser.parse(skill("my-folder", "---\nname: My_Skill\ndescription: " + "x".repeat(1100)
                + "\ntriggers: [pdf]\n---\nbody\n"), "claude-user");
        assertThat(r.skill()).isNotNull();
        assertThat(r.problems()).allSatisfy(p -> assertThat(p.severity()).isEqualTo(Severity.VIOLATION));
        assertThat(r.problems()).extracting(SkillProblem::toString)
                .anySatisfy(m -> assertThat(m).contains("SKILL.md:2").contains("lowercase"))
                .anySatisfy(m -> assertThat(m).contains("differs from the folder name 'my-folder'"))
                .anySatisfy(m -> assertThat(m).contains("1100 characters; at most 1024"))
                .anySatisfy(m -> assertThat(m).contains("SKILL.md:4").contains("unknown field 'triggers'"));
    }

    @Test
    void aHugeBodyIsBoundedForTheModel() throws Exception {
        var r = SkillParser.parse(skill("big", "---\nname: big\ndescription: big one\n---\n" + "word ".repeat(2_100_000)), "user");
        assertThat(r.skill()).isNotNull();
        assertThat(r.problems()).extracting(SkillProblem::message).anySatisfy(m -> assertThat(m).contains("KiB"));
        var body = r.skill().body();
        assertThat(body.length()).isLessThan(Skill.MAX_BODY_CHARS + 300);
        assertThat(body).contains("The instructions continue").contains("offset=5");
    }
}
