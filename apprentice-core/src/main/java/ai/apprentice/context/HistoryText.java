package ai.apprentice.context;

import ai.apprentice.model.Message;
import ai.apprentice.model.Role;
import java.util.List;
import java.util.Locale;

/** A run's messages as plain lines for a model to read (summaries, memory extraction). */
public final class HistoryText {
    private HistoryText() {}

    /**
     * What the user said, what the agent said and called, and what tools returned (cut to {@code resultChars});
     * other text is cut to {@code textChars}, system messages are left out, and the whole is cut from the front
     * to its last {@code maxChars} characters.
     */
    public static String render(List<Message> messages, int resultChars, int textChars, int maxChars) {
        var sb = new StringBuilder();
        for (var m : messages) {
            switch (m.role()) {
                case SYSTEM -> { }
                case ASSISTANT -> {
                    if (!m.text().isBlank()) sb.append("agent: ").append(m.text().strip()).append('\n');
                    for (var c : m.toolCalls()) sb.append("agent called ").append(c.name()).append(' ').append(abbreviate(c.arguments(), 300)).append('\n');
                }
                case TOOL -> sb.append("result of ").append(m.toolName()).append(": ").append(abbreviate(m.text(), resultChars)).append('\n');
                default -> sb.append(m.role().name().toLowerCase(Locale.ROOT)).append(": ").append(abbreviate(m.text().strip(), textChars)).append('\n');
            }
        }
        String text = sb.toString();
        return text.length() <= maxChars ? text : "[... earlier part cut]\n" + text.substring(text.length() - maxChars);
    }

    /** One line of at most {@code n} characters, "..." marking a cut. */
    public static String abbreviate(String s, int n) {
        String t = s == null ? "" : s.replace('\n', ' ');
        return t.length() <= n ? t : t.substring(0, n) + "...";
    }
}
