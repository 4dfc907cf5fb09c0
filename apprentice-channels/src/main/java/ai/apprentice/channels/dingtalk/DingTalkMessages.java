package ai.apprentice.channels.dingtalk;

import ai.apprentice.channels.ChatEvent;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * What DingTalk delivers, made common: a robot's message (the same JSON over HTTP and over Stream mode, topic
 * {@code /v1.0/im/bot/messages/get}; open.dingtalk.com "receive messages": msgId, msgtype, conversationType "1" single
 * chat / "2" group, conversationId, senderStaffId, senderNick, isInAtList, sessionWebhook, chatbotUserId, robotCode) and
 * an interactive card's callback (outTrackId, userId, content with cardPrivateData.actionIds and params).
 */
final class DingTalkMessages {
    /** Keys of {@link ChatEvent.Place#reply()}: what answering needs that is not an id. */
    static final String WEBHOOK = "session_webhook", WEBHOOK_EXPIRES = "session_webhook_expires", TYPE = "conversation_type",
            USER = "user", ROBOT = "robot_code";
    static final String SINGLE = "1", GROUP = "2";
    /** A button's id on a card: action, this separator, value (ids of approvals and runs have no such pair). */
    static final String ID_SEPARATOR = "__";

    private DingTalkMessages() {}

    /** One delivery read: an event, or why there is none ({@code malformed}: refuse it with 400, else ignore it). */
    record Parsed(ChatEvent event, String reason, boolean malformed) {
        static Parsed of(ChatEvent e) {
            return new Parsed(e, null, false);
        }

        static Parsed ignored(String reason) {
            return new Parsed(null, reason, false);
        }

        static Parsed malformed(String reason) {
            return new Parsed(null, reason, true);
        }
    }

    static Parsed read(String body, Function<String, ChatEvent.Place> placeOfCard) {
        JsonNode n;
        try {
            n = Json.tree(body);
        } catch (RuntimeException e) {
            return Parsed.malformed("the body is not JSON");
        }
        if (n == null || !n.isObject()) return Parsed.malformed("the body is not a JSON object");
        if (n.hasNonNull("outTrackId") && n.has("content")) return cardCallback(n, placeOfCard);
        if (n.hasNonNull("msgId") || n.hasNonNull("msgtype")) return robotMessage(n);
        return Parsed.ignored("not a robot message or a card callback");
    }

    static Parsed robotMessage(JsonNode n) {
        var msgId = text(n, "msgId");
        var conversationId = text(n, "conversationId");
        if (msgId == null || conversationId == null) return Parsed.malformed("a robot message without msgId or conversationId");
        var type = text(n, "conversationType");
        if (!SINGLE.equals(type) && !GROUP.equals(type)) return Parsed.malformed("conversationType is neither 1 (single) nor 2 (group)");
        var senderId = text(n, "senderId");
        var staffId = text(n, "senderStaffId");
        var userId = staffId != null ? staffId : senderId;
        if (userId == null) return Parsed.malformed("a robot message without a sender");
        // the intern's own messages (and another robot's, which DingTalk marks with the robot's chatbotUserId) start nothing
        boolean bot = senderId != null && senderId.equals(text(n, "chatbotUserId"));
        boolean direct = SINGLE.equals(type);
        // group deliveries reach an enterprise robot only when it was @-mentioned; isInAtList says so where present
        boolean mentioned = !direct && n.path("isInAtList").asBoolean(true);

        var attachments = new ArrayList<ChatEvent.Attachment>();
        String text;
        var content = n.path("content");
        switch (String.valueOf(text(n, "msgtype"))) {
            case "text" -> text = n.path("text").path("content").asText("");
            case "richText" -> {
                var sb = new StringBuilder();
                for (var part : content.path("richText")) {
                    if (part.hasNonNull("text")) sb.append(part.get("text").asText());
                    var code = text(part, "downloadCode");
                    if (code != null) attachments.add(new ChatEvent.Attachment("picture-" + (attachments.size() + 1) + ".png", 0, code));
                }
                text = sb.toString();
            }
            case "picture" -> {
                text = "";
                var code = text(content, "downloadCode");
                if (code == null) return Parsed.malformed("a picture without downloadCode");
                attachments.add(new ChatEvent.Attachment("picture.png", 0, code));
            }
            case "file", "video" -> {
                text = "";
                var code = text(content, "downloadCode");
                if (code == null) return Parsed.malformed("a file without downloadCode");
                var name = text(content, "fileName");
                attachments.add(new ChatEvent.Attachment(name != null ? name : "video.mp4", 0, code));
            }
            // DingTalk transcribes voice messages; the transcript is the task
            case "audio" -> text = content.path("recognition").asText("");
            default -> {
                return Parsed.ignored("a message of type " + text(n, "msgtype") + ", which the intern does not read");
            }
        }
        var reply = new HashMap<String, String>();
        reply.put(TYPE, type);
        reply.put(USER, userId);
        put(reply, WEBHOOK, text(n, "sessionWebhook"));
        put(reply, WEBHOOK_EXPIRES, text(n, "sessionWebhookExpiredTime"));
        put(reply, ROBOT, text(n, "robotCode"));
        var team = text(n, "chatbotCorpId") != null ? text(n, "chatbotCorpId") : text(n, "senderCorpId");
        // groups have no threads: each person's exchange with the intern in a group is their own conversation
        var place = new ChatEvent.Place(team, conversationId, direct ? null : userId, reply);
        var from = new ChatEvent.Person(userId, n.path("senderNick").asText(userId), bot);
        return Parsed.of(new ChatEvent.Message(msgId, place, from, text.strip(), direct, mentioned, attachments));
    }

    static Parsed cardCallback(JsonNode n, Function<String, ChatEvent.Place> placeOfCard) {
        var card = text(n, "outTrackId");
        var userId = text(n, "userId");
        if (userId == null) return Parsed.malformed("a card callback without userId");
        JsonNode content;
        try {
            content = n.get("content").isTextual() ? Json.tree(n.get("content").asText()) : n.get("content");
        } catch (RuntimeException e) {
            return Parsed.malformed("a card callback whose content is not JSON");
        }
        var privateData = content.path("cardPrivateData");
        var actionId = privateData.path("actionIds").path(0).asText("");
        var params = privateData.path("params");
        String action = params.path("action").asText(null), value = params.path("value").asText(null);
        int at = actionId.indexOf(ID_SEPARATOR);
        if ((action == null || value == null) && at > 0) {
            action = actionId.substring(0, at);
            value = actionId.substring(at + ID_SEPARATOR.length());
        }
        if (action == null || value == null) return Parsed.ignored("a card callback for no button of the intern's (" + actionId + ")");
        var place = placeOfCard.apply(card);
        if (place == null) {
            var group = text(n, "openConversationId");
            var reply = new HashMap<String, String>();
            reply.put(USER, userId);
            reply.put(TYPE, group != null ? GROUP : SINGLE);
            place = new ChatEvent.Place(text(n, "corpId"), group != null ? group : "single:" + userId, group != null ? userId : null, reply);
        }
        var eventId = "card:" + card + ":" + userId + ":" + actionId;
        return Parsed.of(new ChatEvent.Action(eventId, place, new ChatEvent.Person(userId, userId, false), action, value, "card:" + card));
    }

    private static String text(JsonNode n, String field) {
        var v = n.get(field);
        if (v == null || v.isNull() || !v.isValueNode()) return null;
        var s = v.asText();
        return s.isBlank() ? null : s;
    }

    private static void put(Map<String, String> m, String k, String v) {
        if (v != null) m.put(k, v);
    }
}
