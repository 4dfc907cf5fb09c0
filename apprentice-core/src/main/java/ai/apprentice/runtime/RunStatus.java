package ai.apprentice.runtime;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a run stands. Only RUNNING is not final. */
public enum RunStatus {
    RUNNING, SUCCEEDED, FAILED, INTERRUPTED, CANCELLED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static RunStatus parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
