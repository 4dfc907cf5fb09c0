package ai.apprentice.channels.wecom;

import ai.apprentice.channels.Button;
import ai.apprentice.channels.ChannelConfig;
import ai.apprentice.channels.ChatEvent;
import ai.apprentice.channels.ChatException;
import ai.apprentice.channels.ChatPlatform;
import ai.apprentice.channels.Outgoing;
import ai.apprentice.json.Json;
import ai.apprentice.server.Inbound;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * WeCom (企业微信) through a self-built app (自建应用): members write to the app, the app answers them. There is no
 * official Java SDK on Maven Central, so this follows the documented protocol over the JDK's HTTP client: callbacks
 * in {@link WeComCallbacks}, sending with {@code POST /cgi-bin/message/send}
 * (https://developer.work.weixin.qq.com/document/path/90236) as markdown (or text), buttons as a
 * {@code button_interaction} template card whose presses come back as {@code template_card_event}.
 * <p>
 * Edits: WeCom cannot edit an app's message. A card with buttons is changed with
 * {@code update_template_card} (https://developer.work.weixin.qq.com/document/path/94888: its response_code works
 * once, within 72 hours); any other message is recalled ({@code /cgi-bin/message/recall},
 * https://developer.work.weixin.qq.com/document/path/94867, within 24 hours) and posted anew, so the conversation
 * shows the latest version only.
 * <p>
 * Config ({@code channels.wecom}): {@code corp_id}, {@code agent_id}, {@code corp_secret_env}, {@code token_env},
 * {@code encoding_aes_key_env}, optional {@code api_base_url} (https://qyapi.weixin.qq.com), {@code message_type}
 * (markdown or text) and {@code card_title}.
 */
public final class WeComPlatform implements ChatPlatform {
    /** How an image's media id is carried in an {@link ChatEvent.Attachment}'s url. */
    static final String MEDIA = "wecom-media:";
    /** Text and markdown content: at most 2048 bytes of UTF-8; a UTF-16 unit is at most 3 bytes. */
    static final int MAX_CHARS = 680;
    /** A card's sub_title_text: the docs advise at most 112 characters; a longer text goes in a message before the card. */
    static final int CARD_TEXT = 112;
    static final int BUTTON_TEXT = 10;

    private final WeComApi api;
    private final WeComCallbacks callbacks;
    private final String corpId;
    private final int agentId;
    private final String messageType;
    private final String cardTitle;
    /** task id -> response_code, for update_template_card (once). */
    private final Map<String, String> responseCodes = new ConcurrentHashMap<>();
    /** task id -> the reference of the card's message. */
    private final Map<String, String> cards = new ConcurrentHashMap<>();
    /** a reference the intern holds -> the message that replaced it (after a recall and post). */
    private final Map<String, String> replaced = new ConcurrentHashMap<>();

    WeComPlatform(WeComApi api, WeComCrypto crypto, String corpId, int agentId, String messageType, String cardTitle) {
        this.api = api;
        this.corpId = corpId;
        this.agentId = agentId;
        this.messageType = messageType;
        this.cardTitle = cardTitle;
        this.callbacks = new WeComCallbacks(crypto, corpId, String.valueOf(agentId), cards::get, responseCodes::put);
    }

    public static WeComPlatform create(ChannelConfig config, Map<String, String> env) throws ChatException {
        var at = "channels." + config.name() + ".";
        var corpId = config.setting("corp_id", "");
        if (corpId.isBlank()) throw new ChatException(at + "corp_id is not set: the Company ID (My Company > Company Information)");
        int agentId;
        try {
            agentId = Integer.parseInt(config.setting("agent_id", ""));
        } catch (NumberFormatException e) {
            throw new ChatException(at + "agent_id must be the app's AgentId, a number (App Management > the app)");
        }
        var secret = config.secret("corp_secret_env", env);
        var token = config.secret("token_env", env);
        var aesKey = config.secret("encoding_aes_key_env", env);
        var messageType = config.setting("message_type", "markdown");
        if (!messageType.equals("markdown") && !messageType.equals("text")) throw new ChatException(at + "message_type is markdown or text, not " + messageType);
        URI base;
        try {
            var url = config.setting("api_base_url", "https://qyapi.weixin.qq.com/");
            base = URI.create(url.endsWith("/") ? url : url + "/");
            if (!"https".equals(base.getScheme()) && !"http".equals(base.getScheme())) throw new IllegalArgumentException();
        } catch (IllegalArgumentException e) {
            throw new ChatException(at + "api_base_url is not an http(s) URL");
        }
        WeComCrypto crypto;
        try {
            crypto = new WeComCrypto(token, aesKey, corpId);
        } catch (IllegalArgumentException e) {
            throw new ChatException(at + "encoding_aes_key_env: " + e.getMessage() + "; copy the EncodingAESKey of the app's API receive settings");
        }
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return new WeComPlatform(new WeComApi(http, base, corpId, secret, Clock.systemUTC()), crypto, corpId, agentId, messageType,
                config.setting("card_title", "apprentice"));
    }

    @Override
    public String name() {
        return "wecom";
    }

    /** Answers POST deliveries and, when the server routes GET here too, WeCom's URL verification. */
    @Override
    public Received receive(Inbound.Request request) {
        var received = callbacks.receive(request);
        // a delivery is answered with an empty body ("直接回复空串"), not JSON
        if (received.refusal() == null && request.method().equalsIgnoreCase("POST")) {
            return new Received(Inbound.Response.text(200, ""), received.events(), null);
        }
        return received;
    }

    @Override
    public int maxMessageChars() {
        return MAX_CHARS;
    }

    // ---- sending ----

    @Override
    public String post(ChatEvent.Place place, Outgoing message) throws ChatException {
        if (message.buttons().isEmpty()) return send(plain(place, message.text()));
        var text = message.text();
        var cardText = text;
        if (text.length() > CARD_TEXT) {
            send(plain(place, text));
            cardText = clip(lastLine(text), CARD_TEXT);
        }
        var task = "t" + UUID.randomUUID().toString().replace("-", "");
        var answer = api.post("cgi-bin/message/send", envelope(place, "template_card").set("template_card", card(task, cardText, message)));
        var ref = answer.path("msgid").asText("") + "|" + task;
        cards.put(task, ref);
        var code = answer.path("response_code").asText("");
        if (!code.isEmpty()) responseCodes.put(task, code);
        return ref;
    }

    @Override
    public void update(ChatEvent.Place place, String messageRef, Outgoing message) throws ChatException {
        var current = latest(messageRef);
        int bar = current.indexOf('|');
        var task = bar < 0 ? null : current.substring(bar + 1);
        var code = task == null ? null : responseCodes.remove(task);
        if (code != null) {
            var update = Json.object().put("agentid", agentId).put("response_code", code);
            update.putArray("userids").add(place.channel());
            if (!message.buttons().isEmpty() && message.text().length() <= CARD_TEXT) {
                update.set("template_card", card(task, message.text(), message));
                api.post("cgi-bin/message/update_template_card", update);
                return;
            }
            // the card keeps its text; its buttons become one that cannot be pressed, saying what happened
            var firstLine = message.text().lines().findFirst().orElse("");
            update.putObject("button").put("replace_name", clip(firstLine, 2 * BUTTON_TEXT));
            api.post("cgi-bin/message/update_template_card", update);
            if (firstLine.length() > 2 * BUTTON_TEXT || message.text().contains("\n") || !message.buttons().isEmpty()) post(place, message);
            return;
        }
        var msgId = bar < 0 ? current : current.substring(0, bar);
        recall(msgId);
        replaced.put(messageRef, post(place, message));
    }

    private String latest(String ref) {
        var r = ref;
        for (int i = 0; i < 100 && replaced.containsKey(r); i++) r = replaced.get(r);
        return r;
    }

    /** Best effort: a message older than 24 hours cannot be recalled, and then both versions stay. */
    private void recall(String msgId) {
        if (msgId.isEmpty()) return;
        try {
            api.post("cgi-bin/message/recall", Json.object().put("msgid", msgId));
        } catch (ChatException e) {
            // posting the new version matters more than removing the old one
        }
    }

    @Override
    public void upload(ChatEvent.Place place, String filename, String content, String comment) throws ChatException {
        send(plain(place, comment));
        var mediaId = api.upload("file", filename, content.getBytes(StandardCharsets.UTF_8));
        var body = envelope(place, "file");
        body.putObject("file").put("media_id", mediaId);
        api.post("cgi-bin/message/send", body);
    }

    @Override
    public byte[] download(ChatEvent.Attachment attachment, long maxBytes) throws ChatException {
        if (attachment.url() == null || !attachment.url().startsWith(MEDIA)) throw new ChatException("not a WeCom media attachment: " + attachment.name());
        return api.download(attachment.url().substring(MEDIA.length()), maxBytes);
    }

    @Override
    public String check() throws ChatException {
        api.token();
        var agent = api.get("cgi-bin/agent/get", "agentid=" + agentId);
        return "wecom: corp " + corpId + ", the app \"" + agent.path("name").asText("?") + "\" (agent " + agentId
                + "): credentials accepted, messages can be sent";
    }

    private String send(ObjectNode body) throws ChatException {
        return api.post("cgi-bin/message/send", body).path("msgid").asText("");
    }

    private ObjectNode plain(ChatEvent.Place place, String text) {
        var body = envelope(place, messageType);
        body.putObject(messageType).put("content", text);
        return body;
    }

    private ObjectNode envelope(ChatEvent.Place place, String type) {
        return Json.object().put("touser", place.channel()).put("msgtype", type).put("agentid", agentId);
    }

    /** A {@code button_interaction} card (https://developer.work.weixin.qq.com/document/path/90236, 模板卡片消息); a button's key is action:value. */
    private ObjectNode card(String task, String text, Outgoing message) {
        var card = Json.object().put("card_type", "button_interaction").put("task_id", task);
        card.putObject("main_title").put("title", cardTitle);
        card.put("sub_title_text", text);
        var list = card.putArray("button_list");
        for (var b : message.buttons().subList(0, Math.min(6, message.buttons().size()))) {
            list.addObject().put("text", clip(b.label(), BUTTON_TEXT)).put("style", style(b.style())).put("key", b.action() + ":" + b.value());
        }
        return card;
    }

    /** The docs number the styles 1 to 4 (1, the default, is the emphasised one) without naming the others' colours. */
    private static int style(Button.Style s) {
        return switch (s) {
            case PRIMARY -> 1;
            case PLAIN -> 2;
            case DANGER -> 3;
        };
    }

    private static String lastLine(String text) {
        var lines = text.strip().lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
