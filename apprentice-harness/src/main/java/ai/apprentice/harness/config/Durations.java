package ai.apprentice.harness.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/** Durations as people write them: {@code 1500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1h30m}, or ISO {@code PT5M}. */
public final class Durations {
    private static final Pattern PARTS = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");

    private Durations() {}

    public static Duration parse(String text) {
        var s = text.strip().toLowerCase(java.util.Locale.ROOT);
        if (s.startsWith("pt") || s.startsWith("p")) {
            try {
                return Duration.parse(s.toUpperCase(java.util.Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("'" + text + "' is not a duration (e.g. 30s, 5m, 1h30m, 1500ms, PT5M)");
            }
        }
        var m = PARTS.matcher(s);
        long millis = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) break;
            double n = Double.parseDouble(m.group(1));
            millis += (long) (n * switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1000;
                case "m" -> 60_000;
                case "h" -> 3_600_000;
                default -> 86_400_000;
            });
            end = m.end();
        }
        if (end == 0 || end != s.length()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (e.g. 30s, 5m, 1h30m, 1500ms, PT5M)");
        }
        return Duration.ofMillis(millis);
    }

    /** Short form for display: 90s -> 1m30s. */
    public static String format(Duration d) {
        if (d.toMillis() % 1000 != 0) return d.toMillis() + "ms";
        long s = d.toSeconds();
        var sb = new StringBuilder();
        if (s >= 3600) sb.append(s / 3600).append('h');
        if (s % 3600 >= 60) sb.append(s % 3600 / 60).append('m');
        if (s % 60 != 0 || sb.isEmpty()) sb.append(s % 60).append('s');
        return sb.toString();
    }
}
