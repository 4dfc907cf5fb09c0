package ai.apprentice.channels.triggers;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * GitHub's REST API on loopback, as far as triggers use it: "Create an issue comment"
 * ({@code POST /repos/{owner}/{repo}/issues/{number}/comments}, answered 201 with the comment), recorded; and a sender
 * of deliveries signed as GitHub signs them.
 */
final class FakeGitHub implements AutoCloseable {
    static final String SECRET = "It's a Secret to Everybody";
    static final String TOKEN = "ghp_FakeTokenForTests0123456789abcdefABCD";

    record Comment(String repo, long number, String body, String authorization, String apiVersion) {}

    final List<Comment> comments = new CopyOnWriteArrayList<>();
    private final Javalin app;

    FakeGitHub() {
        app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.host = "127.0.0.1";
            c.jetty.port = 0;
            c.routes.post("/repos/{owner}/{repo}/issues/{number}/comments", ctx -> {
                var body = Json.tree(ctx.body()).path("body").asText();
                comments.add(new Comment(ctx.pathParam("owner") + "/" + ctx.pathParam("repo"), Long.parseLong(ctx.pathParam("number")), body,
                        ctx.header("Authorization"), ctx.header("X-GitHub-Api-Version")));
                ctx.status(201).contentType("application/json").result(Json.write(Json.object().put("id", comments.size()).put("body", body)));
            });
        }).start();
    }

    String apiUrl() {
        return "http://127.0.0.1:" + app.port();
    }

    /** Waits (bounded) for the n-th comment. */
    Comment awaitComment(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (comments.size() < n && System.nanoTime() < deadline) Thread.sleep(20);
        if (comments.size() < n) throw new AssertionError("GitHub received " + comments.size() + " comments, expected " + n);
        return comments.get(n - 1);
    }

    /** Headers of a delivery as GitHub sends it, signed with {@code secret}. */
    static Map<String, String> headers(String event, String delivery, byte[] body, String secret) {
        return Map.of("X-GitHub-Event", event, "X-GitHub-Delivery", delivery, "X-Hub-Signature-256", Signatures.sign(secret, body),
                "Content-Type", "application/json", "User-Agent", "GitHub-Hookshot/test");
    }

    static byte[] pullRequestOpened(String title) {
        var o = Json.object().put("action", "opened").put("number", 7);
        o.putObject("pull_request").put("number", 7).put("title", title).put("body", "Please look.").putObject("user").put("login", "octocat");
        o.putObject("repository").put("full_name", "octo/hello");
        o.putObject("sender").put("login", "octocat").put("type", "User");
        return Json.write(o).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] comment(String text, String senderType) {
        var o = Json.object().put("action", "created");
        o.putObject("issue").put("number", 12).put("title", "Crash on start");
        o.putObject("comment").put("body", text).putObject("user").put("login", "someone").put("type", senderType);
        o.putObject("repository").put("full_name", "octo/hello");
        o.putObject("sender").put("login", "someone").put("type", senderType);
        return Json.write(o).getBytes(StandardCharsets.UTF_8);
    }

    static JsonNode tree(byte[] body) {
        return Json.tree(new String(body, StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        app.stop();
    }
}
