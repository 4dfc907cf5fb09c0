package ai.apprentice.channels;

import java.util.ArrayList;
import java.util.List;

/** Splitting long answers into messages a platform takes: at paragraph, then line, then word boundaries. */
public final class Texts {
    private Texts() {}

    public static List<String> split(String text, int max) {
        if (max < 1) throw new IllegalArgumentException("max must be positive");
        var parts = new ArrayList<String>();
        var rest = text;
        while (rest.length() > max) {
            int cut = cut(rest, max);
            parts.add(rest.substring(0, cut).stripTrailing());
            rest = rest.substring(cut).stripLeading();
        }
        if (!rest.isEmpty() || parts.isEmpty()) parts.add(rest);
        return parts;
    }

    private static int cut(String s, int max) {
        for (var sep : List.of("\n\n", "\n", " ")) {
            int i = s.lastIndexOf(sep, max - sep.length());
            if (i > max / 2) return i + sep.length();
        }
        // no boundary: cut at max, but never between the two halves of a surrogate pair
        return Character.isLowSurrogate(s.charAt(max)) ? max - 1 : max;
    }
}
