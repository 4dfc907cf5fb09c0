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

    /**
     * The id of the child run that call {@code call} of step {@code step} of run {@code parentId} starts:
     * {@code 20261122-154512-3f9a1c-2-0}. The same for a rerun of that call (an engine's retry, a resumed parent),
     * so that the rerun finds the child it started; unique because the parent's id is and a call is named once by
     * its step and index. It begins with the parent's id and sorts right after it.
     */
    public static String child(String parentId, int step, int call) {
        return parentId + "-" + step + "-" + call;
    }
}
