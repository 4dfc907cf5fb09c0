package ai.apprentice.channels.dingtalk;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Robot message deliveries shaped like open.dingtalk.com's example of "receive messages" (HTTP and Stream alike). */
final class Payloads {
    static final String CHATBOT_USER_ID = "$:LWCP_v1:$Cxxbot";

    private Payloads() {}

    static ObjectNode group(String msgId, String staffId, String text, String webhook, long webhookExpires) {
        var n = Json.object().put("conversationId", "cidGroup123==").put("chatbotCorpId", "dinge8a565corp")
                .put("chatbotUserId", CHATBOT_USER_ID).put("msgId", msgId).put("senderNick", "Yang")
                .put("isAdmin", true).put("senderStaffId", staffId).put("sessionWebhookExpiredTime", webhookExpires)
                .put("createAt", 1613630252678L).put("senderCorpId", "dinge8a565corp").put("conversationType", "2")
                .put("senderId", "$:LWCP_v1:$Ff09" + staffId).put("conversationTitle", "robot test").put("isInAtList", true)
                .put("sessionWebhook", webhook).put("robotCode", FakeDingTalk.APP_KEY).put("msgtype", "text");
        n.putArray("atUsers").addObject().put("dingtalkId", CHATBOT_USER_ID);
        n.putObject("text").put("content", text);
        return n;
    }

    static ObjectNode single(String msgId, String staffId, String text, String webhook, long webhookExpires) {
        return group(msgId, staffId, text, webhook, webhookExpires).put("conversationType", "1").put("conversationId", "cidSingle" + staffId)
                .put("isInAtList", false);
    }

    static ObjectNode cardCallback(String outTrackId, String userId, String actionId, String action, String value) {
        var content = Json.object();
        var priv = content.putObject("cardPrivateData");
        priv.putArray("actionIds").add(actionId);
        var params = priv.putObject("params");
        if (action != null) params.put("action", action).put("value", value);
        return Json.object().put("outTrackId", outTrackId).put("corpId", "dinge8a565corp").put("userId", userId)
                .put("type", "actionCallback").put("content", Json.write(content));
    }
}
