package ai.apprentice.redact;

/**
 * Makes text from models, tools and files safe to show on a terminal: control characters and escape sequences are
 * shown as text ({@code \x1b[1G}, {@code \r}), never interpreted, so that content cannot move the cursor, erase what
 * was printed, or reorder it with bidi overrides. C0 controls and DEL become {@code \xNN} ({@code \r} stays {@code
 * \r}); C1 controls, bidi marks and overrides (U+061C, U+200E/F, U+202A-E, U+2066-9) and the line and paragraph
 * separators become {@code \\uNNNN}, which is also a valid JSON escape, so JSON text stays JSON
 * ({@link #escapeText} keeps its layout; JSON writers already escape C0 controls inside strings). Backslashes
 * themselves are kept: a literal {@code \x1b} in content is shown as it is, which is just as harmless.
 */
public final class Visible {
    private Visible() {}

    /** Every control escaped, newlines and tabs too: for one-line displays such as an approval question. */
    public static String escape(String s) {
        return escape(s, false);
    }

    /** As {@link #escape(String)} but newlines and tabs are kept: for text shown as text (model output, transcripts). */
    public static String escapeText(String s) {
        return escape(s, true);
    }

    private static String escape(String s, boolean keepLines) {
        if (s == null) return null;
        int i = 0;
        while (i < s.length() && !unsafe(s.charAt(i), keepLines)) i++;
        if (i == s.length()) return s;
        var sb = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!unsafe(c, keepLines)) sb.append(c);
            else if (c == '\r') sb.append("\\r");
            else if (c == '\n') sb.append("\\n");
            else if (c == '\t') sb.append("\\t");
            else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(String.format("\\u%04x", (int) c));
        }
        return sb.toString();
    }

    private static boolean unsafe(char c, boolean keepLines) {
        if (c < 0x20) return !(keepLines && (c == '\n' || c == '\t'));
        return c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f
                || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    }
}
