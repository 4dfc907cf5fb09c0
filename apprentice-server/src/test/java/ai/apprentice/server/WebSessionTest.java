package ai.apprentice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A browser's session lasts while it is used, ends after a day-half of idleness, and ends with its token. */
class WebSessionTest {
    @TempDir Path home;

    /** A clock the test moves. */
    static final class Moving extends Clock {
        Instant now = Instant.parse("2026-12-02T08:00:00Z");

        @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    }

    @Test
    void aSessionEndsWhenLeftIdleOrWhenItsTokenIsRevoked() {
        try (var tokens = Tokens.open(home, java.util.Map.of())) {
            var clock = new Moving();
            var auth = new Auth(tokens, ServerOptions.defaults(0, home), clock);
            var token = tokens.create("browser")[0];
            var cookie = auth.signIn(token).orElseThrow();
            assertThat(auth.signIn("apt_not-a-token")).isEmpty();

            clock.now = clock.now.plus(Duration.ofHours(11));
            assertThat(auth.webSession(cookie)).contains("browser");
            clock.now = clock.now.plus(Duration.ofHours(11)); // 22 h after sign-in, 11 h after last use: still live
            assertThat(auth.webSession(cookie)).contains("browser");
            clock.now = clock.now.plus(Auth.WEB_SESSION_IDLE).plusSeconds(1);
            assertThat(auth.webSession(cookie)).as("idle longer than the limit").isEmpty();
            assertThat(auth.webSession(cookie)).as("and it stays ended").isEmpty();

            var again = auth.signIn(token).orElseThrow();
            assertThat(again).isNotEqualTo(cookie);
            assertThat(auth.webSession(again)).contains("browser");
            tokens.revoke("browser");
            assertThat(auth.webSession(again)).as("its token was revoked").isEmpty();
        }
    }
}
