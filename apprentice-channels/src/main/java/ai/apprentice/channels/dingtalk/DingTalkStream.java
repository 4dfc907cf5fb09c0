package ai.apprentice.channels.dingtalk;

import ai.apprentice.channels.ChatException;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;

/**
 * DingTalk's Stream mode (a long connection, for teams without a public URL), implemented from the documented protocol
 * (open.dingtalk.com "Stream mode protocol access", open-dingtalk.github.io/developerpedia "stream/protocol"):
 * <ol>
 * <li>{@code POST {gateway}/v1.0/gateway/connections/open} with clientId (app key), clientSecret and the subscriptions
 * answers an {@code endpoint} and a {@code ticket};</li>
 * <li>a WebSocket to {@code endpoint?ticket=...} then carries JSON frames {specVersion, type SYSTEM|EVENT|CALLBACK,
 * headers {topic, messageId, contentType, ...}, data (a JSON string)};</li>
 * <li>every frame is acknowledged with {code: 200, headers {contentType, messageId}, message: "OK", data}; a SYSTEM
 * {@code ping} is answered with its own data, a SYSTEM {@code disconnect} means "connect anew".</li>
 * </ol>
 * Why not the official {@code com.dingtalk.open:app-stream-client}: its gateway host can only be changed through a
 * private method (so it cannot be pointed at a test's loopback fake through a setting), and it ships a shaded Netty
 * and fastjson2 (5 MB); the protocol is three JSON shapes over the JDK's own WebSocket client.
 */
final class DingTalkStream implements AutoCloseable {
    static final String BOT_MESSAGES = "/v1.0/im/bot/messages/get";
    static final String CARD_CALLBACKS = "/v1.0/card/instances/callback";
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    private final HttpClient http;
    private final URI gateway;
    private final String clientId;
    private final String clientSecret;
    /** Handles one CALLBACK or EVENT frame's data for its topic; false when it could not be handled. */
    private final BiPredicate<String, String> handler;
    private final PrintStream log;
    private volatile boolean closed;
    private volatile WebSocket socket;
    private final Object sending = new Object();

    DingTalkStream(HttpClient http, URI gateway, String clientId, String clientSecret, BiPredicate<String, String> handler, PrintStream log) {
        this.http = http;
        this.gateway = gateway;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.handler = handler;
        this.log = log;
    }

    /** Connects once now (so a wrong secret is said at start), then keeps reconnecting until closed. */
    void start() throws ChatException {
        socket = connect();
    }

    /** Registers the app with the gateway, which answers where to connect (the URL and its one-time ticket). */
    URI open() throws ChatException {
        var body = Json.object().put("clientId", clientId).put("clientSecret", clientSecret).put("ua", "apprentice-dingtalk/1");
        var subs = body.putArray("subscriptions");
        subs.addObject().put("type", "CALLBACK").put("topic", BOT_MESSAGES);
        subs.addObject().put("type", "CALLBACK").put("topic", CARD_CALLBACKS);
        JsonNode opened;
        try {
            var response = http.send(HttpRequest.newBuilder(gateway.resolve("/v1.0/gateway/connections/open")).timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "application/json").header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(), HttpResponse.BodyHandlers.ofString());
            opened = response.body().isBlank() ? Json.object() : Json.tree(response.body());
            if (response.statusCode() / 100 != 2) {
                throw new ChatException("dingtalk stream: /v1.0/gateway/connections/open answered " + response.statusCode() + " "
                        + opened.path("code").asText("") + ": " + opened.path("message").asText(""));
            }
        } catch (IOException | RuntimeException e) {
            throw new ChatException("dingtalk stream: the gateway " + gateway.getHost() + " could not be reached: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException("dingtalk stream: interrupted while connecting", e);
        }
        var endpoint = opened.path("endpoint").asText("");
        var ticket = opened.path("ticket").asText("");
        if (endpoint.isEmpty() || ticket.isEmpty()) throw new ChatException("dingtalk stream: the gateway answered without an endpoint and ticket");
        try {
            return URI.create(endpoint + (endpoint.contains("?") ? "&" : "?") + "ticket=" + URLEncoder.encode(ticket, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new ChatException("dingtalk stream: the gateway answered an endpoint that is not a URL");
        }
    }

    private WebSocket connect() throws ChatException {
        var uri = open();
        try {
            return http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(15)).buildAsync(uri, new Frames()).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new ChatException("dingtalk stream: the WebSocket to " + uri.getHost() + " could not be opened: " + e.getMessage(), e);
        }
    }

    /** Connects anew in the background, waiting longer after each failure (1 s, 2 s, ... 60 s). */
    private void reconnect(WebSocket lost) {
        if (closed || socket != lost) return;
        socket = null;
        Thread.ofVirtual().name("dingtalk-stream-reconnect").start(() -> {
            var wait = Duration.ofSeconds(1);
            while (!closed) {
                try {
                    var s = connect();
                    if (closed) s.abort();
                    else socket = s;
                    return;
                } catch (ChatException e) {
                    log.println("dingtalk stream: " + e.getMessage() + "; trying again in " + wait.toSeconds() + " s");
                }
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
                wait = wait.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait.multipliedBy(2);
            }
        });
    }

    private void onFrame(WebSocket ws, String text) {
        JsonNode frame;
        try {
            frame = Json.tree(text);
        } catch (RuntimeException e) {
            log.println("dingtalk stream: ignored a frame that is not JSON");
            return;
        }
        var type = frame.path("type").asText("");
        var headers = frame.path("headers");
        var topic = headers.path("topic").asText("");
        var messageId = headers.path("messageId").asText("");
        var data = frame.path("data").asText("");
        switch (type) {
            case "SYSTEM" -> {
                if (topic.equals("ping")) ack(ws, messageId, 200, data);
                else if (topic.equals("disconnect")) {
                    // the server is about to close this connection: open the next one now, let this one go
                    reconnect(ws);
                    ws.sendClose(WebSocket.NORMAL_CLOSURE, "disconnect");
                } else ack(ws, messageId, 200, data);
            }
            case "CALLBACK", "EVENT" -> {
                boolean ok;
                try {
                    ok = handler.test(topic, data);
                } catch (RuntimeException e) {
                    ok = false;
                }
                var reply = type.equals("EVENT")
                        ? Json.object().put("status", ok ? "SUCCESS" : "LATER").put("message", ok ? "success" : "not handled")
                        : Json.object().putNull("response");
                ack(ws, messageId, ok ? 200 : 500, Json.write(reply));
            }
            default -> log.println("dingtalk stream: ignored a frame of type '" + type + "'");
        }
    }

    private void ack(WebSocket ws, String messageId, int code, String data) {
        var ack = Json.object().put("code", code).put("message", code == 200 ? "OK" : "error").put("data", data);
        ack.putObject("headers").put("contentType", "application/json").put("messageId", messageId);
        // a WebSocket takes one message at a time: sends wait for each other
        synchronized (sending) {
            try {
                ws.sendText(Json.write(ack), true).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.println("dingtalk stream: could not acknowledge " + messageId + ": " + e.getMessage());
            }
        }
    }

    private final class Frames implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                var text = partial.toString();
                partial.setLength(0);
                // off the WebSocket's own thread: acknowledging waits for the send to complete
                Thread.ofVirtual().name("dingtalk-stream-frame").start(() -> onFrame(ws, text));
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            reconnect(ws);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            if (!closed) log.println("dingtalk stream: the connection failed: " + error.getMessage());
            reconnect(ws);
        }
    }

    boolean connected() {
        var s = socket;
        return s != null && !s.isInputClosed() && !s.isOutputClosed();
    }

    @Override
    public void close() {
        closed = true;
        var s = socket;
        if (s != null) s.abort();
    }
}
