package ai.apprentice.model;

import java.time.Duration;

/**
 * A model call failed. {@code retryable} says whether trying again may help (429, 5xx, timeouts, cut
 * streams); {@code retryAfter} is the provider's requested wait, when it named one. {@code usage} is what the
 * provider reported for the failed call before it failed (e.g. input tokens at the start of a stream), since
 * those tokens are billed too; {@link Usage#ZERO} when it reported nothing.
 */
public class ModelException extends RuntimeException {
    private final boolean retryable;
    private final int statusCode;
    private final Duration retryAfter;
    private final Usage usage;

    public ModelException(String message, boolean retryable, int statusCode, Duration retryAfter, Throwable cause) {
        this(message, retryable, statusCode, retryAfter, cause, Usage.ZERO);
    }

    public ModelException(String message, boolean retryable, int statusCode, Duration retryAfter, Throwable cause,
                          Usage usage) {
        super(message, cause);
        this.retryable = retryable;
        this.statusCode = statusCode;
        this.retryAfter = retryAfter;
        this.usage = usage == null ? Usage.ZERO : usage;
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

    /** Tokens the failed call consumed, as far as the provider reported them before failing. */
    public Usage usage() {
        return usage;
    }

    /** The same failure carrying {@code usage} (this exception becomes the cause, so the trace is kept). */
    public ModelException withUsage(Usage usage) {
        return new ModelException(getMessage(), retryable, statusCode, retryAfter, this, usage);
    }

    /** The wait the provider asked for, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
