package ai.apprentice.channels.feishu;

import ai.apprentice.channels.ChatException;
import ai.apprentice.channels.LongConnection;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.BiPredicate;

/**
 * Feishu's long connection (长连接 / Lark WebSocket mode), for teams without a public URL, implemented from the protocol
 * of the official SDKs (open.feishu.cn "Use long connection to receive events"):
 * <ol>
 * <li>{@code POST {base}/callback/ws/endpoint} with {@code {"AppID", "AppSecret"}} answers {@code {"code": 0, "data":
 * {"URL": "wss://...?device_id=..&service_id=..", "ClientConfig": {"PingInterval": seconds, ...}}}};</li>
 * <li>the WebSocket carries binary {@link FeishuFrame}s: control frames (the client sends {@code type: ping} with the
 * URL's service_id every PingInterval; the server answers {@code pong}, perhaps with a new ClientConfig) and data
 * frames ({@code type: event} or {@code card}; headers message_id, sum, seq: a payload of several frames is joined);</li>
 * <li>each data frame is answered by the same frame with the payload {@code {"code": 200}} (500 when it could not be
 * handled) and a header {@code biz_rt} (milliseconds taken).</li>
 * </ol>
 * Why not the official {@code com.larksuite.oapi:oapi-sdk} ({@code com.lark.oapi.ws.Client}): its domain can be pointed
 * at a fake, but the client cannot be stopped (no close; its ping loop and reconnect loop run forever on a thread pool
 * it owns), its first reconnect waits a random part of 30 s, card frames are dropped unanswered, and the SDK is tens of
 * megabytes with shaded OkHttp, protobuf, Guava and Gson.
 */
final class FeishuLongConnection extends LongConnection {
    static final String ENDPOINT = "/callback/ws/endpoint";
    private static final int REMEMBERED_PARTS = 64;

    private final URI base;
    private final String appId;
    private final String appSecret;
    /** Handles one event or card payload (its type and JSON); false when it could not be handled. */
    private final BiPredicate<String, String> handler;
    private volatile int service;
    private volatile Duration pingEvery = Duration.ofSeconds(120);
    private Thread pinger;
    /** Parts of payloads split over several frames, by message id, until the last arrives. */
    private final Map<String, byte[][]> parts = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[][]> eldest) {
            return size() > REMEMBERED_PARTS;
        }
    });

    FeishuLongConnection(HttpClient http, URI base, String appId, String appSecret, BiPredicate<String, String> handler, PrintStream log) {
        super(http, log, "feishu long connection");
        this.base = base;
        this.appId = appId;
        this.appSecret = appSecret;
        this.handler = handler;
    }

    /** Connects once now (so a wrong secret is said at start), then pings and keeps reconnecting until closed. */
    @Override
    public void start() throws ChatException {
        super.start();
        pinger = Thread.ofVirtual().name("feishu-ping").start(this::pingLoop);
    }

    /** Asks Feishu where to connect: the WebSocket URL (with its device and service ids). */
    URI endpoint() throws ChatException {
        JsonNode answer;
        try {
            var response = http.send(HttpRequest.newBuilder(base.resolve(ENDPOINT)).timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "application/json; charset=utf-8").header("locale", "en")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(Json.object().put("AppID", appId).put("AppSecret", appSecret)))).build(),
                    HttpResponse.BodyHandlers.ofString());
            answer = Json.tree(response.body());
            if (response.statusCode() != 200 || answer.path("code").asInt(-1) != 0) {
                throw new ChatException("feishu long connection: " + ENDPOINT + " answered " + response.statusCode() + " code "
                        + answer.path("code").asText("?") + ": " + answer.path("msg").asText(""));
            }
        } catch (IOException | RuntimeException e) {
            throw new ChatException("feishu long connection: " + base.getHost() + " could not be reached: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException("feishu long connection: interrupted while connecting", e);
        }
        configure(answer.path("data").path("ClientConfig"));
        var url = answer.path("data").path("URL").asText("");
        try {
            var uri = URI.create(url);
            if (!"wss".equals(uri.getScheme()) && !"ws".equals(uri.getScheme())) throw new IllegalArgumentException();
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ChatException("feishu long connection: " + ENDPOINT + " answered no WebSocket URL");
        }
    }

    private void configure(JsonNode config) {
        long seconds = config.path("PingInterval").asLong(0);
        if (seconds > 0) pingEvery = Duration.ofSeconds(Math.max(1, seconds));
    }

    @Override
    protected URI where() throws ChatException {
        var uri = endpoint();
        service = serviceId(uri);
        return uri;
    }

    @Override
    protected WebSocket.Listener listener() {
        return new Frames();
    }

    static int serviceId(URI uri) {
        var query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        for (var pair : query.split("&")) {
            if (pair.startsWith("service_id=")) {
                try {
                    return Integer.parseInt(pair.substring("service_id=".length()));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    private void pingLoop() {
        while (!closed()) {
            try {
                Thread.sleep(pingEvery);
            } catch (InterruptedException e) {
                return;
            }
            var s = socket();
            if (s != null) send(s, FeishuFrame.control(service, "ping"));
        }
    }

    private void onFrame(WebSocket ws, byte[] bytes) {
        FeishuFrame frame;
        try {
            frame = FeishuFrame.decode(bytes);
        } catch (IOException e) {
            log.println("feishu long connection: ignored a frame that is not a pbbp2.Frame (" + e.getMessage() + ")");
            return;
        }
        var type = String.valueOf(frame.header("type"));
        if (frame.method() == FeishuFrame.CONTROL) {
            if (type.equals("pong") && frame.payload() != null) {
                try {
                    configure(Json.tree(new String(frame.payload(), StandardCharsets.UTF_8)));
                } catch (RuntimeException e) {
                    // a pong without a config
                }
            }
            return;
        }
        if (frame.method() != FeishuFrame.DATA) {
            log.println("feishu long connection: ignored a frame of method " + frame.method());
            return;
        }
        var payload = joined(frame);
        if (payload == null) return; // more parts to come
        long started = System.nanoTime();
        boolean ok;
        try {
            ok = handler.test(type, new String(payload, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            ok = false;
        }
        var answer = Json.write(Json.object().put("code", ok ? 200 : 500));
        send(ws, frame.answer(answer.getBytes(StandardCharsets.UTF_8), "biz_rt", String.valueOf((System.nanoTime() - started) / 1_000_000)));
    }

    /** The whole payload of a data frame, or null while parts of it are missing. */
    private byte[] joined(FeishuFrame frame) {
        int sum = parse(frame.header("sum"), 1), seq = parse(frame.header("seq"), 0);
        var payload = frame.payload() == null ? new byte[0] : frame.payload();
        if (sum <= 1) return payload;
        if (seq < 0 || seq >= sum) return null;
        var id = String.valueOf(frame.header("message_id"));
        synchronized (parts) {
            var got = parts.computeIfAbsent(id, k -> new byte[sum][]);
            if (got.length != sum) return null;
            got[seq] = payload;
            var all = new ByteArrayOutputStream();
            for (var p : got) {
                if (p == null) return null;
                all.writeBytes(p);
            }
            parts.remove(id);
            return all.toByteArray();
        }
    }

    private static int parse(String s, int fallback) {
        try {
            return s == null ? fallback : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private void send(WebSocket ws, FeishuFrame frame) {
        send(ws, w -> w.sendBinary(ByteBuffer.wrap(frame.encode()), true), "a frame");
    }

    private final class Frames extends LongConnection.Frames {
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            var chunk = new byte[data.remaining()];
            data.get(chunk);
            partial.writeBytes(chunk);
            if (last) {
                var bytes = partial.toByteArray();
                partial.reset();
                // off the WebSocket's own thread: answering waits for the send to complete
                Thread.ofVirtual().name("feishu-frame").start(() -> onFrame(ws, bytes));
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            ws.request(1);
            return null;
        }
    }

    @Override
    public void close() {
        super.close();
        if (pinger != null) pinger.interrupt();
    }
}
