package ai.apprentice.channels.slack;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.websocket.WsContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Slack's cloud, as far as the intern talks to it, on loopback: the Web API methods it calls (recorded, answered as
 * Slack documents them), a Socket Mode WebSocket that sends envelopes and records acknowledgements, and a sender of
 * signed Events API and interactivity deliveries.
 */
final class FakeSlack implements AutoCloseable {
    static final String SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
    static final String BOT_TOKEN = "xoxb-test-bot-token";
    static final String APP_TOKEN = "xapp-test-app-token";
    static final String BOT_USER = "UBOT";

    /** One Web API call the intern made. */
    record Call(String method, Map<String, String> params, String auth) {
        String param(String name) {
            return params.get(name);
        }
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    final BlockingQueue<String> acks = new LinkedBlockingQueue<>();
    final List<String> uploads = new CopyOnWriteArrayList<>();
    private final AtomicLong ts = new AtomicLong(1_700_000_000_000L);
    private final Javalin app;
    private volatile WsContext socket;
    /** Run on a call before it is answered (and recorded): another event arriving while a post is in flight. */
    volatile java.util.function.Consumer<Call> beforeAnswer;
    private final java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(1);
    private final HttpClient http = HttpClient.newHttpClient();

    FakeSlack() {
        app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.host = "127.0.0.1";
            c.jetty.port = 0;
            c.routes.post("/api/{method}", ctx -> {
                var method = ctx.pathParam("method");
                var params = new java.util.LinkedHashMap<String, String>();
                ctx.formParamMap().forEach((k, v) -> params.put(k, v.isEmpty() ? "" : v.get(0)));
                var call = new Call(method, params, ctx.header("Authorization"));
                var hook = beforeAnswer;
                if (hook != null) hook.accept(call); // what happens while the client waits for this answer
                calls.add(call);
                ctx.contentType("application/json").result(Json.write(answer(method, params, ctx.header("Authorization"))));
            });
            c.routes.post("/upload/{id}", ctx -> {
                uploads.add(ctx.body());
                ctx.result("OK - " + ctx.bodyAsBytes().length);
            });
            c.routes.get("/files/{name}", ctx -> {
                if (!("Bearer " + BOT_TOKEN).equals(ctx.header("Authorization"))) {
                    ctx.status(403).result("no");
                    return;
                }
                ctx.result("contents of " + ctx.pathParam("name"));
            });
            c.routes.ws("/link", ws -> {
                ws.onConnect(ctx -> {
                    ctx.session.setIdleTimeout(Duration.ofMinutes(5));
                    socket = ctx;
                    ctx.send("{\"type\":\"hello\",\"num_connections\":1,\"connection_info\":{\"app_id\":\"A1\"}}");
                    connected.countDown();
                });
                ws.onMessage(ctx -> {
                    var m = Json.tree(ctx.message());
                    if (m.hasNonNull("envelope_id")) acks.add(m.path("envelope_id").asText());
                });
            });
        }).start();
    }

    private Object answer(String method, Map<String, String> params, String auth) {
        var ok = Json.object().put("ok", true);
        if (!("Bearer " + BOT_TOKEN).equals(auth) && !("Bearer " + APP_TOKEN).equals(auth)) {
            return Json.object().put("ok", false).put("error", "invalid_auth");
        }
        return switch (method) {
            case "auth.test" -> ok.put("url", "https://test.slack.com/").put("team", "Test Team").put("user", "apprentice").put("team_id", "T1")
                    .put("user_id", BOT_USER).put("bot_id", "B1");
            case "chat.postMessage", "chat.update" -> ok.put("channel", params.get("channel"))
                    .put("ts", method.equals("chat.update") ? params.get("ts") : nextTs());
            case "apps.connections.open" -> ok.put("url", "ws://127.0.0.1:" + app.port() + "/link");
            case "files.getUploadURLExternal" -> ok.put("upload_url", "http://127.0.0.1:" + app.port() + "/upload/F1").put("file_id", "F1");
            case "files.completeUploadExternal" -> {
                var files = ok.putArray("files");
                files.addObject().put("id", "F1").put("title", "answer");
                yield ok;
            }
            case "files.info" -> {
                var file = ok.putObject("file").put("id", "F1").put("name", "answer.md");
                file.putObject("shares").putObject("public").putArray(params.getOrDefault("channel", "C1"));
                yield ok;
            }
            default -> Json.object().put("ok", false).put("error", "unknown_method");
        };
    }

    private String nextTs() {
        long n = ts.incrementAndGet();
        return (n / 1_000_000) + "." + String.format("%06d", n % 1_000_000);
    }

    String apiUrl() {
        return "http://127.0.0.1:" + app.port() + "/api/";
    }

    String fileUrl(String name) {
        return "http://127.0.0.1:" + app.port() + "/files/" + name;
    }

    List<Call> calls(String method) {
        return calls.stream().filter(c -> c.method().equals(method)).toList();
    }

    /** Waits (bounded) until {@code n} calls of {@code method} were made. */
    List<Call> await(String method, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            var got = calls(method);
            if (got.size() >= n) return got;
            Thread.sleep(20);
        }
        throw new AssertionError("expected " + n + " calls of " + method + ", got " + calls(method) + "; all: " + calls);
    }

    /** Waits (bounded) until a call of {@code method} satisfies {@code test}. */
    Call awaitCall(String method, java.util.function.Predicate<Call> test) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (var c : calls(method)) if (test.test(c)) return c;
            Thread.sleep(20);
        }
        throw new AssertionError("no call of " + method + " as expected; calls: " + calls);
    }

    // ---- deliveries ----

    static String sign(String secret, String timestamp, String body) throws Exception {
        var mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "v0=" + java.util.HexFormat.of().formatHex(mac.doFinal(("v0:" + timestamp + ":" + body).getBytes(StandardCharsets.UTF_8)));
    }

    /** POSTs a delivery signed as Slack signs it; {@code secret} and {@code at} let a test sign it wrongly or too late. */
    static HttpResponse<String> deliver(String url, String contentType, String body, String secret, Instant at, Map<String, String> headers) throws Exception {
        var timestamp = String.valueOf(at.getEpochSecond());
        var b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).header("Content-Type", contentType)
                .header("X-Slack-Request-Timestamp", timestamp).header("X-Slack-Signature", sign(secret, timestamp, body));
        headers.forEach(b::header);
        return HttpClient.newHttpClient().send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> deliverEvent(String url, String body) throws Exception {
        return deliver(url, "application/json", body, SIGNING_SECRET, Instant.now(), Map.of());
    }

    static HttpResponse<String> deliverAction(String url, String payload) throws Exception {
        var body = "payload=" + java.net.URLEncoder.encode(payload, StandardCharsets.UTF_8);
        return deliver(url, "application/x-www-form-urlencoded", body, SIGNING_SECRET, Instant.now(), Map.of());
    }

    /** An Events API callback as Slack sends it: an app_mention (or a message) in channel C1. */
    static String mention(String eventId, String user, String text, String ts, String threadTs) {
        var o = Json.object().put("token", "legacy").put("team_id", "T1").put("api_app_id", "A1").put("type", "event_callback")
                .put("event_id", eventId).put("event_time", Instant.now().getEpochSecond());
        var e = o.putObject("event").put("type", "app_mention").put("user", user).put("text", "<@" + BOT_USER + "> " + text).put("ts", ts)
                .put("channel", "C1").put("event_ts", ts);
        if (threadTs != null) e.put("thread_ts", threadTs);
        o.putArray("authorizations").addObject().put("team_id", "T1").put("user_id", BOT_USER).put("is_bot", true);
        return Json.write(o);
    }

    /** A block_actions payload: {@code user} pressed the button {@code action} with {@code value} on message {@code messageTs}. */
    static String press(String user, String action, String value, String messageTs, String threadTs) {
        var o = Json.object().put("type", "block_actions").put("trigger_id", "tr" + System.nanoTime());
        o.putObject("user").put("id", user).put("username", user.toLowerCase());
        o.putObject("team").put("id", "T1");
        o.putObject("channel").put("id", "C1");
        o.putObject("container").put("type", "message").put("message_ts", messageTs).put("channel_id", "C1");
        var m = o.putObject("message").put("ts", messageTs).put("type", "message");
        if (threadTs != null) m.put("thread_ts", threadTs);
        o.putArray("actions").addObject().put("action_id", action).put("block_id", "b").put("value", value).put("type", "button")
                .put("action_ts", String.valueOf(System.nanoTime()));
        return Json.write(o);
    }

    // ---- socket mode ----

    void awaitSocket() throws InterruptedException {
        if (!connected.await(30, TimeUnit.SECONDS)) throw new AssertionError("the intern did not connect over Socket Mode");
    }

    void sendEnvelope(String envelopeId, String type, JsonNode payload) {
        socket.send(Json.write(Json.object().put("envelope_id", envelopeId).put("type", type).put("accepts_response_payload", false)
                .set("payload", payload)));
    }

    @Override
    public void close() {
        app.stop();
    }
}
