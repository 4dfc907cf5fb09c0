package ai.apprentice.channels.dingtalk;

import ai.apprentice.channels.Outgoing;
import ai.apprentice.json.Json;

/**
 * The intern's messages as DingTalk's built-in interactive card template {@code StandardCard} (no template to build
 * in the card platform): a markdown block and a row of buttons whose {@code actionType} is {@code request}, so that a
 * press comes back as a card callback (open.dingtalk.com "robot sends an interactive card", "StandardCard" card data:
 * config, header, contents of type markdown and action).
 */
final class DingTalkCards {
    static final String TEMPLATE = "StandardCard";

    private DingTalkCards() {}

    /** The {@code cardData} string of a card showing {@code message}. */
    static String cardData(Outgoing message) {
        var card = Json.object();
        card.putObject("config").put("autoLayout", true).put("enableForward", true);
        var contents = card.putArray("contents");
        contents.addObject().put("type", "markdown").put("text", message.text()).put("id", "text");
        if (!message.buttons().isEmpty()) {
            var row = contents.addObject().put("type", "action").put("id", "buttons");
            var actions = row.putArray("actions");
            int i = 0;
            for (var b : message.buttons()) {
                var button = actions.addObject().put("type", "button").put("actionType", "request")
                        .put("status", switch (b.style()) {
                            case PRIMARY -> "primary";
                            case DANGER -> "warning";
                            case PLAIN -> "normal";
                        })
                        .put("id", b.action() + DingTalkMessages.ID_SEPARATOR + b.value());
                button.putObject("label").put("type", "text").put("text", b.label()).put("id", "label" + i++);
                // what the callback's cardPrivateData.params carries back
                button.putObject("params").put("action", b.action()).put("value", b.value());
            }
        }
        return Json.write(card);
    }

    static String title(String text) {
        var first = text.strip().lines().findFirst().orElse("apprentice").replaceAll("[*_`#>]", "").strip();
        return first.isEmpty() ? "apprentice" : first.length() > 40 ? first.substring(0, 39) + "…" : first;
    }
}
