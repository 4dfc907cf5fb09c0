package ai.apprentice.channels;

import java.util.List;

/** A message the intern sends: text (already redacted and within the platform's limit) and buttons under it. */
public record Outgoing(String text, List<Button> buttons) {
    public Outgoing {
        buttons = List.copyOf(buttons);
    }

    public static Outgoing text(String text) {
        return new Outgoing(text, List.of());
    }
}
