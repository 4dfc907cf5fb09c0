package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.local.Catalog;
import ai.apprentice.local.TinyLlama;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local provider through the CLI: a tiny generated GGUF served over HTTP as Hugging Face would serve it,
 * pulled, listed, inspected, run and removed; and the default model resolution (configured, Ollama, local).
 */
@Timeout(180)
class LocalModelCommandTest {
    @TempDir Path home;
    @TempDir Path ws;
    @TempDir static Path files;
    HttpServer server;
    byte[] gguf;
    String sha;
    CliHarness cli;

    @BeforeEach
    void start() throws Exception {
        gguf = Files.readAllBytes(TinyLlama.write(files.resolve("tiny.gguf"), 5));
        sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(gguf));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        var smallest = Catalog.find("qwen2.5-0.5b-instruct").orElseThrow();
        server.createContext("/" + smallest.url().substring("https://huggingface.co/".length()), ex -> {
            ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
            ex.sendResponseHeaders(200, gguf.length);
            try (var out = ex.getResponseBody()) {
                out.write(gguf);
            }
        });
        server.createContext("/files/tiny.gguf", ex -> {
            ex.sendResponseHeaders(200, gguf.length);
            try (var out = ex.getResponseBody()) {
                out.write(gguf);
            }
        });
        server.createContext("/api/tags", ex -> {
            var body = "{\"models\": [{\"name\": \"qwen2.5:0.5b\"}]}".getBytes();
            ex.sendResponseHeaders(200, body.length);
            try (var out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        cli = new CliHarness(home, ws);
        Files.createDirectories(home);
        Files.writeString(home.resolve("config.yaml"), "memory: off\nlocal:\n  context_size: 1024\n  max_output_tokens: 24\n  seed: 3\n");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void pullListInfoRunAndRemoveAModelFromAUrl() throws Exception {
        var pull = cli.run("model", "pull", base() + "/files/tiny.gguf", "--sha256", sha, "--name", "tiny");
        assertThat(pull.exit()).as(pull.err()).isEqualTo(0);
        assertThat(pull.out()).contains("Pulled tiny").contains(sha).contains("(verified)");
        assertThat(pull.err()).contains("100%");
        assertThat(cli.run("model", "pull", base() + "/files/tiny.gguf", "--name", "tiny").out()).contains("tiny is already here");
        assertThat(cli.run("model", "pull", base() + "/files/tiny.gguf", "--name", "../evil").exit()).isEqualTo(2);
        assertThat(cli.run("model", "list").out()).contains("tiny").contains("/files/tiny.gguf");
        assertThat(cli.run("model", "list", "--available").out()).contains(Catalog.DEFAULT + " ").contains("[default]").contains("Apache-2.0");
        var info = cli.run("model", "info", "tiny");
        assertThat(info.out()).contains("architecture   llama").contains("context        4096 tokens").contains("layers         2")
                .contains("chat template  yes").contains("verified at download");

        var run = cli.run("run", "--model", "local:tiny", "--json", "Say hello.");
        assertThat(run.exit()).as(run.err()).isEqualTo(0);
        var lines = run.out().strip().lines().map(Json::tree).toList();
        var finished = lines.getLast();
        assertThat(finished.get("type").asText()).isEqualTo("run_finished");
        assertThat(finished.get("status").asText()).isEqualTo("succeeded");
        assertThat(finished.get("answer").asText()).isNotBlank();
        var usage = lines.stream().filter(l -> l.get("type").asText().equals("usage")).findFirst().orElseThrow();
        assertThat(usage.get("input_tokens").asLong()).isGreaterThan(10);
        assertThat(usage.get("output_tokens").asLong()).isBetween(1L, 24L);
        assertThat(run.out()).doesNotContain("Extracted"); // llama.cpp's loader must not write to our standard output

        var byPath = cli.run("run", "--model", "local:" + home.resolve("models/tiny.gguf"), "--json", "Again.");
        assertThat(byPath.exit()).as(byPath.err()).isEqualTo(0);

        assertThat(cli.run("model", "rm", "tiny").exit()).isEqualTo(0);
        assertThat(home.resolve("models/tiny.gguf")).doesNotExist();
        var gone = cli.run("run", "--model", "local:tiny", "Say hello.");
        assertThat(gone.exit()).isEqualTo(2);
        assertThat(gone.err()).contains("No local model 'tiny'").contains("model pull");
        assertThat(cli.run("model", "rm", "tiny").exit()).isEqualTo(2);
    }

    @Test
    void aBadChecksumOrAMissingFileIsExplained() {
        var bad = cli.run("model", "pull", base() + "/files/tiny.gguf", "--sha256", "f".repeat(64));
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("SHA-256 mismatch").contains("nothing was installed");
        var missing = cli.run("model", "pull", base() + "/files/none.gguf");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("HTTP 404");
        assertThat(cli.run("model", "list", "--json").out()).contains("\"installed\" : [ ]");
        assertThat(cli.run("model", "pull", "no-such-model").err()).contains("neither a URL nor in the catalogue");
        assertThat(cli.run("model", "info", files.resolve("missing.gguf").toString()).err()).contains("No such file");
    }

    @Test
    void withoutAConfiguredModelOllamaIsPreferredThenTheLocalDefaultPulledOnlyWithConsent() throws Exception {
        cli.env.put("OLLAMA_BASE_URL", base() + "/v1");
        var doctor = cli.run("doctor");
        assertThat(doctor.out()).contains("ollama:qwen2.5:0.5b").contains("Ollama answers at " + base());

        cli.env.put("OLLAMA_BASE_URL", "http://127.0.0.1:9");
        cli.env.put("HF_ENDPOINT", base());
        Files.writeString(home.resolve("config.yaml"), "\nlocal.default_model: qwen2.5-0.5b-instruct\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(cli.run("doctor").out()).contains("local:qwen2.5-0.5b-instruct").contains("not downloaded yet");
        var refused = cli.run("run", "Say hello.");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("not downloaded yet").contains("--yes");
        assertThat(home.resolve("models/qwen2.5-0.5b-instruct.gguf")).doesNotExist();

        var agreed = cli.run("run", "--yes", "--json", "Say hello.");
        assertThat(agreed.exit()).as(agreed.err()).isEqualTo(0);
        assertThat(agreed.err()).contains("Downloading qwen2.5-0.5b-instruct");
        assertThat(home.resolve("models/qwen2.5-0.5b-instruct.gguf")).hasBinaryContent(gguf);
        assertThat(Json.tree(agreed.out().strip().lines().toList().getLast()).get("status").asText()).isEqualTo("succeeded");
        assertThat(cli.run("doctor").out()).contains("local:qwen2.5-0.5b-instruct").contains("downloaded, ");
    }

    @Test
    void withoutANetworkRunAndPullFailAtOnceTheSameWayWithTheAlternativesAndLeaveNothing() throws Exception {
        int closed;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort(); // nothing listens once closed: every connection is refused
        }
        cli.env.put("HF_ENDPOINT", "http://127.0.0.1:" + closed);
        var run = cli.run("run", "--yes", "hello");
        var pull = cli.run("model", "pull", Catalog.DEFAULT);
        for (var r : java.util.List.of(run, pull)) {
            assertThat(r.exit()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains("apprentice: Cannot reach 127.0.0.1 (connection refused), so the model " + Catalog.DEFAULT + " was not downloaded")
                    .contains("--model scripted:").contains("--model openai:gpt-4.1-mini").contains("Ollama").contains("HF_ENDPOINT")
                    .contains("apprentice model pull URL")
                    .doesNotContain("attempt").doesNotContain("resuming");
        }
        try (var left = Files.walk(home)) {
            assertThat(left.filter(p -> p.toString().contains("models")).filter(Files::isRegularFile).toList()).as("no lock or part file").isEmpty();
        }
        assertThat(Json.tree(cli.run("runs", "list", "--json").out())).isEmpty();
    }

    @Test
    void modelsListsTheLocalDefault() { // 'bench local' moved to apprentice-bench's BenchCommandTest
        assertThat(cli.run("models").out()).contains("local:" + Catalog.DEFAULT);
    }

    @Test
    void onATerminalTheDownloadIsOfferedFirstAndANoDownloadsNothing() throws Exception {
        cli.env.put("HF_ENDPOINT", base());
        Files.writeString(home.resolve("config.yaml"), "\nlocal.default_model: qwen2.5-0.5b-instruct\n", java.nio.file.StandardOpenOption.APPEND);
        var no = cli.runInteractive("n\n", "run", "Say hello.");
        assertThat(no.exit()).isEqualTo(2);
        assertThat(no.err()).contains("Download qwen2.5-0.5b-instruct (about 491 MB, licence Apache-2.0)").contains("[y/N]").contains("Not downloaded");
        assertThat(home.resolve("models/qwen2.5-0.5b-instruct.gguf")).doesNotExist();
        var yes = cli.runInteractive("y\n", "run", "--json", "Say hello.");
        assertThat(yes.exit()).as(yes.err()).isEqualTo(0);
        assertThat(home.resolve("models/qwen2.5-0.5b-instruct.gguf")).hasBinaryContent(gguf);
    }
}
