package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class RunCommandTest {
    @TempDir Path home;
    @TempDir Path ws;
    CliHarness cli;

    @BeforeEach
    void setUp() {
        cli = new CliHarness(home, ws);
    }

    private void script(String name, String... turns) throws Exception {
        Files.writeString(ws.resolve(name), String.join("\n", turns) + "\n");
    }

    @Test
    void runPrintsTheAnswerAndRecordsTheRun() throws Exception {
        script("s.jsonl",
                "{\"text\": \"Looking.\", \"tool_calls\": [{\"name\": \"write_file\", \"arguments\": {\"path\": \"out.txt\", \"content\": \"hi\"}}]}",
                "{\"text\": \"Done: wrote out.txt\", \"usage\": {\"input_tokens\": 100, \"output_tokens\": 7}}");
        var r = cli.run("run", "--model", "scripted:s.jsonl", "--approve", "auto", "write", "a", "file");
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        assertThat(r.out().strip()).isEqualTo("Done: wrote out.txt");
        assertThat(Files.readString(ws.resolve("out.txt"))).isEqualTo("hi");

        var list = cli.run("runs", "list", "--json");
        assertThat(list.exit()).isEqualTo(0);
        var runs = Json.tree(list.out());
        assertThat(runs).hasSize(1);
        var run = runs.get(0);
        assertThat(run.get("status").asText()).isEqualTo("succeeded");
        assertThat(run.get("task").asText()).isEqualTo("write a file");
        assertThat(run.get("model").asText()).isEqualTo("scripted:s.jsonl");
        assertThat(run.get("steps").asInt()).isEqualTo(2);
        assertThat(run.at("/usage/output_tokens").asLong()).isGreaterThanOrEqualTo(7);
        assertThat(run.has("started_at")).isTrue();
        assertThat(run.has("cost_usd")).isTrue();

        var show = Json.tree(cli.run("runs", "show", run.get("id").asText().substring(0, 17), "--json").out());
        assertThat(show.get("events")).extracting(e -> e.get("type").asText())
                .contains("run_started", "tool_call", "permission", "tool_result", "step_completed", "run_finished");
        assertThat(show.get("events")).allSatisfy(e -> assertThat(e.has("at")).isTrue());

        var md = cli.run("runs", "export", run.get("id").asText(), "--format", "md");
        assertThat(md.out()).contains("# Run ").contains("write a file").contains("**Tool call** `write_file`").contains("Done: wrote out.txt");
    }

    @Test
    void jsonModePrintsOneEventPerLineEndingWithRunFinished() throws Exception {
        script("s.jsonl", "{\"text\": \"42\"}");
        var r = cli.run("run", "--json", "--model", "scripted:s.jsonl", "answer");
        assertThat(r.exit()).isEqualTo(0);
        var lines = r.out().strip().split("\n");
        for (var l : lines) assertThat(Json.tree(l).has("type")).isTrue();
        var last = Json.tree(lines[lines.length - 1]);
        assertThat(last.get("type").asText()).isEqualTo("run_finished");
        assertThat(last.get("status").asText()).isEqualTo("succeeded");
        assertThat(last.get("answer").asText()).isEqualTo("42");
        assertThat(last.get("run_id").asText()).isNotBlank();
    }

    @Test
    void withoutAModelRunExplainsHowToConfigureOne() {
        var r = cli.run("run", "hello");
        assertThat(r.exit()).isEqualTo(2);
        // no model, no Ollama, no terminal to ask on: the built-in local model would be used, once the user agrees to download it
        assertThat(r.err()).contains("local model " + ai.apprentice.local.Catalog.DEFAULT + " is not downloaded yet")
                .contains("apprentice model pull").contains("--yes").contains("--model openai:gpt-4.1-mini");
        assertThat(home.resolve("models")).doesNotExist();
        assertThat(Json.tree(cli.run("runs", "list", "--json").out())).isEmpty();
    }

    @Test
    void missingApiKeyIsOneLineNamingTheVariableAndStoresNothing() {
        var r = cli.run("run", "--model", "openai:gpt-4.1-mini", "hello");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip().lines().count()).isEqualTo(1);
        assertThat(r.err()).contains("OPENAI_API_KEY");
        assertThat(Json.tree(cli.run("runs", "list", "--json").out())).isEmpty();
    }

    @Test
    void unreachableEndpointFailsWithTheUrl() throws Exception {
        cli.env.put("OPENAI_API_KEY", "sk-test");
        Files.createDirectories(ws.resolve(".apprentice"));
        Files.writeString(ws.resolve(".apprentice/config.yaml"), "retries:\n  max_attempts: 2\n  initial_backoff: 10ms\n");
        var r = cli.run("run", "--model", "openai:gpt-4.1-mini", "--base-url", "http://127.0.0.1:9/v1", "hello");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("127.0.0.1:9");
        assertThat(r.err()).doesNotContain("sk-test");
    }

    @Test
    void configSyntaxErrorNamesFileLineAndColumn() throws Exception {
        Files.createDirectories(ws.resolve(".apprentice"));
        Files.writeString(ws.resolve(".apprentice/config.yaml"), "model: openai:x\nmax_steps: [1, 2\n");
        var r = cli.run("run", "hello");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(ws.resolve(".apprentice/config.yaml").toString() + ":");
        assertThat(r.err()).containsPattern("config\\.yaml:\\d+:\\d+");
    }

    @Test
    void exhaustedBudgetExitsWithOne() throws Exception {
        script("loop.jsonl",
                "{\"tool_calls\": [{\"name\": \"list_files\", \"arguments\": {\"pattern\": \"*\"}}]}",
                "{\"tool_calls\": [{\"name\": \"list_files\", \"arguments\": {\"pattern\": \"*\"}}]}",
                "{\"tool_calls\": [{\"name\": \"list_files\", \"arguments\": {\"pattern\": \"*\"}}]}");
        var r = cli.run("run", "--model", "scripted:loop.jsonl", "--max-steps", "2", "loop");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("max_steps").contains("runs resume");
    }

    @Test
    void malformedToolArgumentsAndUnknownToolsAreToldToTheModel() throws Exception {
        script("bad.jsonl",
                "{\"tool_calls\": [{\"name\": \"read_file\", \"arguments\": \"{not json\"}, {\"name\": \"teleport\", \"arguments\": {}}]}",
                "{\"text\": \"\"}",
                "{\"text\": \"recovered\"}");
        var r = cli.run("run", "--json", "--model", "scripted:bad.jsonl", "go");
        assertThat(r.exit()).isEqualTo(0);
        assertThat(r.out()).contains("not valid JSON").contains("Unknown tool 'teleport'").contains("Your last reply was empty");
    }

    @Test
    void configShowPrintsSources() throws Exception {
        Files.createDirectories(ws.resolve(".apprentice"));
        Files.writeString(ws.resolve(".apprentice/config.yaml"), "max_steps: 12\n");
        cli.env.put("APPRENTICE_MODEL", "openai:gpt-4.1-mini");
        var r = cli.run("config", "show", "--max-cost", "0.5");
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("max_steps").contains("12").contains("config.yaml")
                .contains("APPRENTICE_MODEL").contains("--max-cost");
    }

    @Test
    void modelsListsTheProviders() {
        var r = cli.run("models");
        assertThat(r.exit()).isEqualTo(0);
        assertThat(r.out()).contains("openai").contains("anthropic").contains("deepseek").contains("qwen").contains("glm")
                .contains("kimi").contains("ollama").contains("vllm").contains("scripted");
    }

    @Test
    void unknownRunIdIsAUsageError() {
        var r = cli.run("runs", "show", "nope");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("No run with id 'nope'");
    }

    @Test
    void replRunsLinesAsTasksAndKeepsTheConversation() throws Exception {
        script("chat.jsonl", "{\"text\": \"Hello Ada.\"}", "{\"text\": \"Your name is Ada.\"}");
        var r = cli.runWithInput("/help\nI am Ada\nWhat is my name?\n/cost\n/exit\n", "--model", "scripted:" + ws.resolve("chat.jsonl"));
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("/model").contains("Hello Ada.").contains("Your name is Ada.").contains("session:");
        var runs = Json.tree(cli.run("runs", "list", "--json").out());
        assertThat(runs).hasSize(2);
    }

    @Test
    void memoryConsolidatesOnItsScheduleAfterARun() throws Exception {
        cli.run("memory", "add", "The staging database is called birch.");
        cli.run("memory", "add", "The staging database is called birch!");
        Files.createDirectories(home);
        Files.writeString(home.resolve("config.yaml"), "memory.consolidate_every: 1h\n");
        script("s.jsonl", "{\"text\": \"ok\"}", "{\"text\": \"ok\"}");
        var first = cli.run("run", "--model", "scripted:" + ws.resolve("s.jsonl"), "anything");
        assertThat(first.exit()).as(first.err()).isEqualTo(0);
        assertThat(first.err()).contains("memory consolidated on schedule: merged 1 near-duplicate(s)").contains("apprentice memory undo ");
        var second = cli.run("run", "--model", "scripted:" + ws.resolve("s.jsonl"), "anything");
        assertThat(second.err()).as("not due again within the hour").doesNotContain("consolidated");
        assertThat(cli.run("memory", "history").out()).contains("supersede");
    }
}
