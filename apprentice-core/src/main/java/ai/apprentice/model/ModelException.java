package ai.apprentice.model;

import java.time.Duration;

/**
 * A model call failed. {@code retryable} says whether trying again may help (429, 5xx, timeouts, cut
 * streams); {@code retryAfter} is the provider's requested wait, when it named one.
 */
public class ModelException extends RuntimeException {
    private final boolean retryable;
    private final int statusCode;
    private final Duration retryAfter;

    public ModelException(String message, boolean retryable, int statusCode, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
        this.statusCode = statusCode;
        this.retryAfter = retryAfter;
    }

    public ModelException(String message, boolean retryable) {
        this(message, retryable, 0, null, null);
    }

    public static ModelException fatal(String message) {
        return new ModelException(message, false);
    }

    public boolean retryable() {
        return retryable;
    }

    /** HTTP status, or 0 when the failure was not an HTTP answer. */
    public int statusCode() {
        return statusCode;
    }

    /** The wait the provider asked for, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
