package ai.apprentice.channels;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What every platform's end-to-end test stands on: a real server with one channel, over a scripted model (its replies
 * in {@code root/script.jsonl}), memory off unless asked, runs' workspaces under {@code root}, and a log of what the
 * server and the channel said, for the assertion messages.
 */
public final class ChannelTestServer implements AutoCloseable {
    public static final String TOKEN = "test-token-0123456789abcdef";
    /** The script most tests need: two runs, each answered at once. */
    public static final String TWO_ANSWERS = """
            {"text": "The answer is 42."}
            {"text": "The second answer."}
            """;

    public final ByteArrayOutputStream log = new ByteArrayOutputStream();
    public final HttpClient http = HttpClient.newHttpClient();
    private Harness harness;
    private ApprenticeServer server;
    private Channels channels;

    /** Starts the server with {@code channel}; {@code defaults} are added to the runs' defaults (e.g. memory on). */
    public ChannelTestServer start(Path home, Path root, String script, ChannelConfig channel, Map<String, String> env, Channels.PlatformFactory factory,
            Map<String, Object> defaults) throws Exception {
        Files.writeString(root.resolve("script.jsonl"), script);
        Files.createDirectories(root.resolve("proj"));
        var all = new LinkedHashMap<String, Object>(Map.of("model", "scripted:" + root.resolve("script.jsonl"), "memory", "off"));
        all.putAll(defaults);
        var out = new PrintStream(log, true);
        harness = Harness.builder().home(home).env(Map.of("APPRENTICE_SANDBOX", "off")).err(out).build();
        var options = ServerOptions.defaults(0, root).withDefaults(all).withToken(TOKEN).withLimits(4, Duration.ofSeconds(30), Duration.ofMillis(500));
        channels = new Channels(List.of(channel), env, factory, out);
        server = ApprenticeServer.start(harness, options, out, List.of(channels));
        return this;
    }

    public ChannelTestServer start(Path home, Path root, ChannelConfig channel, Map<String, String> env, Channels.PlatformFactory factory) throws Exception {
        return start(home, root, TWO_ANSWERS, channel, env, factory, Map.of());
    }

    public String url() {
        return server.url();
    }

    public Channels channels() {
        return channels;
    }

    public Harness harness() {
        return harness;
    }

    /** A GET of the server's API with the token. */
    public JsonNode api(String path) throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer " + TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return Json.tree(r.body());
    }

    public JsonNode runs() throws Exception {
        return api("/api/runs").path("runs");
    }

    /** The run with its events once it ended. */
    public JsonNode awaitFinished(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            var run = api("/api/runs/" + id + "?events=true");
            var s = run.path("status").asText();
            if (!s.isEmpty() && !s.equals("running") && !s.equals("queued")) return run;
            Thread.sleep(20);
        }
        throw new AssertionError("run " + id + " did not finish; log:\n" + log);
    }

    /** Whether {@code done} became true within 20 s. */
    public static boolean await(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (done.getAsBoolean()) return true;
            Thread.sleep(20);
        }
        return done.getAsBoolean();
    }

    @Override
    public void close() {
        if (server != null) server.close();
        if (harness != null) harness.close();
    }
}
