package ai.apprentice.channels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AccessTokenTest {
    /** A clock the test moves. */
    static final class Moving extends Clock {
        Instant now = Instant.parse("2026-12-02T10:00:00Z");
        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    }

    @Test
    void aTokenIsKeptUntilFiveMinutesBeforeItEndsAndFetchedAgainWhenRefused() throws Exception {
        var clock = new Moving();
        var issued = new AtomicInteger();
        var token = new AccessToken(clock, () -> new AccessToken.Issued("t" + issued.incrementAndGet(), 7200));
        assertThat(token.get(false)).isEqualTo("t1");
        assertThat(token.get(false)).isEqualTo("t1");
        assertThat(token.secondsLeft()).isEqualTo(7200 - 300);

        clock.now = clock.now.plus(Duration.ofSeconds(7200 - 301));
        assertThat(token.get(false)).as("still more than five minutes left").isEqualTo("t1");
        clock.now = clock.now.plus(Duration.ofSeconds(2));
        assertThat(token.get(false)).as("about to end: a new one").isEqualTo("t2");

        token.forget("t1"); // an older token refused by a call still in flight: the current one stays
        assertThat(token.get(false)).isEqualTo("t2");
        token.forget("t2");
        assertThat(token.get(false)).isEqualTo("t3");
        assertThat(token.get(true)).as("a credentials check asks anew").isEqualTo("t4");
    }

    @Test
    void aShortLivedTokenIsKeptAMinuteAndARefusedFetchCachesNothing() throws Exception {
        var clock = new Moving();
        var token = new AccessToken(clock, () -> new AccessToken.Issued("short", 120));
        token.get(false);
        assertThat(token.secondsLeft()).isEqualTo(60);

        var failing = new AccessToken(clock, () -> {
            throw new ChatException("app secret refused");
        });
        assertThatThrownBy(() -> failing.get(false)).hasMessage("app secret refused");
        assertThat(failing.secondsLeft()).isZero();
    }
}
