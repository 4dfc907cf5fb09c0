package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.skills.BuiltinSkills;
import ai.apprentice.testkit.Requirements;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each built-in skill, run end to end by a scripted model through the real CLI, tools, sandbox and store. */
@Timeout(120)
class BuiltinSkillsTest {
    @TempDir Path home;
    @TempDir Path ws;
    CliHarness cli;
    Path skills;

    @BeforeEach
    void setUp() throws Exception {
        cli = new CliHarness(home, ws);
        skills = BuiltinSkills.unpack(home.resolve("builtin-skills"));
        // spawn_agent may name only models the person allowed: here, each subagent's script.
        Files.writeString(home.resolve("config.yaml"), "subagent_models: [" + String.join(", ", java.util.stream.Stream.of(
                "analyst", "outline", "outline-a", "outline-b", "draft-1", "draft-2", "polish").map(m -> "\"scripted:" + m + ".jsonl\"").toList()) + "]\n");
    }

    static ObjectNode call(String tool, ObjectNode args) {
        return Json.object().put("name", tool).set("arguments", args);
    }

    static String turn(ObjectNode... calls) {
        var t = Json.object();
        ArrayNode arr = t.putArray("tool_calls");
        for (var c : calls) arr.add(c);
        return t.toString();
    }

    static String answer(String text) {
        return Json.object().put("text", text).toString();
    }

    static ObjectNode args() {
        return Json.object();
    }

    void script(String file, String... turns) throws Exception {
        Files.writeString(ws.resolve(file), String.join("\n", turns) + "\n");
    }

    /** A subagent's script: write the output, then report it. */
    void child(String file, String output, String content) throws Exception {
        script(file, turn(call("write_file", args().put("path", output).put("content", content))), answer("wrote " + output));
    }

    static ObjectNode spawn(String output, String model, String... inputs) {
        var a = args().put("instructions", "produce " + output).put("output_path", output).put("model", "scripted:" + model);
        var arr = a.putArray("input_paths");
        for (var i : inputs) arr.add(i);
        return call("spawn_agent", a);
    }

    CliHarness.Result run(String scriptFile, String task) {
        var r = cli.run("run", "--json", "--approve", "auto", "--model", "scripted:" + scriptFile, task);
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(0);
        return r;
    }

    static List<JsonNode> toolResults(CliHarness.Result r) {
        var out = new ArrayList<JsonNode>();
        r.out().lines().map(Json::tree).filter(e -> e.get("type").asText().equals("tool_result")).forEach(out::add);
        return out;
    }

    @Test
    void writingPipelineRunsParallelSubagentsFormatsDeterministicallyAndResumesAfterAnEdit() throws Exception {
        Files.createDirectories(ws.resolve("sources"));
        Files.writeString(ws.resolve("sources/a.md"), "Solar output rose 20% in 2025.");
        child("analyst.jsonl", "work/analysis.md", "Key point: solar grew 20% (a.md).");
        child("outline-a.jsonl", "work/outline-a.md", "1. Problem\n2. Growth");
        child("outline-b.jsonl", "work/outline-b.md", "1. Story\n2. Numbers");
        child("draft-1.jsonl", "work/draft-1.md", "## Growth\nSolar grew 20%.   ");
        child("draft-2.jsonl", "work/draft-2.md", "## Outlook\n* more panels");
        child("polish.jsonl", "work/polished.md", "#Solar in 2025\n\n\n\nSolar grew 20%.   \n* more panels\n");
        Requirements.bubblewrap(); // run_shell with --approve auto runs only sandboxed
        Requirements.python3();
        var format = "python3 " + skills.resolve("writing-pipeline/scripts/format_markdown.py") + " work/polished.md work/final.md";
        script("pipeline.jsonl",
                turn(call("use_skill", args().put("name", "writing-pipeline"))),
                turn(spawn("work/analysis.md", "analyst.jsonl", "sources/a.md")),
                turn(spawn("work/outline-a.md", "outline-a.jsonl", "work/analysis.md"), spawn("work/outline-b.md", "outline-b.jsonl", "work/analysis.md")),
                turn(call("write_file", args().put("path", "work/choice.md").put("content", "Outline A, with B's numbers."))),
                turn(spawn("work/draft-1.md", "draft-1.jsonl", "work/analysis.md", "work/outline-a.md", "work/choice.md"),
                        spawn("work/draft-2.md", "draft-2.jsonl", "work/analysis.md", "work/outline-a.md", "work/choice.md")),
                turn(spawn("work/polished.md", "polish.jsonl", "work/draft-1.md", "work/draft-2.md")),
                turn(call("run_shell", args().put("command", format))),
                answer("work/final.md is ready"));
        var r = run("pipeline.jsonl", "write an article about solar from sources/");
        assertThat(ws.resolve("work/final.md")).as(r.out()).exists();
        assertThat(Files.readString(ws.resolve("work/final.md"))).isEqualTo("# Solar in 2025\n\nSolar grew 20%.\n- more panels\n");
        var results = toolResults(r);
        assertThat(results.getFirst().get("content").asText()).contains("# Writing pipeline").contains("scripts/format_markdown.py");
        assertThat(results).filteredOn(e -> e.get("name").asText().equals("spawn_agent")).hasSize(6)
                .allSatisfy(e -> assertThat(e.get("content").asText()).startsWith("output: work/").doesNotContain("Solar grew"));
        var runs = Json.tree(cli.run("runs", "list", "--json").out());
        assertThat(runs).hasSize(7);
        long children = 0;
        for (var run : runs) if (run.has("parent_id")) children++;
        assertThat(children).isEqualTo(6);

        // A person improves the polished text; the pipeline runs again and keeps every finished step.
        Files.writeString(ws.resolve("work/polished.md"), "# Solar in 2025\n\nSolar grew 20%, a record.\n");
        var again = run("pipeline.jsonl", "write an article about solar from sources/");
        var spawns = toolResults(again).stream().filter(e -> e.get("name").asText().equals("spawn_agent")).map(e -> e.get("content").asText()).toList();
        assertThat(spawns.subList(0, 5)).allSatisfy(s -> assertThat(s).contains("already done"));
        assertThat(spawns.get(5)).contains("edited by a person");
        assertThat(Files.readString(ws.resolve("work/final.md"))).contains("a record.");
        assertThat(Json.tree(cli.run("runs", "list", "--json").out())).hasSize(8); // no subagent ran again
    }

    @Test
    void aPipelineKilledDuringItsParallelDraftsResumesWithoutRedoingFinishedSteps() throws Exception {
        Requirements.bubblewrap();
        Files.createDirectories(ws.resolve("sources"));
        Files.writeString(ws.resolve("sources/a.md"), "Wind output rose 5%.");
        child("analyst.jsonl", "work/analysis.md", "Wind grew 5%.");
        child("outline.jsonl", "work/outline.md", "1. Growth");
        // The drafts hang: the process is killed while they run.
        var slow = Json.object().put("delay_ms", 120_000).put("text", "never");
        script("draft-1.jsonl", slow.toString());
        script("draft-2.jsonl", slow.toString());
        script("pipeline.jsonl",
                turn(spawn("work/analysis.md", "analyst.jsonl", "sources/a.md")),
                turn(spawn("work/outline.md", "outline.jsonl", "work/analysis.md")),
                turn(spawn("work/draft-1.md", "draft-1.jsonl", "work/outline.md"), spawn("work/draft-2.md", "draft-2.jsonl", "work/outline.md")),
                turn(call("run_shell", args().put("command", "cat work/draft-1.md work/draft-2.md > work/final.md"))),
                answer("work/final.md"));
        var javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "ai.apprentice.cli.Main", "run",
                "--workspace", ws.toString(), "--approve", "auto", "--model", "scripted:pipeline.jsonl", "wind article")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))) // run reads a piped stdin to its end
                .redirectOutput(ws.resolve("child.log").toFile());
        pb.environment().put("APPRENTICE_HOME", home.toString());
        var process = pb.start();
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (true) { // until both draft subagents are running
            var runs = Json.tree(cli.run("runs", "list", "--json").out());
            long drafting = 0;
            for (var run : runs) if (run.path("task").asText().startsWith("produce work/draft") && run.path("status").asText().equals("running")) drafting++;
            if (drafting == 2) break;
            assertThat(process.isAlive()).as(Files.readString(ws.resolve("child.log"))).isTrue();
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(100);
        }
        process.destroyForcibly(); // SIGKILL, mid-step
        assertThat(process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        var runs = Json.tree(cli.run("runs", "list", "--json").out());
        String parent = null;
        for (var run : runs) {
            assertThat(run.get("status").asText()).as(run.toString()).isIn("interrupted", "succeeded");
            if (!run.has("parent_id")) parent = run.get("id").asText();
        }
        child("draft-1.jsonl", "work/draft-1.md", "Draft one.\n");
        child("draft-2.jsonl", "work/draft-2.md", "Draft two.\n");
        var resumed = cli.run("runs", "resume", parent, "--json", "--approve", "auto");
        assertThat(resumed.exit()).as(resumed.out() + resumed.err()).isEqualTo(0);
        assertThat(Files.readString(ws.resolve("work/final.md"))).isEqualTo("Draft one.\nDraft two.\n");
        var spawned = toolResults(resumed).stream().filter(e -> e.get("name").asText().equals("spawn_agent")).toList();
        assertThat(spawned).hasSize(2).allSatisfy(e -> assertThat(e.get("content").asText()).contains("by subagent run"));
        var analysts = 0;
        for (var run : Json.tree(cli.run("runs", "list", "--json").out())) if (run.path("task").asText().startsWith("produce work/analysis")) analysts++;
        assertThat(analysts).as("finished steps were not run again").isEqualTo(1);
    }

    @Test
    void codeReviewReadsTheDiffAndWritesAReview() throws Exception {
        Requirements.bubblewrap();
        Files.writeString(ws.resolve("calc.py"), "def add(a, b):\n    return a + b\n");
        var git = "git init -q && git -c user.email=t@t -c user.name=t add calc.py && git -c user.email=t@t -c user.name=t commit -qm init";
        assertThat(new ProcessBuilder("bash", "-c", git).directory(ws.toFile()).start().waitFor()).isZero();
        Files.writeString(ws.resolve("calc.py"), "def add(a, b):\n    return a - b\n");
        script("review.jsonl",
                turn(call("use_skill", args().put("name", "code-review"))),
                turn(call("run_shell", args().put("command", "git diff"))),
                turn(call("write_file", args().put("path", "review.md").put("content",
                        "Request changes.\n\n| severity | file:line | finding | suggestion |\n|---|---|---|---|\n| blocker | calc.py:2 | add subtracts | use a + b |\n"))),
                answer("Request changes; see review.md"));
        var r = run("review.jsonl", "review my change");
        assertThat(toolResults(r).get(1).get("content").asText()).contains("-    return a + b").contains("+    return a - b");
        assertThat(Files.readString(ws.resolve("review.md"))).contains("| blocker | calc.py:2");
    }

    @Test
    void writeTestsWritesAndRunsTests() throws Exception {
        Requirements.bubblewrap();
        Requirements.python3();
        Files.writeString(ws.resolve("slug.py"), "def slug(s):\n    return s.strip().lower().replace(' ', '-')\n");
        script("tests.jsonl",
                turn(call("use_skill", args().put("name", "write-tests"))),
                turn(call("write_file", args().put("path", "test_slug.py").put("content",
                        "import unittest\nfrom slug import slug\n\nclass T(unittest.TestCase):\n    def test_spaces(self):\n        self.assertEqual(slug(' A b '), 'a-b')\n\nif __name__ == '__main__':\n    unittest.main()\n"))),
                turn(call("run_shell", args().put("command", "python3 -m unittest -q 2>&1 | tail -1"))),
                answer("test_slug.py passes"));
        var r = run("tests.jsonl", "add tests for slug");
        assertThat(toolResults(r).get(2).get("content").asText()).contains("exit code: 0").contains("OK");
    }

    @Test
    void researchReportReadsItsChecklistAndCitesSources() throws Exception {
        Files.writeString(ws.resolve("s1.md"), "Battery prices fell 10% in 2025.");
        script("research.jsonl",
                turn(call("use_skill", args().put("name", "research-report"))),
                turn(call("read_file", args().put("path", "s1.md")),
                        call("read_file", args().put("path", skills.resolve("research-report/references/checklist.md").toString()))),
                turn(call("write_file", args().put("path", "report.md").put("content",
                        "# Batteries\n\nPrices fell 10% in 2025 [S1].\n\n## Evidence\n| claim | sources | quote |\n|---|---|---|\n| prices fell 10% | S1 | \"fell 10%\" |\n\n## Sources\nS1: s1.md\n"))),
                answer("report.md: prices fell 10% [S1]"));
        var r = run("research.jsonl", "report on battery prices");
        assertThat(toolResults(r).get(2).get("content").asText()).contains("Every factual sentence has a citation");
        assertThat(Files.readString(ws.resolve("report.md"))).contains("[S1]").contains("## Evidence");
    }

    @Test
    void skillCreatorWritesAValidSkill() throws Exception {
        Requirements.bubblewrap();
        Requirements.python3();
        var check = "python3 " + skills.resolve("skill-creator/scripts/check_skill.py") + " skills/release-notes";
        script("creator.jsonl",
                turn(call("use_skill", args().put("name", "skill-creator"))),
                turn(call("write_file", args().put("path", "skills/release-notes/SKILL.md").put("content",
                        "---\nname: release-notes\ndescription: Write release notes from merged changes. Use when preparing a release.\n---\n1. Run git log.\n"))),
                turn(call("run_shell", args().put("command", check))),
                answer("skills/release-notes/SKILL.md; install it with: apprentice skills install skills/release-notes"));
        var r = run("creator.jsonl", "make a skill for release notes");
        assertThat(toolResults(r).get(2).get("content").asText()).contains("exit code: 0").contains("ok");
        assertThat(cli.run("skills", "validate", ws.resolve("skills/release-notes").toString()).exit()).isZero();
        // The agent cannot install skills itself; a person does.
        assertThat(cli.run("skills", "list", "-w", ws.toString()).out()).doesNotContain("release-notes");
        var install = cli.run("skills", "install", ws.resolve("skills/release-notes").toString(), "-w", ws.toString());
        assertThat(install.exit()).as(install.err()).isZero();
        assertThat(cli.run("skills", "list", "-w", ws.toString()).out()).contains("release-notes").contains("writing-pipeline");
        assertThat(cli.run("skills", "install", ws.resolve("skills/release-notes").toString(), "-w", ws.toString()).exit()).isEqualTo(2);
    }
}
