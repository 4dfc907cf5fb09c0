package ai.apprentice.channels.triggers;

import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import ai.apprentice.server.ApprenticeServer;
import ai.apprentice.server.ServerOptions;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real server on a free loopback port with {@link Triggers} on the given clock (no background tick: the test calls
 * {@link Triggers#tick()}), over a real harness whose model is the script in {@code root/script.jsonl}. Two of them may
 * share a home, as two server processes would.
 */
final class TriggerServer implements AutoCloseable {
    static final String TOKEN = "test-token-0123456789abcdef";
    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    final Harness harness;
    final Triggers triggers;
    final ApprenticeServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Response(int status, String body) {
        JsonNode json() {
            return Json.tree(body);
        }
    }

    TriggerServer(Path home, Path root, Clock clock, Map<String, String> env) {
        var out = new PrintStream(log, true);
        var defaults = new LinkedHashMap<String, Object>();
        defaults.put("model", "scripted:" + root.resolve("script.jsonl"));
        defaults.put("memory", "off");
        harness = Harness.builder().home(home).env(Map.of("APPRENTICE_SANDBOX", "off")).err(out).build();
        triggers = new Triggers(home, clock, out, env, null);
        var options = ServerOptions.defaults(0, root).withDefaults(defaults).withToken(TOKEN).withLimits(4, Duration.ofSeconds(30), Duration.ofMillis(500));
        server = ApprenticeServer.start(harness, options, out, List.of(triggers));
    }

    String url(String path) {
        return server.url() + path;
    }

    Response send(String method, String path, String json) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TOKEN);
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) b.header("Content-Type", "application/json");
        var r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body());
    }

    Response get(String path) throws Exception {
        return send("GET", path, null);
    }

    Response post(String path, String json) throws Exception {
        return send("POST", path, json);
    }

    /** Posts raw bytes with the given headers and no token, as a webhook sender does. */
    Response deliver(String path, byte[] body, Map<String, String> headers) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        var r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body());
    }

    /** Every run in the (shared) run store. */
    JsonNode runs() throws Exception {
        return get("/api/runs?limit=500").json().path("runs");
    }

    JsonNode awaitFinished(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            var run = get("/api/runs/" + id).json();
            var s = run.path("status").asText();
            if (!s.equals("running") && !s.equals("queued")) return run;
            Thread.sleep(20);
        }
        throw new AssertionError("run " + id + " did not finish in 30 s; log:\n" + log());
    }

    String log() {
        return log.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.close();
        harness.close();
    }
}
