package ai.apprentice.channels.wecom;

import ai.apprentice.json.Json;
import ai.apprentice.server.Inbound;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * WeCom's side, on loopback, after the documented wire format: the server API the intern calls (gettoken, message/send,
 * update_template_card, recall, media upload and download, agent/get), every call recorded; and the callbacks WeCom
 * sends to an app's URL (encrypted XML, signed with msg_signature in the query), built by {@link #callback}.
 */
final class FakeWeCom implements AutoCloseable {
    static final String CORP_ID = "ww1234567890abcdef";
    static final String SECRET = "corp-secret-0123456789";
    static final String TOKEN = "callbackToken123";
    static final String AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    static final int AGENT_ID = 1000002;
    static final Map<String, String> ENV = Map.of("WECOM_SECRET", SECRET, "WECOM_TOKEN", TOKEN, "WECOM_AES_KEY", AES_KEY);

    record Call(String path, Map<String, String> query, JsonNode body, byte[] raw) {}

    final List<Call> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger tokensIssued = new AtomicInteger();
    /** When set, the next message/send answers 42001 (token expired) once. */
    volatile boolean expireNextToken;
    volatile byte[] media = "png bytes".getBytes(StandardCharsets.UTF_8);
    final WeComCrypto crypto = new WeComCrypto(TOKEN, AES_KEY, CORP_ID);
    private final AtomicInteger msgIds = new AtomicInteger();
    private final Javalin app;

    FakeWeCom() {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.routes.get("/cgi-bin/gettoken", ctx -> {
                record(ctx);
                if (!CORP_ID.equals(ctx.queryParam("corpid"))) ctx.json(Map.of("errcode", 40013, "errmsg", "invalid corpid"));
                else if (!SECRET.equals(ctx.queryParam("corpsecret"))) ctx.json(Map.of("errcode", 40001, "errmsg", "invalid credential"));
                else ctx.json(Map.of("errcode", 0, "errmsg", "ok", "access_token", "token-" + tokensIssued.incrementAndGet(), "expires_in", 7200));
            });
            config.routes.post("/cgi-bin/message/send", ctx -> {
                var body = record(ctx);
                if (!authorized(ctx)) return;
                if (expireNextToken) {
                    expireNextToken = false;
                    ctx.json(Map.of("errcode", 42001, "errmsg", "access_token expired"));
                    return;
                }
                var answer = new LinkedHashMap<String, Object>(Map.of("errcode", 0, "errmsg", "ok", "invaliduser", "", "msgid", "msg" + msgIds.incrementAndGet()));
                if ("button_interaction".equals(body.path("template_card").path("card_type").asText())) answer.put("response_code", "rc-send-" + msgIds.get());
                ctx.json(answer);
            });
            for (var path : List.of("/cgi-bin/message/update_template_card", "/cgi-bin/message/recall")) {
                config.routes.post(path, ctx -> {
                    record(ctx);
                    if (authorized(ctx)) ctx.json(Map.of("errcode", 0, "errmsg", "ok"));
                });
            }
            config.routes.post("/cgi-bin/media/upload", ctx -> {
                record(ctx);
                if (authorized(ctx)) ctx.json(Map.of("errcode", 0, "errmsg", "", "type", ctx.queryParam("type"), "media_id", "media-up-1", "created_at", "1380000000"));
            });
            config.routes.get("/cgi-bin/media/get", ctx -> {
                record(ctx);
                if (!authorized(ctx)) return;
                if (!"media-1".equals(ctx.queryParam("media_id"))) {
                    ctx.json(Map.of("errcode", 40007, "errmsg", "invalid media_id"));
                    return;
                }
                ctx.contentType("image/png").result(media);
            });
            config.routes.get("/cgi-bin/agent/get", ctx -> {
                record(ctx);
                if (!authorized(ctx)) return;
                if (!String.valueOf(AGENT_ID).equals(ctx.queryParam("agentid"))) ctx.json(Map.of("errcode", 40056, "errmsg", "invalid agentid"));
                else ctx.json(Map.of("errcode", 0, "errmsg", "ok", "agentid", AGENT_ID, "name", "Apprentice"));
            });
        });
        app.start();
    }

    private JsonNode record(Context ctx) {
        var query = new LinkedHashMap<String, String>();
        ctx.queryParamMap().forEach((k, v) -> query.put(k, v.get(0)));
        var raw = ctx.bodyAsBytes();
        JsonNode body = Json.object();
        if (ctx.contentType() != null && ctx.contentType().startsWith("application/json")) body = Json.tree(new String(raw, StandardCharsets.UTF_8));
        calls.add(new Call(ctx.path(), query, body, raw));
        return body;
    }

    private boolean authorized(Context ctx) {
        var t = ctx.queryParam("access_token");
        if (t == null || !t.equals("token-" + tokensIssued.get())) {
            ctx.json(Map.of("errcode", 40014, "errmsg", "invalid access_token"));
            return false;
        }
        return true;
    }

    String url() {
        return "http://127.0.0.1:" + app.port();
    }

    List<Call> calls(String path) {
        return calls.stream().filter(c -> c.path().equals(path)).toList();
    }

    /** The messages sent with message/send, in order. */
    List<JsonNode> sent() {
        return calls("/cgi-bin/message/send").stream().map(Call::body).toList();
    }

    // ---- callbacks, as WeCom sends them ----

    /** The query and body of a POST callback carrying {@code message}, signed with {@code token}. */
    record Callback(Map<String, String> query, String body) {
        Inbound.Request request() {
            return new Inbound.Request("POST", "/channels/wecom/events", Map.of("content-type", "text/xml"), query, body.getBytes(StandardCharsets.UTF_8), "127.0.0.1");
        }

        String queryString() {
            var sb = new StringBuilder();
            query.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
            return sb.toString();
        }
    }

    Callback callback(String message, String token) {
        var encrypted = crypto.encrypt(message);
        var timestamp = String.valueOf(System.currentTimeMillis() / 1000);
        var nonce = String.valueOf(1_000_000 + (int) (Math.random() * 1_000_000));
        var signer = new WeComCrypto(token, AES_KEY, CORP_ID);
        var body = WeComXml.document(Map.of("ToUserName", CORP_ID, "AgentID", String.valueOf(AGENT_ID), "Encrypt", encrypted));
        return new Callback(Map.of("msg_signature", signer.signature(timestamp, nonce, encrypted), "timestamp", timestamp, "nonce", nonce), body);
    }

    /** Posts {@code callback} to {@code url} the way WeCom does: the signature in the query, the XML as the body. */
    static HttpResponse<String> deliver(String url, Callback callback) throws Exception {
        var http = HttpClient.newHttpClient();
        return http.send(HttpRequest.newBuilder(URI.create(url + "?" + callback.queryString())).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "text/xml").POST(HttpRequest.BodyPublishers.ofString(callback.body())).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A text message from member {@code from} to the app (https://developer.work.weixin.qq.com/document/path/90239). */
    static String text(String msgId, String from, String content) {
        var m = new LinkedHashMap<String, Object>();
        m.put("ToUserName", CORP_ID);
        m.put("FromUserName", from);
        m.put("CreateTime", System.currentTimeMillis() / 1000);
        m.put("MsgType", "text");
        m.put("Content", content);
        m.put("MsgId", Long.parseLong(msgId));
        m.put("AgentID", AGENT_ID);
        return WeComXml.document(m);
    }

    /** A press of a button of a template card (https://developer.work.weixin.qq.com/document/path/90376, 模板卡片事件推送). */
    static String cardEvent(String from, String key, String taskId, String responseCode) {
        var m = new LinkedHashMap<String, Object>();
        m.put("ToUserName", CORP_ID);
        m.put("FromUserName", from);
        m.put("CreateTime", System.currentTimeMillis() / 1000);
        m.put("MsgType", "event");
        m.put("Event", "template_card_event");
        m.put("EventKey", key);
        m.put("TaskId", taskId);
        m.put("CardType", "button_interaction");
        m.put("ResponseCode", responseCode);
        m.put("AgentID", AGENT_ID);
        return WeComXml.document(m);
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    @Override
    public void close() {
        app.stop();
    }
}
