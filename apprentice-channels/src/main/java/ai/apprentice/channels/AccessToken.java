package ai.apprentice.channels;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * An app's access token to a platform's server API (Feishu's tenant_access_token, DingTalk's and WeCom's
 * access_token): fetched when first needed, kept until five minutes before it ends so that no call goes out with a
 * token about to expire, and dropped at once when the platform says it is no longer valid.
 */
public final class AccessToken {
    /** What the platform issued: the token and how many seconds it lasts. */
    public record Issued(String token, long expiresInSeconds) {}

    /** Asks the platform for a new token; the ChatException says what it answered. */
    @FunctionalInterface
    public interface Fetch {
        Issued fetch() throws ChatException;
    }

    private final Clock clock;
    private final Fetch fetch;
    private String token;
    private Instant until = Instant.EPOCH;

    public AccessToken(Clock clock, Fetch fetch) {
        this.clock = clock;
        this.fetch = fetch;
    }

    /** The cached token, or a new one when there is none, it is about to end, or {@code fresh} asks (a credentials check). */
    public synchronized String get(boolean fresh) throws ChatException {
        if (!fresh && token != null && clock.instant().isBefore(until)) return token;
        var issued = fetch.fetch();
        token = issued.token();
        until = clock.instant().plusSeconds(Math.max(60, issued.expiresInSeconds() - 300));
        return token;
    }

    /** The platform refused {@code stale} (or any token, when null): the next call fetches another. */
    public synchronized void forget(String stale) {
        if (stale == null || stale.equals(token)) {
            token = null;
            until = Instant.EPOCH;
        }
    }

    /** How long the cached token is still used. */
    public synchronized long secondsLeft() {
        return Math.max(0, Duration.between(clock.instant(), until).toSeconds());
    }
}
