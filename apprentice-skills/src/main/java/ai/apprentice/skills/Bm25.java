package ai.apprentice.skills;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * Okapi BM25 (k1 1.2, b 0.75; Robertson and Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond",
 * 2009) of a task against skill descriptions: lexical relevance that needs no model, so this module keeps depending
 * on core alone. Words are lowercased letter-or-digit runs, with a plural "s" dropped; Han, kana and Hangul count
 * one character a word, so that text without spaces still matches.
 */
final class Bm25 {
    private static final double K1 = 1.2, B = 0.75;

    private Bm25() {}

    static List<Double> scores(String query, List<String> documents) {
        var docs = documents.stream().map(Bm25::words).toList();
        double avg = docs.stream().mapToInt(List::size).average().orElse(1);
        var df = new HashMap<String, Integer>();
        for (var d : docs) new HashSet<>(d).forEach(w -> df.merge(w, 1, Integer::sum));
        var terms = new HashSet<>(words(query));
        var out = new ArrayList<Double>();
        for (var d : docs) {
            var tf = new HashMap<String, Integer>();
            d.forEach(w -> tf.merge(w, 1, Integer::sum));
            double score = 0;
            for (var t : terms) {
                int f = tf.getOrDefault(t, 0);
                if (f == 0) continue;
                double idf = Math.log(1 + (docs.size() - df.get(t) + 0.5) / (df.get(t) + 0.5));
                score += idf * f * (K1 + 1) / (f + K1 * (1 - B + B * d.size() / Math.max(1, avg)));
            }
            out.add(score);
        }
        return out;
    }

    static List<String> words(String text) {
        var out = new ArrayList<String>();
        var sb = new StringBuilder();
        text.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
            var script = Character.UnicodeScript.of(c);
            boolean cjk = script == Character.UnicodeScript.HAN || script == Character.UnicodeScript.HIRAGANA
                    || script == Character.UnicodeScript.KATAKANA || script == Character.UnicodeScript.HANGUL;
            if (Character.isLetterOrDigit(c) && !cjk) {
                sb.appendCodePoint(c);
                return;
            }
            flush(sb, out);
            if (cjk) out.add(new String(Character.toChars(c)));
        });
        flush(sb, out);
        return out;
    }

    private static void flush(StringBuilder sb, List<String> out) {
        if (sb.isEmpty()) return;
        var w = sb.toString();
        if (w.length() > 3 && w.endsWith("s") && !w.endsWith("ss")) w = w.substring(0, w.length() - 1);
        out.add(w);
        sb.setLength(0);
    }
}
