package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** apprentice serve as a real process: the first start prints a token, tokens are managed from the CLI, SIGTERM stops it gracefully. */
class ServeCommandTest {
    @TempDir Path home;
    @TempDir Path root;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theFirstStartPrintsATokenThatTheApiAcceptsAndARevokedTokenStopsWorkingAtOnce() throws Exception {
        Files.writeString(root.resolve("s.jsonl"), "{\"text\": \"served\"}\n");
        var javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "ai.apprentice.cli.Main",
                "serve", "--port", "0", "--root", root.toString(), "--model", "scripted:" + root.resolve("s.jsonl"))
                .redirectError(root.resolve("err.log").toFile()).redirectOutput(root.resolve("out.log").toFile());
        pb.environment().put("APPRENTICE_HOME", home.toString());
        pb.environment().put("APPRENTICE_MEMORY", "off");
        pb.environment().remove("APPRENTICE_TOKEN");
        var child = pb.start();
        try {
            String url = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (url == null && System.nanoTime() < deadline) {
                assertThat(child.isAlive()).as("serve died: " + Files.readString(root.resolve("err.log"))).isTrue();
                var m = java.util.regex.Pattern.compile("serving (http://\\S+)").matcher(Files.readString(root.resolve("err.log")));
                if (m.find() && !Files.readString(root.resolve("out.log")).isBlank()) url = m.group(1);
                else Thread.sleep(50);
            }
            assertThat(url).as("serve printed its address").isNotNull();
            var out = Files.readString(root.resolve("out.log")).strip().split("\n");
            var token = out[out.length - 1];
            assertThat(token).as("the token alone on the last line of stdout").matches("apt_[A-Za-z0-9_-]{43}");

            assertThat(get(url + "/api/runs", null).statusCode()).isEqualTo(401);
            var created = http.send(HttpRequest.newBuilder(URI.create(url + "/api/runs")).header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"hello\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

            var cli = new CliHarness(home, root);
            var made = cli.run("serve", "token", "create", "--name", "ci");
            assertThat(made.exit()).as(made.err()).isEqualTo(0);
            var second = made.out().strip();
            assertThat(second).matches("apt_[A-Za-z0-9_-]{43}").isNotEqualTo(token);
            assertThat(get(url + "/api/runs", second).statusCode()).isEqualTo(200);
            var listed = cli.run("serve", "token", "list", "--json");
            assertThat(listed.out()).contains("\"ci\"", "first start").doesNotContain(second, token);
            for (var f : new String[] {"server.db", "server.db-wal"}) {
                var file = home.resolve("server").resolve(f);
                if (Files.exists(file)) {
                    assertThat(Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1)).as("only hashes are stored in " + f)
                            .doesNotContain(second.substring(4), token.substring(4));
                }
            }

            assertThat(cli.run("serve", "token", "revoke", "ci").exit()).isEqualTo(0);
            assertThat(get(url + "/api/runs", second).statusCode()).as("revoked from another process").isEqualTo(401);
            assertThat(cli.run("serve", "token", "revoke", "ci").exit()).isEqualTo(ExitCodes.USAGE);

            child.destroy(); // SIGTERM: the shutdown hook stops the server gracefully
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            var runs = Json.tree(cli.run("runs", "list", "--json").out());
            assertThat(runs).hasSize(1);
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void noAuthIsRefusedOffLoopbackAndABadRootIsAUsageError() {
        var cli = new CliHarness(home, root);
        var offLoopback = cli.run("serve", "--host", "0.0.0.0", "--no-auth", "--port", "0", "--root", root.toString());
        assertThat(offLoopback.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(offLoopback.err()).contains("--no-auth is only allowed on a loopback address");
        var missing = cli.run("serve", "--port", "0", "--root", root.resolve("nope").toString());
        assertThat(missing.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).contains("is not a directory");
        var workspace = cli.run("serve", "--port", "0", "--workspace", root.toString());
        assertThat(workspace.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(workspace.err()).contains("serve takes --root DIR");
        var shortToken = cli.run("serve", "--port", "0", "--root", root.toString(), "--token", "short");
        assertThat(shortToken.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(shortToken.err()).contains("at least 16 characters");
    }

    private HttpResponse<String> get(String url, String token) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(url)).GET();
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
