package ai.apprentice.channels.feishu;

import ai.apprentice.json.Json;
import ai.apprentice.server.Inbound;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Deliveries shaped like open.feishu.cn's examples (schema 2.0 im.message.receive_v1 and card.action.trigger,
 * url_verification), and Feishu's side of their security: encryption with the encrypt key and request signatures,
 * written here from the documentation rather than with the intern's own code.
 */
final class Payloads {
    static final String VERIFICATION_TOKEN = "verification-token-abc123";
    static final String ENCRYPT_KEY = "encrypt-key-0123456789";
    static final String CHAT = "oc_chat1";

    private Payloads() {}

    private static ObjectNode envelope(String eventId, String type) {
        var n = Json.object().put("schema", "2.0");
        n.putObject("header").put("event_id", eventId).put("token", VERIFICATION_TOKEN).put("create_time", "1700000000000")
                .put("event_type", type).put("tenant_key", FakeFeishu.TENANT).put("app_id", FakeFeishu.APP_ID);
        return n;
    }

    /** A group message @-mentioning the bot: "@_user_1 {text}". */
    static ObjectNode mention(String eventId, String openId, String messageId, String text) {
        var n = message(eventId, openId, messageId, "group", "text", Json.write(Json.object().put("text", "@_user_1 " + text)));
        var mention = ((ObjectNode) n.path("event").path("message")).putArray("mentions").addObject().put("key", "@_user_1").put("name", "apprentice")
                .put("tenant_key", FakeFeishu.TENANT);
        mention.putObject("id").put("open_id", FakeFeishu.BOT_OPEN_ID).put("union_id", "on_bot").putNull("user_id");
        return n;
    }

    static ObjectNode message(String eventId, String openId, String messageId, String chatType, String type, String content) {
        var n = envelope(eventId, "im.message.receive_v1");
        var event = n.putObject("event");
        var sender = event.putObject("sender").put("sender_type", "user").put("tenant_key", FakeFeishu.TENANT);
        sender.putObject("sender_id").put("open_id", openId).put("union_id", "on_" + openId).put("user_id", "u_" + openId);
        event.putObject("message").put("message_id", messageId).put("create_time", "1700000000000").put("chat_id", CHAT)
                .put("chat_type", chatType).put("message_type", type).put("content", content).put("user_agent", "Mozilla/5.0");
        return n;
    }

    static ObjectNode inThread(ObjectNode message, String rootId, String threadId) {
        var m = (ObjectNode) message.path("event").path("message");
        m.put("root_id", rootId).put("parent_id", rootId);
        if (threadId != null) m.put("thread_id", threadId);
        return message;
    }

    static ObjectNode cardAction(String eventId, String openId, String messageId, String action, String value) {
        var n = envelope(eventId, "card.action.trigger");
        var event = n.putObject("event");
        event.putObject("operator").put("tenant_key", FakeFeishu.TENANT).put("open_id", openId).put("union_id", "on_" + openId);
        event.put("token", "c-" + eventId).put("host", "im_message");
        var a = event.putObject("action").put("tag", "button");
        a.putObject("value").put("action", action).put("value", value);
        event.putObject("context").put("open_message_id", messageId).put("open_chat_id", CHAT);
        return n;
    }

    static ObjectNode urlVerification(String challenge, String token) {
        return Json.object().put("challenge", challenge).put("token", token).put("type", "url_verification");
    }

    /** {"encrypt": Base64(IV + AES-256-CBC(SHA-256(key), json))}, as Feishu sends with an encrypt key set. */
    static String encrypted(String json, String key) throws Exception {
        var iv = new byte[16];
        new SecureRandom().nextBytes(iv);
        var cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)), "AES"),
                new IvParameterSpec(iv));
        var ct = cipher.doFinal(json.getBytes(StandardCharsets.UTF_8));
        var all = new byte[16 + ct.length];
        System.arraycopy(iv, 0, all, 0, 16);
        System.arraycopy(ct, 0, all, 16, ct.length);
        return Json.write(Json.object().put("encrypt", Base64.getEncoder().encodeToString(all)));
    }

    /** The signature headers of a body: X-Lark-Signature = hex(SHA-256(timestamp + nonce + encrypt key + body)). */
    static Map<String, String> signature(String body, String key, long epochSecond) throws Exception {
        var ts = String.valueOf(epochSecond);
        var nonce = "nonce-" + Long.toHexString(new SecureRandom().nextLong());
        var sig = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest((ts + nonce + key + body).getBytes(StandardCharsets.UTF_8)));
        return Map.of("x-lark-request-timestamp", ts, "x-lark-request-nonce", nonce, "x-lark-signature", sig);
    }

    static Inbound.Request request(String body, Map<String, String> headers) {
        var h = new HashMap<>(headers);
        h.put("content-type", "application/json");
        return new Inbound.Request("POST", "/channels/feishu/events", h, Map.of(), body.getBytes(StandardCharsets.UTF_8), "127.0.0.1");
    }

    /** Encrypted and signed now, as Feishu delivers with an encrypt key. */
    static Inbound.Request sealed(ObjectNode event) throws Exception {
        var body = encrypted(Json.write(event), ENCRYPT_KEY);
        return request(body, signature(body, ENCRYPT_KEY, System.currentTimeMillis() / 1000));
    }
}
