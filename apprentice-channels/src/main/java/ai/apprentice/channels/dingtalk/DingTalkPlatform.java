package ai.apprentice.channels.dingtalk;

import ai.apprentice.channels.ChannelConfig;
import ai.apprentice.channels.ChatEvent;
import ai.apprentice.channels.ChatException;
import ai.apprentice.channels.ChatPlatform;
import ai.apprentice.channels.Outgoing;
import ai.apprentice.json.Json;
import ai.apprentice.server.Inbound;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * DingTalk (钉钉): an enterprise internal app's robot. Deliveries come over HTTP (the robot's message receiving URL,
 * signed with the app secret) or over Stream mode (a long connection, {@code mode: stream}); messages go out through
 * the conversation's session webhook while it is valid, else through the robot API; messages with buttons (and, with
 * {@code cards: all}, every message) are interactive cards, the one kind of robot message DingTalk can edit.
 * <pre>
 * channels:
 *   dingtalk:
 *     app_key_env: DINGTALK_APP_KEY          # the app's Client ID (AppKey)
 *     app_secret_env: DINGTALK_APP_SECRET    # its Client Secret (AppSecret): signs HTTP deliveries, gets tokens
 *     robot_code: dingxxxx                   # default: the app key (as for enterprise internal apps)
 *     mode: http                             # http | stream
 *     cards: buttons                         # buttons | all
 *     card_callback_route_key: apprentice    # optional: the route key of an HTTP card callback URL
 *     api_base_url: https://api.dingtalk.com      # default; also the Stream gateway unless gateway_base_url
 *     oapi_base_url: https://oapi.dingtalk.com    # default; the only host session webhooks are sent to
 * </pre>
 */
public final class DingTalkPlatform implements ChatPlatform {
    /**
     * The robot API takes a markdown text of up to 5000 characters in sampleMarkdown and cards; session webhooks take
     * about 20 KB of body, which 5000 characters of Chinese (3 bytes each in UTF-8) stay under.
     */
    static final int MAX_MESSAGE_CHARS = 5000;
    private static final int REMEMBERED_CARDS = 10_000;

    private final Settings settings;
    private final DingTalkApi api;
    private final HttpClient http;
    private final Clock clock;
    private final PrintStream log;
    /** Where each card the intern posted was, so that a press on it answers there (a callback names only the card). */
    private final Map<String, ChatEvent.Place> cards = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ChatEvent.Place> eldest) {
            return size() > REMEMBERED_CARDS;
        }
    });
    private DingTalkStream stream;

    record Settings(String name, String appKey, String appSecret, String robotCode, URI api, URI oapi, URI gateway, boolean stream,
                    boolean allCards, String cardRouteKey) {}

    DingTalkPlatform(Settings settings, HttpClient http, Clock clock, PrintStream log) {
        this.settings = settings;
        this.http = http;
        this.clock = clock;
        this.log = log;
        this.api = new DingTalkApi(http, settings.api(), settings.appKey(), settings.appSecret(), clock);
    }

    public static DingTalkPlatform create(ChannelConfig config, Map<String, String> env) throws ChatException {
        return new DingTalkPlatform(settings(config, env), HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(),
                Clock.systemUTC(), System.err);
    }

    static Settings settings(ChannelConfig config, Map<String, String> env) throws ChatException {
        var at = "channels." + config.name() + ".";
        var appKey = config.secret("app_key_env", env);
        var appSecret = config.secret("app_secret_env", env);
        var api = config.baseUrl("api_base_url", "https://api.dingtalk.com");
        var oapi = config.baseUrl("oapi_base_url", "https://oapi.dingtalk.com");
        var gateway = config.baseUrl("gateway_base_url", api.toString());
        var mode = config.setting("mode", "http");
        if (!mode.equals("http") && !mode.equals("stream")) throw new ChatException(at + "mode must be http or stream, not " + mode);
        var cards = config.setting("cards", "buttons");
        if (!cards.equals("buttons") && !cards.equals("all")) throw new ChatException(at + "cards must be buttons or all, not " + cards);
        return new Settings(config.name(), appKey, appSecret, config.setting("robot_code", appKey), api, oapi, gateway, mode.equals("stream"),
                cards.equals("all"), config.setting("card_callback_route_key", null));
    }

    @Override
    public String name() {
        return "dingtalk";
    }

    // ---- deliveries ----

    @Override
    public Received receive(Inbound.Request request) {
        var refusal = DingTalkSignature.refusal(request.header("timestamp"), request.header("sign"), settings.appSecret(), clock.instant());
        if (refusal != null) return Received.refused(401, refusal);
        var parsed = DingTalkMessages.read(request.text(), cards::get);
        if (parsed.malformed()) return Received.refused(400, parsed.reason());
        if (parsed.event() == null) {
            return Received.answer(Inbound.Response.json(200, Json.write(Json.object().put("ok", true).put("ignored", parsed.reason()))));
        }
        return Received.events(List.of(parsed.event()));
    }

    @Override
    public boolean connect(Consumer<ChatEvent> sink) throws ChatException {
        if (!settings.stream()) return false;
        // the connection was opened with the app's secret: its frames need no signature of their own
        stream = new DingTalkStream(http, settings.gateway(), settings.appKey(), settings.appSecret(), (topic, data) -> {
            var parsed = DingTalkMessages.read(data, cards::get);
            if (parsed.event() != null) sink.accept(parsed.event());
            else log.println("dingtalk stream (" + settings.name() + "): ignored a delivery on " + topic + ": " + parsed.reason());
            return !parsed.malformed();
        }, log);
        stream.start();
        return true;
    }

    boolean streamConnected() {
        return stream != null && stream.connected();
    }

    // ---- messages out ----

    @Override
    public String post(ChatEvent.Place place, Outgoing message) throws ChatException {
        if (!message.buttons().isEmpty() || settings.allCards()) {
            try {
                return sendCard(place, message);
            } catch (ChatException e) {
                if (message.buttons().isEmpty()) throw e;
                // no card permission, say: the text still arrives, and says how to answer without buttons
                log.println("dingtalk (" + settings.name() + "): could not send an interactive card (" + e.getMessage() + "); sent the text alone");
                return sendText(place, new Outgoing(message.text() + "\n\n(Buttons could not be shown: the app needs the robot's"
                        + " interactive card permission.)", List.of()));
            }
        }
        return sendText(place, message);
    }

    /**
     * Cards are edited in place ({@code PUT /v1.0/im/robots/interactiveCards}); other robot messages cannot be edited in
     * DingTalk (there is no API for it), so their updates are posted anew.
     */
    @Override
    public void update(ChatEvent.Place place, String messageRef, Outgoing message) throws ChatException {
        if (messageRef != null && messageRef.startsWith("card:")) {
            var body = Json.object().put("cardBizId", messageRef.substring(5)).put("cardData", DingTalkCards.cardData(message));
            body.putObject("updateOptions").put("updateCardDataByKey", false).put("updatePrivateDataByKey", false);
            api.put("/v1.0/im/robots/interactiveCards", body);
            return;
        }
        post(place, message);
    }

    private String sendText(ChatEvent.Place place, Outgoing message) throws ChatException {
        var webhook = validWebhook(place);
        if (webhook != null) {
            // open.dingtalk.com "reply to a message through sessionWebhook": msgtype markdown {title, text}
            var body = Json.object().put("msgtype", "markdown");
            body.putObject("markdown").put("title", DingTalkCards.title(message.text())).put("text", message.text());
            api.webhook(webhook, body);
            return "msg:" + UUID.randomUUID();
        }
        // open.dingtalk.com "robot sends single chat messages in batches" / "robot sends group messages": msgKey sampleMarkdown
        var body = Json.object().put("robotCode", robotCode(place)).put("msgKey", "sampleMarkdown")
                .put("msgParam", Json.write(Json.object().put("title", DingTalkCards.title(message.text())).put("text", message.text())));
        ObjectNode answer;
        if (isGroup(place)) {
            body.put("openConversationId", place.channel());
            answer = (ObjectNode) api.post("/v1.0/robot/groupMessages/send", body);
        } else {
            body.putArray("userIds").add(user(place));
            answer = (ObjectNode) api.post("/v1.0/robot/oToMessages/batchSend", body);
            if (answer.path("invalidStaffIdList").size() > 0) throw new ChatException("dingtalk: " + user(place) + " is not a staff id the robot can write to");
        }
        return "msg:" + answer.path("processQueryKey").asText(UUID.randomUUID().toString());
    }

    private String sendCard(ChatEvent.Place place, Outgoing message) throws ChatException {
        var bizId = "apprentice-" + UUID.randomUUID();
        // open.dingtalk.com "robot sends an interactive card": StandardCard, to a group or to one person
        var body = Json.object().put("cardTemplateId", DingTalkCards.TEMPLATE).put("cardBizId", bizId).put("robotCode", robotCode(place))
                .put("cardData", DingTalkCards.cardData(message));
        if (isGroup(place)) body.put("openConversationId", place.channel());
        else body.put("singleChatReceiver", Json.write(Json.object().put("userId", user(place))));
        if (settings.cardRouteKey() != null) body.put("callbackRouteKey", settings.cardRouteKey());
        api.post("/v1.0/im/v1.0/robot/interactiveCards/send", body);
        cards.put(bizId, place);
        return "card:" + bizId;
    }

    /**
     * The session webhook to answer at, when the delivery gave one that has not expired and that points at DingTalk's
     * own API host: a URL taken from a payload is never sent to elsewhere.
     */
    URI validWebhook(ChatEvent.Place place) {
        var url = place.reply().get(DingTalkMessages.WEBHOOK);
        if (url == null) return null;
        long expires;
        try {
            expires = Long.parseLong(place.reply().getOrDefault(DingTalkMessages.WEBHOOK_EXPIRES, "0"));
        } catch (NumberFormatException e) {
            return null;
        }
        // a margin of a minute: a webhook about to expire is not worth the failed call
        if (expires - 60_000 < clock.millis()) return null;
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return null;
        }
        for (var allowed : List.of(settings.oapi(), settings.api())) {
            if (allowed.getScheme().equals(uri.getScheme()) && allowed.getHost().equalsIgnoreCase(String.valueOf(uri.getHost()))
                    && port(allowed) == port(uri) && uri.getUserInfo() == null) {
                return uri;
            }
        }
        log.println("dingtalk (" + settings.name() + "): ignored a session webhook on " + uri.getHost() + ", which is not " + settings.oapi().getHost());
        return null;
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    }

    private static boolean isGroup(ChatEvent.Place place) {
        return DingTalkMessages.GROUP.equals(place.reply().get(DingTalkMessages.TYPE));
    }

    private static String user(ChatEvent.Place place) throws ChatException {
        var user = place.reply().get(DingTalkMessages.USER);
        if (user == null) throw new ChatException("dingtalk: no person to write to in this single chat");
        return user;
    }

    private String robotCode(ChatEvent.Place place) {
        return place.reply().getOrDefault(DingTalkMessages.ROBOT, settings.robotCode());
    }

    /** A file the robot received: {@code POST /v1.0/robot/messageFiles/download} turns its downloadCode into a URL. */
    @Override
    public byte[] download(ChatEvent.Attachment attachment, long maxBytes) throws ChatException {
        var answer = api.post("/v1.0/robot/messageFiles/download",
                Json.object().put("downloadCode", attachment.url()).put("robotCode", settings.robotCode()));
        var url = answer.path("downloadUrl").asText("");
        if (url.isEmpty()) throw new ChatException("dingtalk: messageFiles/download answered without a downloadUrl");
        try {
            return api.download(URI.create(url), maxBytes);
        } catch (IllegalArgumentException e) {
            throw new ChatException("dingtalk: messageFiles/download answered a URL that is not one");
        }
    }

    @Override
    public int maxMessageChars() {
        return MAX_MESSAGE_CHARS;
    }

    @Override
    public String check() throws ChatException {
        api.token(true);
        var said = "DingTalk accepted app key " + settings.appKey() + " (an access token for " + api.tokenSeconds() / 60 + " more minutes); robot code "
                + settings.robotCode() + "; " + (settings.stream() ? "Stream mode" : "HTTP deliveries") + " at " + settings.api().getHost();
        if (settings.stream()) {
            // only the registration: a second live connection could be handed a message meant for the server's
            new DingTalkStream(http, settings.gateway(), settings.appKey(), settings.appSecret(), (t, d) -> true, log).open();
            said += "; the Stream gateway accepts the app (Stream mode is enabled for its robot)";
        }
        return said;
    }

    @Override
    public void close() {
        if (stream != null) stream.close();
    }
}
