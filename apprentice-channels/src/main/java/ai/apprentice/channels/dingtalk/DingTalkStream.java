package ai.apprentice.channels.dingtalk;

import ai.apprentice.channels.ChatException;
import ai.apprentice.channels.LongConnection;
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
import java.util.concurrent.CompletionStage;
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
final class DingTalkStream extends LongConnection {
    static final String BOT_MESSAGES = "/v1.0/im/bot/messages/get";
    static final String CARD_CALLBACKS = "/v1.0/card/instances/callback";
    private final URI gateway;
    private final String clientId;
    private final String clientSecret;
    /** Handles one CALLBACK or EVENT frame's data for its topic; false when it could not be handled. */
    private final BiPredicate<String, String> handler;

    DingTalkStream(HttpClient http, URI gateway, String clientId, String clientSecret, BiPredicate<String, String> handler, PrintStream log) {
        super(http, log, "dingtalk stream");
        this.gateway = gateway;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.handler = handler;
    }

    @Override
    protected URI where() throws ChatException {
        return open();
    }

    @Override
    protected WebSocket.Listener listener() {
        return new Frames();
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
                    lost(ws);
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
        send(ws, w -> w.sendText(Json.write(ack), true), "the acknowledgement of " + messageId);
    }

    private final class Frames extends LongConnection.Frames {
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
    }
}
