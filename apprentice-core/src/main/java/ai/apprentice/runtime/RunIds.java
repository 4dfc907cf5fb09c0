package ai.apprentice.runtime;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** Run ids that sort by start time and are short enough to type: {@code 20261122-154512-3f9a1c}. */
public final class RunIds {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private RunIds() {}

    public static String next() {
        var random = new byte[3];
        ThreadLocalRandom.current().nextBytes(random);
        return FORMAT.format(ZonedDateTime.now(ZoneOffset.UTC)) + "-" + HexFormat.of().formatHex(random);
    }
}
