package ai.apprentice.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Who wrote a message in the conversation. */
public enum Role {
    SYSTEM, USER, ASSISTANT, TOOL;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
