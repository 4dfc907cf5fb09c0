package ai.apprentice.learn.dataset;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Pattern;

/** A point in time as people write it on a command line: a date, an instant, or an age like {@code 7d}. */
public final class TimeSpec {
    private static final Pattern AGE = Pattern.compile("(\\d+)\\s*(s|m|min|h|d|w)");

    private TimeSpec() {}

    /**
     * {@code 2026-11-01} (midnight UTC), {@code 2026-11-01T12:00:00Z} or with an offset ({@code +01:00}),
     * {@code 2026-11-01T12:00} (UTC), or an age before {@code now}: {@code 30m}, {@code 12h}, {@code 7d}, {@code 2w}
     * ({@code s}, {@code m}/{@code min}, {@code h}, {@code d}, {@code w}).
     */
    public static Instant parse(String text, Instant now) {
        String t = text.strip();
        var age = AGE.matcher(t.toLowerCase(Locale.ROOT));
        if (age.matches()) {
            long n = Long.parseLong(age.group(1));
            var d = switch (age.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m", "min" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            return now.minus(d);
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            // next form
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            // next form
        }
        try {
            return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // next form
        }
        try {
            return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a time: give a date (2026-11-01), an instant "
                    + "(2026-11-01T12:00:00Z) or an age (30m, 12h, 7d, 2w)");
        }
    }
}
