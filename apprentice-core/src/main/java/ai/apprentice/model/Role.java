package ai.apprentice.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Who wrote a message in the conversation. */
public enum Role {
    SYSTEM, USER, ASSISTANT, TOOL;

    private final String wire = name().toLowerCase(Locale.ROOT);

    @JsonValue
    public String wireName() {
        return wire;
    }
}
