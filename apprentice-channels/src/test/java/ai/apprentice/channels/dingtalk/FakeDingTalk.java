package ai.apprentice.channels.dingtalk;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.websocket.WsContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * DingTalk's side, on loopback: the server API (access token, robot messages, interactive cards, file downloads), the
 * session webhook host and the Stream gateway with its WebSocket, following the documented wire format. It records
 * every call the intern makes and sends frames as DingTalk would.
 */
final class FakeDingTalk implements AutoCloseable {
    static final String APP_KEY = "dingappkey123";
    static final String APP_SECRET = "app-secret-0123456789";
    static final String TOKEN = "fake-access-token";

    record Call(String method, String path, String query, Map<String, String> headers, JsonNode body) {
        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    final List<JsonNode> acks = new CopyOnWriteArrayList<>();
    final List<WsContext> sockets = new CopyOnWriteArrayList<>();
    final List<String> tickets = new CopyOnWriteArrayList<>();
    volatile byte[] file = "hello from a file".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private final Javalin app;

    FakeDingTalk() {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.routes.post("/v1.0/oauth2/accessToken", ctx -> {
                var body = record(ctx);
                if (!APP_KEY.equals(body.path("appKey").asText()) || !APP_SECRET.equals(body.path("appSecret").asText())) {
                    ctx.status(400).json(Map.of("code", "invalidClientSecret", "message", "the app secret is wrong"));
                    return;
                }
                ctx.json(Map.of("accessToken", TOKEN, "expireIn", 7200));
            });
            config.routes.post("/robot/sendBySession", ctx -> {
                record(ctx);
                ctx.json(Map.of("errcode", 0, "errmsg", "ok"));
            });
            for (var path : List.of("/v1.0/robot/oToMessages/batchSend", "/v1.0/robot/groupMessages/send", "/v1.0/im/v1.0/robot/interactiveCards/send")) {
                config.routes.post(path, ctx -> authorized(ctx, Map.of("processQueryKey", "pqk-" + calls.size())));
            }
            config.routes.put("/v1.0/im/robots/interactiveCards", ctx -> authorized(ctx, Map.of("success", true)));
            config.routes.post("/v1.0/robot/messageFiles/download", ctx -> authorized(ctx, Map.of("downloadUrl", url() + "/files/" + "f1")));
            config.routes.get("/files/{id}", ctx -> ctx.result(file));
            config.routes.post("/v1.0/gateway/connections/open", ctx -> {
                var body = record(ctx);
                if (!APP_KEY.equals(body.path("clientId").asText()) || !APP_SECRET.equals(body.path("clientSecret").asText())) {
                    ctx.status(401).json(Map.of("code", "Forbidden.AccessDenied", "message", "wrong client secret"));
                    return;
                }
                var ticket = "ticket-" + tickets.size();
                tickets.add(ticket);
                ctx.json(Map.of("endpoint", "ws://127.0.0.1:" + port() + "/connect", "ticket", ticket));
            });
            config.routes.ws("/connect", ws -> {
                ws.onConnect(ctx -> {
                    if (!tickets.contains(ctx.queryParam("ticket"))) ctx.closeSession(4001, "bad ticket");
                    else sockets.add(ctx);
                });
                ws.onMessage(ctx -> acks.add(Json.tree(ctx.message())));
                ws.onClose(ctx -> sockets.remove(ctx));
            });
        });
        app.start();
    }

    private JsonNode record(Context ctx) {
        var headers = new java.util.HashMap<String, String>();
        ctx.headerMap().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v));
        var body = ctx.body().isBlank() ? Json.object() : Json.tree(ctx.body());
        calls.add(new Call(ctx.method().name(), ctx.path(), ctx.queryString(), headers, body));
        return body;
    }

    private void authorized(Context ctx, Map<String, Object> answer) {
        record(ctx);
        if (!TOKEN.equals(ctx.header("x-acs-dingtalk-access-token"))) {
            ctx.status(401).json(Map.of("code", "InvalidAuthentication", "message", "no valid access token"));
            return;
        }
        ctx.json(answer);
    }

    int port() {
        return app.port();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    List<Call> calls(String path) {
        return calls.stream().filter(c -> c.path().equals(path)).toList();
    }

    /** Sends one Stream frame to every connected client (as the gateway does to the one connection it picks). */
    void sendFrame(String type, String topic, String messageId, String data) {
        var frame = Json.object().put("specVersion", "1.0").put("type", type).put("data", data);
        frame.putObject("headers").put("appId", "app-1").put("connectionId", "conn-1").put("contentType", "application/json")
                .put("messageId", messageId).put("time", String.valueOf(System.currentTimeMillis())).put("topic", topic);
        for (var s : sockets) s.send(Json.write(frame));
    }

    /** Waits, bounded, until {@code done} holds; false when it never did. */
    static boolean await(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (done.getAsBoolean()) return true;
            Thread.sleep(20);
        }
        return done.getAsBoolean();
    }

    List<Call> matching(Predicate<Call> p) {
        return new ArrayList<>(calls.stream().filter(p).toList());
    }

    @Override
    public void close() {
        app.stop();
    }
}
