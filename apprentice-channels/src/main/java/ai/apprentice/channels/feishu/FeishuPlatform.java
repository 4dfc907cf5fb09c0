package ai.apprentice.channels.feishu;

import ai.apprentice.channels.ChannelConfig;
import ai.apprentice.channels.ChatEvent;
import ai.apprentice.channels.ChatException;
import ai.apprentice.channels.ChatPlatform;
import ai.apprentice.channels.Outgoing;
import ai.apprentice.json.Json;
import ai.apprentice.server.Inbound;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Feishu (飞书) and Lark: a custom app's bot. Deliveries come over HTTP (the event subscription's request URL: a
 * verification token in every event, and with an encrypt key, encrypted bodies and signed requests) or over the long
 * connection ({@code mode: long_connection}); messages go out through the IM API as replies to the message that asked,
 * in its thread where it has one. Every message is a card, so that progress and approvals are edited in place.
 * <pre>
 * channels:
 *   feishu:
 *     app_id_env: FEISHU_APP_ID                    # the app's App ID (cli_...)
 *     app_secret_env: FEISHU_APP_SECRET            # its App Secret: gets tenant access tokens, opens the long connection
 *     verification_token_env: FEISHU_VERIFICATION_TOKEN  # HTTP mode: in every event (Events and callbacks → Encryption strategy)
 *     encrypt_key_env: FEISHU_ENCRYPT_KEY          # HTTP mode, optional but advised: encrypted bodies, signed requests
 *     mode: http                                   # http | long_connection
 *     api_base_url: https://open.feishu.cn         # default; Lark: https://open.larksuite.com
 * </pre>
 */
public final class FeishuPlatform implements ChatPlatform {
    /**
     * A card's request is limited to 30 KB; 8000 characters of Chinese (3 bytes each in UTF-8) with the card's JSON stay
     * under it.
     */
    static final int MAX_MESSAGE_CHARS = 8000;
    private static final int REMEMBERED_CARDS = 10_000;

    private final Settings settings;
    private final FeishuApi api;
    private final HttpClient http;
    private final Clock clock;
    private final PrintStream log;
    /** Where each card the intern posted was, so that a press on it answers in its thread (a callback names only the message). */
    private final Map<String, ChatEvent.Place> cards = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ChatEvent.Place> eldest) {
            return size() > REMEMBERED_CARDS;
        }
    });
    private volatile String botOpenId;
    private volatile boolean botAsked;
    private FeishuLongConnection connection;

    record Settings(String name, String appId, String appSecret, String verificationToken, String encryptKey, URI api, boolean longConnection) {}

    FeishuPlatform(Settings settings, HttpClient http, Clock clock, PrintStream log) {
        this.settings = settings;
        this.http = http;
        this.clock = clock;
        this.log = log;
        this.api = new FeishuApi(http, settings.api(), settings.appId(), settings.appSecret(), clock);
    }

    public static FeishuPlatform create(ChannelConfig config, Map<String, String> env) throws ChatException {
        return new FeishuPlatform(settings(config, env), HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(), Clock.systemUTC(),
                System.err);
    }

    static Settings settings(ChannelConfig config, Map<String, String> env) throws ChatException {
        var at = "channels." + config.name() + ".";
        var appId = config.secret("app_id_env", env);
        var appSecret = config.secret("app_secret_env", env);
        var mode = config.setting("mode", "http");
        if (!mode.equals("http") && !mode.equals("long_connection")) throw new ChatException(at + "mode must be http or long_connection, not " + mode);
        boolean http = mode.equals("http");
        // over the long connection, Feishu authenticated the app itself: neither is needed there
        var token = http || config.settings().containsKey("verification_token_env") ? config.secret("verification_token_env", env) : null;
        var key = config.settings().containsKey("encrypt_key_env") ? config.secret("encrypt_key_env", env) : null;
        return new Settings(config.name(), appId, appSecret, token, key, config.baseUrl("api_base_url", "https://open.feishu.cn"),
                !http);
    }

    @Override
    public String name() {
        return "feishu";
    }

    // ---- deliveries ----

    @Override
    public Received receive(Inbound.Request request) {
        JsonNode body;
        try {
            body = Json.tree(request.text());
        } catch (RuntimeException e) {
            return Received.refused(400, "the body is not JSON");
        }
        if (body == null || !body.isObject()) return Received.refused(400, "the body is not a JSON object");
        boolean signed = request.header("x-lark-signature") != null;
        if (settings.encryptKey() != null && signed) {
            var refusal = FeishuCrypto.refusal(request.header("x-lark-request-timestamp"), request.header("x-lark-request-nonce"),
                    request.header("x-lark-signature"), settings.encryptKey(), request.body(), clock.instant());
            if (refusal != null) return Received.refused(401, refusal);
        }
        if (body.has("encrypt")) {
            if (settings.encryptKey() == null) {
                return Received.refused(400, "an encrypted delivery, but channels." + settings.name() + ".encrypt_key_env is not set");
            }
            try {
                body = Json.tree(FeishuCrypto.decrypt(body.path("encrypt").asText(""), settings.encryptKey()));
            } catch (GeneralSecurityException | RuntimeException e) {
                return Received.refused(401, "the encrypt field could not be decrypted with the encrypt key");
            }
            if (body == null || !body.isObject()) return Received.refused(400, "the decrypted body is not a JSON object");
        }
        var token = body.path("header").has("token") ? body.path("header").path("token").asText() : body.path("token").asText(null);
        if (settings.verificationToken() == null) {
            return Received.refused(401, "channels." + settings.name() + ".verification_token_env is not set, so no HTTP delivery can be verified");
        }
        if (!FeishuCrypto.equal(settings.verificationToken(), token)) return Received.refused(401, "the verification token does not match");
        if ("url_verification".equals(body.path("type").asText())) {
            // the request URL's check when it is saved in the console: answered with its challenge (Feishu may send it unsigned)
            var challenge = body.path("challenge").asText("");
            if (challenge.isEmpty()) return Received.refused(400, "a url_verification without a challenge");
            return Received.answer(Inbound.Response.json(200, Json.write(Json.object().put("challenge", challenge))));
        }
        // with an encrypt key, every event is signed: an unsigned one was not sent by Feishu
        if (settings.encryptKey() != null && !signed) return Received.refused(401, "the X-Lark-Signature header is missing");
        var parsed = FeishuEvents.read(body, botOpenId(), cards::get);
        if (parsed.malformed()) return Received.refused(400, parsed.reason());
        if (parsed.event() == null) {
            return Received.answer(Inbound.Response.json(200, Json.write(Json.object().put("ok", true).put("ignored", parsed.reason()))));
        }
        // a card callback is answered with a (here empty) card update; an event with anything 200
        return new Received(Inbound.Response.json(200, "{}"), List.of(parsed.event()), null);
    }

    /** The bot's own open_id ({@code GET /open-apis/bot/v3/info}), asked once; null when it could not be learnt. */
    String botOpenId() {
        if (!botAsked) {
            synchronized (this) {
                if (!botAsked) {
                    try {
                        botOpenId = botInfo().path("open_id").asText(null);
                    } catch (ChatException e) {
                        log.println("feishu (" + settings.name() + "): could not learn the bot's open_id (" + e.getMessage() + "); any mention counts");
                    }
                    botAsked = true;
                }
            }
        }
        return botOpenId;
    }

    private JsonNode botInfo() throws ChatException {
        // this endpoint answers {"code": 0, "bot": {...}} rather than under data
        return api.raw("GET", "/open-apis/bot/v3/info").path("bot");
    }

    @Override
    public boolean connect(Consumer<ChatEvent> sink) throws ChatException {
        if (!settings.longConnection()) return false;
        var bot = botOpenId();
        // the connection was opened with the app's secret: its frames need no token or signature of their own
        connection = new FeishuLongConnection(http, settings.api(), settings.appId(), settings.appSecret(), (type, payload) -> {
            FeishuEvents.Parsed parsed;
            try {
                parsed = FeishuEvents.read(Json.tree(payload), bot, cards::get);
            } catch (RuntimeException e) {
                parsed = FeishuEvents.Parsed.malformed("a payload that is not JSON");
            }
            if (parsed.event() != null) sink.accept(parsed.event());
            else log.println("feishu long connection (" + settings.name() + "): ignored " + type + ": " + parsed.reason());
            return !parsed.malformed();
        }, log);
        connection.start();
        return true;
    }

    boolean connected() {
        return connection != null && connection.connected();
    }

    // ---- messages out ----

    @Override
    public String post(ChatEvent.Place place, Outgoing message) throws ChatException {
        var ref = send(place, "interactive", FeishuCards.card(message));
        if (!message.buttons().isEmpty()) cards.put(ref, place);
        return ref;
    }

    /** A reply to the message that asked (in its thread where it has one), or a new message in the chat. */
    private String send(ChatEvent.Place place, String type, String content) throws ChatException {
        var replyTo = place.reply().get(FeishuEvents.REPLY_TO);
        var body = Json.object().put("msg_type", type).put("content", content).put("uuid", UUID.randomUUID().toString());
        JsonNode data;
        if (replyTo != null) {
            // open.feishu.cn "Reply message": POST /open-apis/im/v1/messages/:message_id/reply
            body.put("reply_in_thread", "true".equals(place.reply().get(FeishuEvents.IN_THREAD)));
            data = api.call("POST", "/open-apis/im/v1/messages/" + path(replyTo) + "/reply", body);
        } else {
            // open.feishu.cn "Send message": POST /open-apis/im/v1/messages?receive_id_type=chat_id
            body.put("receive_id", place.channel());
            data = api.call("POST", "/open-apis/im/v1/messages?receive_id_type=chat_id", body);
        }
        var id = data.path("message_id").asText("");
        if (id.isEmpty()) throw new ChatException("feishu: the message was sent, but Feishu answered no message_id");
        return id;
    }

    /** open.feishu.cn "Update app-sent message card": {@code PATCH /open-apis/im/v1/messages/:message_id} with the new card. */
    @Override
    public void update(ChatEvent.Place place, String messageRef, Outgoing message) throws ChatException {
        if (messageRef == null) {
            post(place, message);
            return;
        }
        // noted first: a press may arrive as soon as Feishu shows the buttons
        if (!message.buttons().isEmpty()) cards.put(messageRef, place);
        api.call("PATCH", "/open-apis/im/v1/messages/" + path(messageRef), Json.object().put("content", FeishuCards.card(message)));
    }

    /** A long answer as a file: uploaded ({@code POST /open-apis/im/v1/files}), then sent as a file message. */
    @Override
    public void upload(ChatEvent.Place place, String filename, String content, String comment) throws ChatException {
        post(place, Outgoing.text(comment));
        var key = api.uploadFile(filename, content.getBytes(StandardCharsets.UTF_8));
        send(place, "file", Json.write(Json.object().put("file_key", key)));
    }

    /** A message's image or file: {@code GET /open-apis/im/v1/messages/:message_id/resources/:file_key?type=image|file}. */
    @Override
    public byte[] download(ChatEvent.Attachment attachment, long maxBytes) throws ChatException {
        var ref = attachment.url();
        var m = java.util.regex.Pattern.compile("([A-Za-z0-9_-]+)/([A-Za-z0-9_-]+)\\?type=(image|file)").matcher(ref == null ? "" : ref);
        if (!m.matches()) throw new ChatException("feishu: not a message resource this intern can fetch");
        return api.download("/open-apis/im/v1/messages/" + m.group(1) + "/resources/" + m.group(2) + "?type=" + m.group(3), maxBytes);
    }

    private static String path(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    @Override
    public int maxMessageChars() {
        return MAX_MESSAGE_CHARS;
    }

    @Override
    public String check() throws ChatException {
        api.token(true);
        var bot = botInfo();
        var said = "Feishu accepted app " + settings.appId() + " (a tenant access token for " + api.tokenSeconds() / 60 + " more minutes); the bot is "
                + bot.path("app_name").asText("?") + " (" + bot.path("open_id").asText("no open_id: is the bot feature enabled?") + "); "
                + (settings.longConnection() ? "the long connection" : "HTTP deliveries") + " at " + settings.api().getHost();
        if (settings.longConnection()) {
            // only the endpoint: a second live connection could be handed an event meant for the server's
            new FeishuLongConnection(http, settings.api(), settings.appId(), settings.appSecret(), (t, p) -> true, log).endpoint();
            said += "; Feishu gives the app a long connection endpoint";
        } else if (settings.encryptKey() == null) {
            said += "; no encrypt_key_env: deliveries are checked by their verification token only (set an encrypt key to have them signed)";
        }
        return said;
    }

    @Override
    public void close() {
        if (connection != null) connection.close();
    }
}
