package ai.apprentice.model;

import java.time.Duration;

/** Receives what happens during one model call while it streams. All methods are optional. */
public interface ModelListener {
    ModelListener NONE = new ModelListener() {};

    /** A piece of assistant text as it arrives. */
    default void onTextDelta(String text) {}

    /** A piece of the model's reasoning as it arrives: not part of the answer, so never shown as one. */
    default void onReasoningDelta(String text) {}

    /**
     * The call failed and will be tried again after {@code wait}. Text streamed before this point belongs to
     * the failed attempt and will be sent again.
     */
    default void onRetry(int attempt, Duration wait, String reason) {}
}
