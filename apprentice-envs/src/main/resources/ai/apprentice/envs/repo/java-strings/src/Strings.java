/** String helpers. */
public final class Strings {
    private Strings() {}

    /** The text with its first letter in upper case; null stays null. */
    public static String capitalize(String s) {
        if (s == null || s.isEmpty()) return s; // @guard
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** How many times {@code c} occurs in {@code s}. */
    public static int countChar(String s, char c) {
        int count = 0;
        for (int i = 0; i < s.length(); i++) { // @mutable
            if (s.charAt(i) == c) count++; // @mutable
        }
        return count;
    }

    /** {@code s} repeated {@code times} times, separated by {@code sep}. */
    public static String join(String s, int times, String sep) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < times; i++) {
            if (i > 0) sb.append(sep); // @mutable
            sb.append(s);
        }
        return sb.toString();
    }

    /** Whether the text is missing or only whitespace. */
    public static boolean isBlank(String s) {
        return s == null || s.trim().isEmpty(); // @mutable
    }

    /** The words in reverse order, separated by single spaces. */
    public static String reverseWords(String s) {
        String[] words = s.trim().split("\\s+");
        StringBuilder sb = new StringBuilder();
        for (int i = words.length - 1; i >= 0; i--) { // @mutable
            sb.append(words[i]);
            if (i > 0) sb.append(' ');
        }
        return sb.toString();
    }

    /** At most {@code max} characters, the last three "..." when cut. */
    public static String abbreviate(String s, int max) {
        if (s.length() <= max) return s; // @mutable
        return s.substring(0, max - 3) + "..."; // @mutable
    }
}
