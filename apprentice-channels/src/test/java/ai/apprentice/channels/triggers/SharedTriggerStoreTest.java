package ai.apprentice.channels.triggers;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.testkit.PostgresFixture;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Servers on two machines sharing one PostgreSQL: every fire (a schedule's due time, a webhook delivery) is claimed once. */
@Timeout(120)
class SharedTriggerStoreTest {
    @TempDir Path homeA;
    @TempDir Path homeB;

    @Test
    void twoServersRacingForTheSameFiresClaimEachExactlyOnce() throws Exception {
        var db = PostgresFixture.newDatabase();
        var env = Map.of("APPRENTICE_STORE", db.url(), "PGPASSWORD", db.password());
        int fires = 200;
        var won = new AtomicInteger();
        var wonBy = new String[fires];
        try (var a = TriggerStore.open(homeA, env); var b = TriggerStore.open(homeB, env);
             var pool = Executors.newFixedThreadPool(4)) {
            var racers = new ArrayList<Callable<Void>>();
            for (int r = 0; r < 4; r++) {
                var store = r % 2 == 0 ? a : b;
                String who = (r % 2 == 0 ? "a" : "b") + r;
                racers.add(() -> {
                    for (int i = 0; i < fires; i++) {
                        if (store.claim("nightly", "2026-12-03T00:" + i, "schedule", "claimed", null, Instant.now())) {
                            won.incrementAndGet();
                            synchronized (wonBy) {
                                assertThat(wonBy[i]).as("fire " + i + " claimed twice").isNull();
                                wonBy[i] = who;
                            }
                        }
                    }
                    return null;
                });
            }
            for (var f : pool.invokeAll(racers)) f.get();
            assertThat(won.get()).isEqualTo(fires);
            // both stores see every claim, whoever won it
            assertThat(b.claimed("nightly", "2026-12-03T00:0")).isTrue();
            assertThat(a.fire("nightly", "2026-12-03T00:" + (fires - 1))).isPresent();
        }
        assertThat(homeA.resolve("server/triggers.db")).doesNotExist();
    }
}
