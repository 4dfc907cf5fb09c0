package ai.apprentice.channels.wecom;

import ai.apprentice.channels.ChatEvent;
import ai.apprentice.channels.ChatPlatform.Received;
import ai.apprentice.server.Inbound;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Reads WeCom's callbacks to a self-built app ("接收消息与事件", https://developer.work.weixin.qq.com/document/path/90238):
 * the URL verification ({@code GET ?msg_signature&timestamp&nonce&echostr}, answered with the decrypted echostr as plain
 * text) and deliveries ({@code POST ?msg_signature&timestamp&nonce} with {@code <xml><Encrypt>...</Encrypt></xml>},
 * answered with an empty body). Every one is verified by its msg_signature before anything is decrypted or read.
 * <p>
 * Messages to an app are always one person writing to the app (WeCom delivers no group messages to apps): text
 * (https://developer.work.weixin.qq.com/document/path/90239, deduplicated by MsgId) and images become direct
 * {@link ChatEvent.Message}s; a press of a button on one of the intern's cards, the event {@code template_card_event}
 * (https://developer.work.weixin.qq.com/document/path/90376, with EventKey, TaskId and ResponseCode; events have no
 * MsgId, so FromUserName + CreateTime, as the docs advise, with the TaskId and key), becomes a {@link ChatEvent.Action}.
 * Other types (voice, video, location, link, other events) are answered 200 and ignored.
 * <p>
 * WeCom documents no window for the timestamp (the nonce is "not repeated within two hours"), so none is enforced:
 * a replayed delivery is caught by its MsgId (or the event's sender and time), which the intern deduplicates.
 */
final class WeComCallbacks {
    private final WeComCrypto crypto;
    private final String corpId;
    private final String agentId;
    /** A card's task id to the message reference the intern was given when it was posted. */
    private final Function<String, String> refOfTask;
    /** Remembers the ResponseCode of a press: with it the card can be updated (once, within 72 hours). */
    private final BiConsumer<String, String> pressed;

    WeComCallbacks(WeComCrypto crypto, String corpId, String agentId, Function<String, String> refOfTask, BiConsumer<String, String> pressed) {
        this.crypto = crypto;
        this.corpId = corpId;
        this.agentId = agentId;
        this.refOfTask = refOfTask;
        this.pressed = pressed;
    }

    Received receive(Inbound.Request request) {
        var q = request.query();
        var signature = q.get("msg_signature");
        var timestamp = q.get("timestamp");
        var nonce = q.get("nonce");
        if (signature == null || timestamp == null || nonce == null) {
            return Received.refused(401, "missing msg_signature, timestamp or nonce in the query");
        }
        if (!timestamp.matches("\\d{1,12}")) return Received.refused(400, "the timestamp is not a number of seconds");
        if (request.method().equalsIgnoreCase("GET")) return verifyUrl(signature, timestamp, nonce, q.get("echostr"));
        if (!request.method().equalsIgnoreCase("POST")) return Received.refused(400, "WeCom sends GET (URL verification) and POST (messages), not " + request.method());

        Map<String, String> outer;
        try {
            outer = WeComXml.fields(request.text());
        } catch (IllegalArgumentException e) {
            return Received.refused(400, e.getMessage());
        }
        var encrypted = outer.get("Encrypt");
        if (encrypted == null || encrypted.isEmpty()) return Received.refused(400, "the body has no <Encrypt> (is the app's callback in plain-text mode?)");
        if (!crypto.verify(signature, timestamp, nonce, encrypted)) return Received.refused(401, "the msg_signature does not match (is token_env the app's Token?)");
        Map<String, String> m;
        try {
            m = WeComXml.fields(crypto.decrypt(encrypted));
        } catch (IllegalArgumentException e) {
            return Received.refused(400, e.getMessage());
        }
        if (!corpId.equals(m.get("ToUserName"))) return Received.refused(400, "the message is for corp " + m.get("ToUserName") + ", not corp_id " + corpId);
        if (agentId != null && m.containsKey("AgentID") && !agentId.equals(m.get("AgentID"))) {
            return Received.refused(400, "the message is for app " + m.get("AgentID") + ", not agent_id " + agentId);
        }
        return Received.events(events(m));
    }

    private Received verifyUrl(String signature, String timestamp, String nonce, String echostr) {
        if (echostr == null || echostr.isEmpty()) return Received.refused(400, "a GET is WeCom's URL verification and carries echostr; this one has none");
        if (!crypto.verify(signature, timestamp, nonce, echostr)) return Received.refused(401, "the msg_signature of the URL verification does not match (is token_env the app's Token?)");
        try {
            // answered as is: no quotes, no BOM, no newline
            return Received.answer(Inbound.Response.text(200, crypto.decrypt(echostr)));
        } catch (IllegalArgumentException e) {
            return Received.refused(400, "the echostr " + e.getMessage().replace("the message", "").strip());
        }
    }

    private List<ChatEvent> events(Map<String, String> m) {
        var from = m.getOrDefault("FromUserName", "");
        if (from.isEmpty()) return List.of();
        var place = new ChatEvent.Place(corpId, from, null);
        // WeCom delivers only what members do: the app's own messages never come back
        var person = new ChatEvent.Person(from, from, false);
        var out = new ArrayList<ChatEvent>();
        switch (m.getOrDefault("MsgType", "")) {
            case "text" -> out.add(new ChatEvent.Message(msgId(m), place, person, m.getOrDefault("Content", ""), true, false, List.of()));
            case "image" -> out.add(new ChatEvent.Message(msgId(m), place, person, "", true, false,
                    List.of(new ChatEvent.Attachment("image-" + m.getOrDefault("MsgId", "") + ".jpg", -1, WeComPlatform.MEDIA + m.getOrDefault("MediaId", "")))));
            case "event" -> {
                if ("template_card_event".equals(m.get("Event"))) {
                    var key = m.getOrDefault("EventKey", "");
                    int colon = key.indexOf(':');
                    var task = m.getOrDefault("TaskId", "");
                    if (m.containsKey("ResponseCode")) pressed.accept(task, m.get("ResponseCode"));
                    var ref = refOfTask.apply(task);
                    out.add(new ChatEvent.Action("card:" + from + ":" + m.getOrDefault("CreateTime", "") + ":" + task + ":" + key, place, person,
                            colon < 0 ? key : key.substring(0, colon), colon < 0 ? "" : key.substring(colon + 1), ref));
                }
            }
            default -> {}
        }
        return out;
    }

    private static String msgId(Map<String, String> m) {
        var id = m.get("MsgId");
        return id == null || id.isEmpty() ? null : "msg:" + id;
    }
}
