package ai.apprentice.model;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how long to retry a failed model call: exponential backoff with full jitter, capped, and
 * the provider's {@code Retry-After} honoured when it asks for longer.
 *
 * @param maxAttempts total attempts including the first (1 means no retry)
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(30));
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }

    /** The wait before attempt {@code attempt + 1}, given that attempt {@code attempt} (1-based) just failed. */
    public Duration backoff(int attempt, Duration retryAfter) {
        long cap = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() * (1L << Math.min(attempt - 1, 20)));
        long jittered = cap <= 0 ? 0 : cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
        long wait = retryAfter == null ? jittered : Math.max(retryAfter.toMillis(), jittered);
        return Duration.ofMillis(wait);
    }
}
