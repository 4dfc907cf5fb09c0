package ai.apprentice.channels.feishu;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.websocket.WsContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Feishu's side, on loopback, following the documented wire format: the tenant access token, bot info, sending,
 * replying to and updating messages, message resources, file upload, and the long connection's endpoint and WebSocket
 * (whose pbbp2.Frame is read and written here with protobuf-java's own DynamicMessage, independently of the intern's
 * codec). It records every call the intern makes.
 */
final class FakeFeishu implements AutoCloseable {
    static final String APP_ID = "cli_a1b2c3d4e5";
    static final String APP_SECRET = "app-secret-0123456789abcdef";
    static final String TOKEN = "t-fake-tenant-token";
    static final String BOT_OPEN_ID = "ou_bot000000000000000000000000000";
    static final String TENANT = "tenant-736588c9260f175d";
    static final int SERVICE_ID = 33554678;

    record Call(String method, String path, String query, Map<String, String> headers, JsonNode body, Map<String, String> form) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The card of an interactive message or update ({@code content} is a JSON string). */
        JsonNode card() {
            return Json.tree(body.path("content").asText());
        }

        String cardText() {
            return card().path("elements").path(0).path("content").asText("");
        }
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Map<Call, String> sentIds = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    final List<Map<String, String>> uploads = new CopyOnWriteArrayList<>();
    final List<WsContext> sockets = new CopyOnWriteArrayList<>();
    final List<DynamicMessage> received = new CopyOnWriteArrayList<>();
    final List<String> devices = new CopyOnWriteArrayList<>();
    volatile byte[] file = "hello from a file".getBytes(StandardCharsets.UTF_8);
    volatile int pingInterval = 120;
    private final AtomicInteger ids = new AtomicInteger();
    private final Javalin app;

    static final Descriptors.Descriptor FRAME;
    static final Descriptors.Descriptor HEADER;

    static {
        // pbbp2.proto as the official SDKs define it
        var header = DescriptorProto.newBuilder().setName("Header").addField(field("key", 1, FieldDescriptorProto.Type.TYPE_STRING, true))
                .addField(field("value", 2, FieldDescriptorProto.Type.TYPE_STRING, true));
        var frame = DescriptorProto.newBuilder().setName("Frame").addField(field("SeqID", 1, FieldDescriptorProto.Type.TYPE_UINT64, true))
                .addField(field("LogID", 2, FieldDescriptorProto.Type.TYPE_UINT64, true))
                .addField(field("service", 3, FieldDescriptorProto.Type.TYPE_INT32, true))
                .addField(field("method", 4, FieldDescriptorProto.Type.TYPE_INT32, true))
                .addField(FieldDescriptorProto.newBuilder().setName("headers").setNumber(5).setType(FieldDescriptorProto.Type.TYPE_MESSAGE)
                        .setTypeName(".pbbp2.Header").setLabel(FieldDescriptorProto.Label.LABEL_REPEATED))
                .addField(field("payload_encoding", 6, FieldDescriptorProto.Type.TYPE_STRING, false))
                .addField(field("payload_type", 7, FieldDescriptorProto.Type.TYPE_STRING, false))
                .addField(field("payload", 8, FieldDescriptorProto.Type.TYPE_BYTES, false))
                .addField(field("LogIDNew", 9, FieldDescriptorProto.Type.TYPE_STRING, false));
        var file = FileDescriptorProto.newBuilder().setName("pbbp2.proto").setPackage("pbbp2").setSyntax("proto2").addMessageType(header)
                .addMessageType(frame).build();
        try {
            var fd = Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0]);
            FRAME = fd.findMessageTypeByName("Frame");
            HEADER = fd.findMessageTypeByName("Header");
        } catch (Descriptors.DescriptorValidationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static FieldDescriptorProto field(String name, int number, FieldDescriptorProto.Type type, boolean required) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(required ? FieldDescriptorProto.Label.LABEL_REQUIRED : FieldDescriptorProto.Label.LABEL_OPTIONAL).build();
    }

    /** A Frame built with protobuf-java's DynamicMessage. */
    static DynamicMessage frame(long seq, int method, Map<String, String> headers, byte[] payload) {
        var b = DynamicMessage.newBuilder(FRAME).setField(FRAME.findFieldByName("SeqID"), seq).setField(FRAME.findFieldByName("LogID"), 7L)
                .setField(FRAME.findFieldByName("service"), SERVICE_ID).setField(FRAME.findFieldByName("method"), method);
        headers.forEach((k, v) -> b.addRepeatedField(FRAME.findFieldByName("headers"),
                DynamicMessage.newBuilder(HEADER).setField(HEADER.findFieldByName("key"), k).setField(HEADER.findFieldByName("value"), v).build()));
        if (payload != null) b.setField(FRAME.findFieldByName("payload"), com.google.protobuf.ByteString.copyFrom(payload));
        return b.build();
    }

    static String header(DynamicMessage frame, String key) {
        for (var h : (List<?>) frame.getField(FRAME.findFieldByName("headers"))) {
            var m = (DynamicMessage) h;
            if (m.getField(HEADER.findFieldByName("key")).equals(key)) return (String) m.getField(HEADER.findFieldByName("value"));
        }
        return null;
    }

    static int method(DynamicMessage frame) {
        return (Integer) frame.getField(FRAME.findFieldByName("method"));
    }

    static String payload(DynamicMessage frame) {
        return ((com.google.protobuf.ByteString) frame.getField(FRAME.findFieldByName("payload"))).toStringUtf8();
    }

    FakeFeishu() {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            // a fault of the fake itself is said in Feishu's error shape, with what it was
            config.routes.exception(Exception.class, (e, ctx) -> ctx.status(500).json(Map.of("code", 1, "msg", "fake: " + e)));
            config.routes.post("/open-apis/auth/v3/tenant_access_token/internal", ctx -> {
                var body = record(ctx).body();
                if (!APP_ID.equals(body.path("app_id").asText()) || !APP_SECRET.equals(body.path("app_secret").asText())) {
                    ctx.status(400).json(Map.of("code", 10014, "msg", "app secret invalid"));
                    return;
                }
                ctx.json(Map.of("code", 0, "msg", "ok", "tenant_access_token", TOKEN, "expire", 7200));
            });
            config.routes.get("/open-apis/bot/v3/info", ctx -> {
                if (authorized(ctx) != null) ctx.json(Map.of("code", 0, "msg", "ok", "bot", Map.of("app_name", "apprentice", "open_id", BOT_OPEN_ID)));
            });
            config.routes.post("/open-apis/im/v1/messages/{id}/reply", ctx -> {
                var call = authorized(ctx);
                if (call != null) ctx.json(sent(call, ctx.pathParam("id")));
            });
            config.routes.post("/open-apis/im/v1/messages", ctx -> {
                var call = authorized(ctx);
                if (call != null) ctx.json(sent(call, null));
            });
            config.routes.patch("/open-apis/im/v1/messages/{id}", ctx -> {
                if (authorized(ctx) != null) ctx.json(Map.of("code", 0, "msg", "success", "data", Map.of()));
            });
            config.routes.get("/open-apis/im/v1/messages/{id}/resources/{key}", ctx -> {
                if (authorized(ctx) != null) ctx.contentType("application/octet-stream").result(file);
            });
            config.routes.post("/open-apis/im/v1/files", ctx -> {
                // the multipart body is read as parts, not recorded as JSON
                if (!("Bearer " + TOKEN).equals(ctx.header("Authorization"))) {
                    ctx.status(400).json(Map.of("code", 99991663, "msg", "Invalid access token for authorization"));
                    return;
                }
                var upload = ctx.uploadedFile("file");
                var form = new HashMap<String, String>();
                form.put("file_type", ctx.formParam("file_type"));
                form.put("file_name", ctx.formParam("file_name"));
                form.put("file", upload == null ? null : new String(upload.content().readAllBytes(), StandardCharsets.UTF_8));
                uploads.add(form);
                ctx.json(Map.of("code", 0, "msg", "success", "data", Map.of("file_key", "file_v2_up1")));
            });
            config.routes.post("/callback/ws/endpoint", ctx -> {
                var body = record(ctx).body();
                if (!APP_ID.equals(body.path("AppID").asText()) || !APP_SECRET.equals(body.path("AppSecret").asText())) {
                    ctx.json(Map.of("code", 1000040343, "msg", "app secret invalid"));
                    return;
                }
                var device = "dev" + devices.size();
                devices.add(device);
                ctx.json(Map.of("code", 0, "msg", "ok", "data", Map.of("URL", "ws://127.0.0.1:" + port() + "/ws?device_id=" + device + "&service_id=" + SERVICE_ID,
                        "ClientConfig", Map.of("ReconnectCount", -1, "ReconnectInterval", 120, "ReconnectNonce", 30, "PingInterval", pingInterval))));
            });
            config.routes.ws("/ws", ws -> {
                ws.onConnect(ctx -> {
                    if (!devices.contains(ctx.queryParam("device_id"))) ctx.closeSession(4001, "unknown device");
                    else sockets.add(ctx);
                });
                ws.onBinaryMessage(ctx -> {
                    var bytes = new byte[ctx.data().remaining()];
                    ctx.data().get(bytes);
                    received.add(DynamicMessage.parseFrom(FRAME, bytes));
                });
                ws.onClose(ctx -> sockets.remove(ctx));
            });
        });
        app.start();
    }

    private Map<String, Object> sent(Call call, String replyTo) {
        var id = "om_sent" + ids.incrementAndGet();
        sentIds.put(call, id);
        var data = new HashMap<String, Object>(Map.of("message_id", id, "chat_id", "oc_chat1", "msg_type", "interactive"));
        if (replyTo != null) data.put("parent_id", replyTo);
        return Map.of("code", 0, "msg", "success", "data", data);
    }

    private Call record(Context ctx) {
        var headers = new HashMap<String, String>();
        ctx.headerMap().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        JsonNode body;
        try {
            body = ctx.body().isBlank() ? Json.object() : Json.tree(ctx.body());
        } catch (RuntimeException e) {
            body = Json.object();
        }
        var call = new Call(ctx.method().name(), ctx.path(), ctx.queryString(), headers, body, Map.of());
        calls.add(call);
        return call;
    }

    /** The call recorded, or null when it was refused for want of the token. */
    private Call authorized(Context ctx) {
        var call = record(ctx);
        if (!("Bearer " + TOKEN).equals(ctx.header("Authorization"))) {
            ctx.status(400).json(Map.of("code", 99991663, "msg", "Invalid access token for authorization"));
            return null;
        }
        return call;
    }

    /** The message_id the fake answered a send or reply with. */
    String sentId(Call call) {
        return sentIds.get(call);
    }

    int port() {
        return app.port();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    List<Call> calls(String method, String pathPrefix) {
        return calls.stream().filter(c -> c.method().equals(method) && c.path().startsWith(pathPrefix)).toList();
    }

    List<Call> matching(Predicate<Call> p) {
        return calls.stream().filter(p).toList();
    }

    /** Sends one data frame carrying {@code payload} to every connected client, split into {@code parts} frames. */
    void sendEvent(String type, String messageId, String payload, int parts) {
        var bytes = payload.getBytes(StandardCharsets.UTF_8);
        int size = (bytes.length + parts - 1) / parts;
        for (int i = 0; i < parts; i++) {
            var part = java.util.Arrays.copyOfRange(bytes, Math.min(bytes.length, i * size), Math.min(bytes.length, (i + 1) * size));
            var frame = frame(i, 1, Map.of("type", type, "message_id", messageId, "sum", String.valueOf(parts), "seq", String.valueOf(i),
                    "trace_id", "trace-" + messageId), part);
            for (var s : sockets) s.send(ByteBuffer.wrap(frame.toByteArray()));
        }
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

    @Override
    public void close() {
        app.stop();
    }
}
