package ai.apprentice.channels.feishu;

import ai.apprentice.channels.ChatEvent;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.Function;

/**
 * What Feishu delivers (schema 2.0: {@code {"schema": "2.0", "header": {event_id, event_type, token, tenant_key, app_id},
 * "event": {...}}}), made common. Read: {@code im.message.receive_v1} (open.feishu.cn "Receive message": sender
 * {sender_id {open_id}, sender_type user|app}, message {message_id, root_id, thread_id, chat_id, chat_type p2p|group,
 * message_type, content (a JSON string), mentions [{key, id {open_id}, name}]}) and {@code card.action.trigger}
 * (open.feishu.cn "Card callback interaction": operator {open_id}, action {value, tag}, context {open_message_id,
 * open_chat_id}). The same JSON arrives over HTTP (after decryption) and over the long connection.
 */
final class FeishuEvents {
    /** Keys of {@link ChatEvent.Place#reply()}: the message to reply to, and whether to reply in its thread. */
    static final String REPLY_TO = "reply_to", IN_THREAD = "in_thread";
    static final String MESSAGE = "im.message.receive_v1", CARD_ACTION = "card.action.trigger";

    private FeishuEvents() {}

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

    /**
     * Reads a schema 2.0 event. {@code botOpenId} is the intern's own open_id (null when it could not be learnt: then any
     * mention counts, as Feishu delivers group messages to a bot only when it is mentioned, unless the app may read all).
     */
    static Parsed read(JsonNode n, String botOpenId, Function<String, ChatEvent.Place> placeOfCard) {
        if (n == null || !n.isObject()) return Parsed.malformed("the body is not a JSON object");
        if (n.has("action") && n.has("open_message_id")) {
            return Parsed.ignored("a card callback of the older format; subscribe to card.action.trigger (the new card callback) instead");
        }
        if (!"2.0".equals(n.path("schema").asText())) {
            return Parsed.ignored("an event of schema " + n.path("schema").asText("1.0") + "; the intern reads schema 2.0 events");
        }
        var header = n.path("header");
        var eventId = text(header, "event_id");
        var type = text(header, "event_type");
        if (eventId == null || type == null) return Parsed.malformed("a schema 2.0 event without header.event_id or header.event_type");
        var event = n.path("event");
        if (!event.isObject()) return Parsed.malformed("a schema 2.0 event without an event object");
        return switch (type) {
            case MESSAGE -> message(eventId, text(header, "tenant_key"), event, botOpenId);
            case CARD_ACTION -> cardAction(eventId, text(header, "tenant_key"), event, placeOfCard);
            default -> Parsed.ignored("an event of type " + type + ", which the intern does not read");
        };
    }

    static Parsed message(String eventId, String tenant, JsonNode event, String botOpenId) {
        var sender = event.path("sender");
        var m = event.path("message");
        var messageId = text(m, "message_id");
        var chatId = text(m, "chat_id");
        var chatType = text(m, "chat_type");
        var openId = text(sender.path("sender_id"), "open_id");
        if (messageId == null || chatId == null || chatType == null) return Parsed.malformed("a message without message_id, chat_id or chat_type");
        if (openId == null) return Parsed.malformed("a message without sender.sender_id.open_id");
        // sender_type is user for people; app for bots (this one included)
        boolean bot = !"user".equals(sender.path("sender_type").asText("user"));
        boolean direct = "p2p".equals(chatType);

        JsonNode content;
        try {
            content = Json.tree(m.path("content").asText("{}"));
        } catch (RuntimeException e) {
            return Parsed.malformed("message.content is not JSON");
        }
        var mentions = m.path("mentions");
        var attachments = new ArrayList<ChatEvent.Attachment>();
        String text;
        var kind = String.valueOf(text(m, "message_type"));
        switch (kind) {
            case "text" -> text = content.path("text").asText("");
            case "post" -> text = post(content, messageId, attachments);
            case "image" -> {
                var key = text(content, "image_key");
                if (key == null) return Parsed.malformed("an image message without image_key");
                attachments.add(resource("image.png", messageId, key, "image"));
                text = "";
            }
            case "file", "media", "audio" -> {
                var key = text(content, "file_key");
                if (key == null) return Parsed.malformed("a " + kind + " message without file_key");
                var name = text(content, "file_name");
                attachments.add(resource(name != null ? name : kind.equals("audio") ? "audio.opus" : "video.mp4", messageId, key, "file"));
                text = "";
            }
            default -> {
                return Parsed.ignored("a message of type " + kind + ", which the intern does not read");
            }
        }
        boolean mentioned = false;
        var replacements = new java.util.TreeMap<String, String>(java.util.Comparator.comparing(String::length).reversed().thenComparing(k -> k));
        for (var mention : mentions) {
            var key = mention.path("key").asText("");
            boolean me = botOpenId != null ? botOpenId.equals(text(mention.path("id"), "open_id")) : !mentioned;
            if (me) mentioned = true;
            // the intern's own mention is not part of the task; other people's read as @Name
            if (!key.isEmpty()) replacements.put(key, me ? "" : "@" + mention.path("name").asText(""));
        }
        // longest keys first, so that @_user_10 is not read as @_user_1 followed by 0
        for (var r : replacements.entrySet()) text = text.replace(r.getKey(), r.getValue());
        var reply = new HashMap<String, String>();
        reply.put(REPLY_TO, messageId);
        if (text(m, "thread_id") != null) reply.put(IN_THREAD, "true");
        // a thread is its root message's; a direct chat without threads is one conversation
        var root = text(m, "root_id");
        var thread = root != null ? root : direct ? null : messageId;
        var place = new ChatEvent.Place(tenant, chatId, thread, reply);
        var from = new ChatEvent.Person(openId, openId, bot);
        return Parsed.of(new ChatEvent.Message(eventId, place, from, text.strip(), direct, !direct && mentioned,
                attachments));
    }

    /** A post (rich text): {"title", "content": [[{tag: text|a|at|img|media, ...}]]}, or the same under a locale key. */
    private static String post(JsonNode content, String messageId, List<ChatEvent.Attachment> attachments) {
        var body = content.has("content") ? content : content.elements().hasNext() ? content.elements().next() : content;
        var sb = new StringBuilder();
        var title = body.path("title").asText("");
        if (!title.isBlank()) sb.append(title).append("\n");
        for (var paragraph : body.path("content")) {
            for (var el : paragraph) {
                switch (el.path("tag").asText()) {
                    case "text", "a", "code_block" -> sb.append(el.path("text").asText(""));
                    case "at" -> sb.append(el.path("user_id").asText("")); // "@_user_1": replaced like a text message's
                    case "img" -> {
                        var key = text(el, "image_key");
                        if (key != null) attachments.add(resource("image-" + (attachments.size() + 1) + ".png", messageId, key, "image"));
                    }
                    case "media" -> {
                        var key = text(el, "file_key");
                        if (key != null) attachments.add(resource("video-" + (attachments.size() + 1) + ".mp4", messageId, key, "file"));
                    }
                    default -> {}
                }
            }
            sb.append("\n");
        }
        return sb.toString();
    }

    /** An attachment's {@code url}: what {@code GET /open-apis/im/v1/messages/{message_id}/resources/{file_key}?type=} needs. */
    static ChatEvent.Attachment resource(String name, String messageId, String key, String type) {
        return new ChatEvent.Attachment(name, 0, messageId + "/" + key + "?type=" + type);
    }

    static Parsed cardAction(String eventId, String tenant, JsonNode event, Function<String, ChatEvent.Place> placeOfCard) {
        var openId = text(event.path("operator"), "open_id");
        if (openId == null) return Parsed.malformed("a card action without operator.open_id");
        var value = event.path("action").path("value");
        if (value.isTextual()) {
            try {
                value = Json.tree(value.asText());
            } catch (RuntimeException e) {
                return Parsed.ignored("a card action whose value is not the intern's");
            }
        }
        var action = text(value, "action");
        var about = text(value, "value");
        if (action == null || about == null) return Parsed.ignored("a card action for no button of the intern's");
        var context = event.path("context");
        var messageId = text(context, "open_message_id");
        var chatId = text(context, "open_chat_id");
        var place = messageId == null ? null : placeOfCard.apply(messageId);
        if (place == null) {
            if (chatId == null) return Parsed.malformed("a card action without context.open_chat_id");
            var reply = new HashMap<String, String>();
            if (messageId != null) reply.put(REPLY_TO, messageId);
            place = new ChatEvent.Place(tenant, chatId, messageId, reply);
        }
        return Parsed.of(new ChatEvent.Action(eventId, place, new ChatEvent.Person(openId, openId, false), action, about, messageId));
    }

    static String text(JsonNode n, String field) {
        var v = n == null ? null : n.get(field);
        if (v == null || v.isNull() || !v.isValueNode()) return null;
        var s = v.asText();
        return s.isBlank() ? null : s;
    }
}
