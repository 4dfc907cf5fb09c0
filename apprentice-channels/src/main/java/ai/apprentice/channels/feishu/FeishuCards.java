package ai.apprentice.channels.feishu;

import ai.apprentice.channels.Outgoing;
import ai.apprentice.json.Json;

/**
 * The intern's messages as message cards (open.feishu.cn "Card JSON 1.0 structure"): a markdown element and, for
 * buttons, an action element of buttons whose {@code value} ({action, value}) comes back in the card.action.trigger
 * callback. Every message is a card, because only cards can be edited ({@code PATCH /open-apis/im/v1/messages/{id}}),
 * and only with {@code config.update_multi} set (an edit then shows to everyone in the chat).
 */
final class FeishuCards {
    private FeishuCards() {}

    /** The {@code content} string of an interactive message showing {@code message}. */
    static String card(Outgoing message) {
        var card = Json.object();
        card.putObject("config").put("wide_screen_mode", true).put("update_multi", true);
        var elements = card.putArray("elements");
        elements.addObject().put("tag", "markdown").put("content", message.text());
        if (!message.buttons().isEmpty()) {
            var actions = elements.addObject().put("tag", "action").putArray("actions");
            for (var b : message.buttons()) {
                var button = actions.addObject().put("tag", "button").put("type", switch (b.style()) {
                    case PRIMARY -> "primary";
                    case DANGER -> "danger";
                    case PLAIN -> "default";
                });
                button.putObject("text").put("tag", "plain_text").put("content", b.label());
                button.putObject("value").put("action", b.action()).put("value", b.value());
            }
        }
        return Json.write(card);
    }
}
