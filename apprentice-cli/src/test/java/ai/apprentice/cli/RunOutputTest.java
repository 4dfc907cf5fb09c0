package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What 'run' prints where, piped: the answer once on stdout, progress and the cost on stderr; and what it reads from stdin. */
@Timeout(60)
class RunOutputTest {
    @TempDir Path home;
    @TempDir Path ws;
    CliHarness cli;

    @BeforeEach
    void setUp() throws Exception {
        cli = new CliHarness(home, ws);
        Files.writeString(ws.resolve("s.jsonl"), String.join("\n",
                "{\"text\": \"Looking first.\", \"tool_calls\": [{\"name\": \"list_files\", \"arguments\": {\"pattern\": \"*\"}}], \"usage\": {\"input_tokens\": 1000, \"output_tokens\": 20}}",
                "{\"text\": \"The answer is 42.\", \"usage\": {\"input_tokens\": 1200, \"output_tokens\": 7}}") + "\n");
    }

    @Test
    void pipedTheAnswerIsOnStdoutOnceAndStderrHasProgressAndTheCost() {
        var r = cli.run("run", "--model", "scripted:s.jsonl", "what", "is", "it");
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).isEqualTo("The answer is 42.\n");
        assertThat(r.err()).doesNotContain("The answer is 42.");
        assertThat(r.err()).contains("Looking first.").contains("→ list_files");
        var last = r.err().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertThat(last).matches("\\(2 steps · 2,227 tokens: 2,200 in, 27 out · \\$[0-9.]+ · [0-9.]+s\\)");
    }

    @Test
    void aModelWithoutAPriceSaysItsCostIsUnknownInsteadOfZero() {
        try (var mock = new ai.apprentice.testkit.MockOpenAiServer()) {
            mock.enqueue(ai.apprentice.testkit.MockReply.text("The answer is 42."));
            cli.env.put("OPENAI_API_KEY", "sk-test");
            cli.env.put("APPRENTICE_MEMORY", "off"); // no extraction call after the answer
            var r = cli.run("run", "--model", "openai:no-such-priced-model", "--base-url", mock.baseUrl(), "what", "is", "it");
            assertThat(r.exit()).as(r.err()).isEqualTo(0);
            var last = r.err().strip().lines().reduce((a, b) -> b).orElseThrow();
            assertThat(last).contains("cost unknown (no price for this model)").doesNotContain("$0");
        }
        var priced = cli.run("run", "--model", "scripted:s.jsonl", "what", "is", "it"); // a model on this machine: free, so $0 is true
        assertThat(priced.err().strip().lines().reduce((a, b) -> b).orElseThrow()).contains("$0.0000");
    }

    @Test
    void aPriceInTheConfigWithCachePricesPricesTheModelAndABadOneSaysWhere() throws Exception {
        Files.writeString(home.resolve("config.yaml"), "prices:\n  openai:my-model: {input: 2.0, output: 8.0, cached_input: 0.5, cache_write: 2.0, as_of: 2026-12-01}\n");
        try (var mock = new ai.apprentice.testkit.MockOpenAiServer()) {
            mock.enqueue(ai.apprentice.testkit.MockReply.text("The answer is 42."));
            cli.env.put("OPENAI_API_KEY", "sk-test");
            cli.env.put("APPRENTICE_MEMORY", "off");
            var r = cli.run("run", "--model", "openai:my-model", "--base-url", mock.baseUrl(), "what", "is", "it");
            assertThat(r.exit()).as(r.err()).isEqualTo(0);
            assertThat(r.err().strip().lines().reduce((a, b) -> b).orElseThrow()).doesNotContain("cost unknown").containsPattern("\\$[0-9.]+");
        }
        Files.writeString(home.resolve("config.yaml"), "prices:\n  openai:my-model: {input: 2.0, output: 8.0, cached_input: -1}\n");
        var bad = cli.run("run", "--model", "scripted:s.jsonl", "hi");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("prices").contains("cached_input");
    }

    @Test
    void aTimeoutIsReportedAsWritten() throws Exception {
        Files.writeString(ws.resolve("slow.jsonl"), "{\"delay_ms\": 20000, \"text\": \"too late\"}\n");
        var r = cli.run("run", "--model", "scripted:slow.jsonl", "--timeout", "1s", "wait");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("Timed out after 1s").doesNotContain("PT1S");
    }

    @Test
    void pipedTextBecomesContextOfTheTask() throws Exception {
        Files.writeString(ws.resolve("echo.jsonl"), "{\"text\": \"summarised\"}\n");
        var r = cli.runWithInput("line one\nline two\n", "run", "--model", "scripted:echo.jsonl", "summarise");
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        var task = Json.tree(cli.run("runs", "list", "--json").out()).get(0).get("task").asText();
        assertThat(task).isEqualTo("summarise\n\n<stdin>\nline one\nline two\n</stdin>");
    }

    @Test
    void aPipeThatIsNeverWrittenNorClosedDoesNotHangTheTask() throws Exception {
        Files.writeString(ws.resolve("echo.jsonl"), "{\"text\": \"done\"}\n");
        cli.env.put("APPRENTICE_STDIN_WAIT_MS", "300");
        var silent = new java.io.PipedInputStream(new java.io.PipedOutputStream()); // open, empty, never closed
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int exit;
        try (var o = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
             var e = new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8)) {
            exit = Main.run(new String[] {"run", "--workspace", ws.toString(), "--model", "scripted:echo.jsonl", "go"}, cli.env, silent, true, o, e, false);
        }
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("done\n");
        assertThat(err.toString()).contains("nothing came on standard input in 300 ms; going on without it");
        var task = Json.tree(cli.run("runs", "list", "--json").out()).get(0).get("task").asText();
        assertThat(task).isEqualTo("go");
    }

    @Test
    void aDashReadsTheTaskFromStdin() throws Exception {
        Files.writeString(ws.resolve("echo.jsonl"), "{\"text\": \"42\"}\n");
        var r = cli.runWithInput("What is six times seven?\n", "run", "--model", "scripted:echo.jsonl", "-");
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        assertThat(Json.tree(cli.run("runs", "list", "--json").out()).get(0).get("task").asText()).isEqualTo("What is six times seven?");

        var empty = cli.runWithInput("", "run", "--model", "scripted:echo.jsonl", "-");
        assertThat(empty.exit()).isEqualTo(2);
        assertThat(empty.err()).contains("no task on standard input");
        var terminal = cli.runInteractive("", "run", "--model", "scripted:echo.jsonl", "-");
        assertThat(terminal.exit()).isEqualTo(2);
        assertThat(terminal.err()).contains("it is a terminal");
    }

    @Test
    void onATerminalStdinIsNotRead() throws Exception {
        Files.writeString(ws.resolve("echo.jsonl"), "{\"text\": \"ok\"}\n");
        var r = cli.runInteractive("typed ahead\n", "run", "--model", "scripted:echo.jsonl", "--approve", "auto", "hello");
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        assertThat(Json.tree(cli.run("runs", "list", "--json").out()).get(0).get("task").asText()).isEqualTo("hello");
    }

    @Test
    void outputFormatJsonIsOneObjectAndStreamJsonIsOneEventPerLine() {
        var json = cli.run("run", "--model", "scripted:s.jsonl", "--output-format", "json", "go");
        assertThat(json.exit()).as(json.err()).isEqualTo(0);
        var o = Json.tree(json.out());
        assertThat(o.get("answer").asText()).isEqualTo("The answer is 42.");
        assertThat(o.get("status").asText()).isEqualTo("succeeded");
        assertThat(o.at("/usage/input_tokens").asLong()).isEqualTo(2200);
        assertThat(o.has("cost_usd")).isTrue();
        assertThat(o.get("run_id").asText()).isNotBlank();

        var stream = cli.run("run", "--model", "scripted:s.jsonl", "--output-format", "stream-json", "go");
        var lines = stream.out().strip().split("\n");
        assertThat(lines.length).isGreaterThan(3);
        for (var l : lines) assertThat(Json.tree(l).has("type")).isTrue();
        assertThat(Json.tree(lines[lines.length - 1]).get("type").asText()).isEqualTo("run_finished");

        var bad = cli.run("run", "--model", "scripted:s.jsonl", "--output-format", "yaml", "go");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--output-format must be text, json or stream-json, not 'yaml'");
        var clash = cli.run("run", "--model", "scripted:s.jsonl", "--json", "--output-format", "text", "go");
        assertThat(clash.exit()).isEqualTo(2);
        assertThat(clash.err()).contains("--json is --output-format stream-json");
    }
}
