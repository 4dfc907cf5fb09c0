package ai.apprentice.server;

import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A real server on a free loopback port, over a real harness whose model is a script of turns in {@code root/script.jsonl}. */
final class TestServer implements AutoCloseable {
    static final String TOKEN = "test-token-0123456789abcdef";
    final Path home;
    final Path root;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    final Harness harness;
    final ApprenticeServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TestServer(Path home, Path root, String script, Map<String, Object> flags) throws Exception {
        this(home, root, script, flags, o -> o);
    }

    TestServer(Path home, Path root, String script, Map<String, Object> flags, java.util.function.UnaryOperator<ServerOptions> tune) throws Exception {
        this(home, root, script, flags, tune, Map.of());
    }

    /** With {@code env} added to the harness's environment (a store setting, its password). */
    TestServer(Path home, Path root, String script, Map<String, Object> flags, java.util.function.UnaryOperator<ServerOptions> tune,
               Map<String, String> env) throws Exception {
        this.home = home;
        this.root = root;
        if (script != null) Files.writeString(root.resolve("script.jsonl"), script);
        var defaults = new LinkedHashMap<String, Object>();
        defaults.put("model", "scripted:" + root.resolve("script.jsonl"));
        defaults.put("memory", "off");
        defaults.putAll(flags);
        var environment = new LinkedHashMap<String, String>(env);
        environment.put("APPRENTICE_SANDBOX", "off");
        this.harness = Harness.builder().home(home).env(environment).err(new PrintStream(log, true)).build();
        var options = tune.apply(ServerOptions.defaults(0, root).withDefaults(defaults).withToken(TOKEN)
                .withLimits(4, Duration.ofSeconds(30), Duration.ofMillis(500)));
        this.server = ApprenticeServer.start(harness, options, new PrintStream(log, true));
    }

    String url(String path) {
        return server.url() + path;
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TOKEN);
    }

    Response get(String path) throws Exception {
        return send(request(path).GET().build());
    }

    Response post(String path, String json) throws Exception {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    Response send(HttpRequest r) throws Exception {
        var res = http.send(r, HttpResponse.BodyHandlers.ofString());
        return new Response(res.statusCode(), res.body(), res.headers().firstValue("Content-Type").orElse(""));
    }

    record Response(int status, String body, String contentType) {
        JsonNode json() {
            return Json.tree(body);
        }
    }

    /** Waits (bounded) until the run has finished, and returns it. */
    JsonNode awaitFinished(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            var run = get("/api/runs/" + id).json();
            var status = run.path("status").asText();
            if (!status.equals("running") && !status.equals("queued")) return run;
            Thread.sleep(20);
        }
        throw new AssertionError("run " + id + " did not finish in 30 s");
    }

    @Override
    public void close() {
        server.close();
        harness.close();
    }
}
