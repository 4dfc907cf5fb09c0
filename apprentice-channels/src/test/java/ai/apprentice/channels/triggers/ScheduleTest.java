package ai.apprentice.channels.triggers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Schedules on a test clock: on time, across restarts (run-once and skip), and with two servers on one home. */
class ScheduleTest {
    @TempDir Path home;
    @TempDir Path root;
    final TestClock clock = new TestClock("2026-03-02T10:30:00Z");

    @BeforeEach
    void script() throws Exception {
        Files.writeString(root.resolve("script.jsonl"), "{\"text\": \"Report written.\"}\n");
    }

    private TriggerServer server() {
        return new TriggerServer(home, root, clock, Map.of());
    }

    private static void addHourly(TriggerServer s, String missed) throws Exception {
        var made = s.post("/api/triggers", "{\"name\": \"hourly\", \"cron\": \"0 * * * *\", \"tz\": \"Europe/Berlin\", \"missed\": \"" + missed
                + "\", \"task\": \"Write the report due at {{due_at}}\", \"workspace\": \"reports\"}");
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        assertThat(made.json().path("next_fire_at").asText()).isEqualTo("2026-03-02T11:00:00Z");
    }

    /** The runs the trigger started, each awaited to its end; the run store holds exactly these. */
    private static java.util.List<String> settledRuns(TriggerServer s, String trigger) throws Exception {
        var ids = s.triggers.store().fires(trigger, 100).stream().filter(f -> f.runId() != null).map(TriggerStore.Fire::runId).toList();
        for (var id : ids) {
            var run = s.awaitFinished(id);
            assertThat(run.path("status").asText()).isEqualTo("succeeded");
            assertThat(run.path("origin").asText()).isEqualTo("trigger:" + trigger);
        }
        assertThat(s.runs()).as("runs in the store").hasSize(ids.size());
        return ids;
    }

    @Test
    void aScheduleFiresOnceOnTimeAndItsMissedFireRunsOnceAfterARestart() throws Exception {
        try (var s = server()) {
            addHourly(s, "run-once");
            clock.set("2026-03-02T10:59:59Z");
            s.triggers.tick();
            assertThat(s.triggers.store().fires("hourly", 10)).isEmpty();
            clock.set("2026-03-02T11:00:01Z");
            s.triggers.tick();
            clock.set("2026-03-02T11:00:30Z");
            s.triggers.tick();
            var ids = settledRuns(s, "hourly");
            assertThat(ids).hasSize(1);
            var run = s.get("/api/runs/" + ids.get(0)).json();
            assertThat(run.path("task").asText()).isEqualTo("Write the report due at 2026-03-02T11:00:00Z");
            assertThat(run.path("workspace").asText()).endsWith("reports");
        }
        // a restart within the same hour: the 11:00 fire is in the database, so it does not run again
        clock.set("2026-03-02T11:00:45Z");
        try (var s = server()) {
            s.triggers.tick();
            assertThat(settledRuns(s, "hourly")).hasSize(1);
        }
        // down over 12:00 and 13:00: after the start only the latest, 13:00, runs, once
        clock.set("2026-03-02T13:20:00Z");
        try (var s = server()) {
            s.triggers.tick();
            clock.advance(Duration.ofSeconds(1));
            s.triggers.tick();
            var ids = settledRuns(s, "hourly");
            assertThat(ids).hasSize(2);
            var latest = s.triggers.store().fires("hourly", 1).get(0);
            assertThat(latest.key()).isEqualTo("2026-03-02T13:00:00Z");
            assertThat(latest.detail()).contains("while no server ran", "run-once");
            assertThat(s.triggers.store().claimed("hourly", "2026-03-02T12:00:00Z")).isFalse();
            assertThat(s.log()).contains("trigger hourly: started run " + latest.runId());
        }
    }

    @Test
    void withMissedSkipAFireDueWhileNoServerRanIsRecordedAsSkippedAndTheNextRunsOnTime() throws Exception {
        try (var s = server()) {
            addHourly(s, "skip");
        }
        clock.set("2026-03-02T11:05:00Z");
        try (var s = server()) {
            s.triggers.tick();
            var skipped = s.triggers.store().fires("hourly", 10);
            assertThat(skipped).singleElement().satisfies(f -> {
                assertThat(f.status()).isEqualTo("skipped");
                assertThat(f.runId()).isNull();
            });
            assertThat(s.log()).contains("skipped the fire due at 2026-03-02T11:00:00Z");
            clock.set("2026-03-02T12:00:10Z");
            s.triggers.tick();
            assertThat(settledRuns(s, "hourly")).hasSize(1);
            var shown = s.get("/api/triggers/hourly").json();
            assertThat(shown.path("fires")).hasSize(2);
            assertThat(shown.path("last_fire").path("key").asText()).isEqualTo("2026-03-02T12:00:00Z");
        }
    }

    @Test
    void twoServersOnOneHomeTickingAtTheSameTimeFireOnceInTotal() throws Exception {
        try (var a = server(); var b = server()) {
            addHourly(a, "run-once");
            clock.set("2026-03-02T11:00:02Z");
            var pool = Executors.newFixedThreadPool(2);
            try {
                for (int round = 0; round < 5; round++) {
                    var go = new CountDownLatch(1);
                    var fa = pool.submit(() -> { go.await(); a.triggers.tick(); return null; });
                    var fb = pool.submit(() -> { go.await(); b.triggers.tick(); return null; });
                    go.countDown();
                    fa.get();
                    fb.get();
                }
            } finally {
                pool.shutdownNow();
            }
            var ids = settledRuns(a, "hourly");
            assertThat(ids).hasSize(1);
            assertThat(a.log() + b.log()).containsOnlyOnce("trigger hourly: started run");
        }
    }

    @Test
    void aTimeBeforeTheTriggerWasAddedNeverFires() throws Exception {
        clock.set("2026-03-02T11:00:20Z");
        try (var s = server()) {
            addHourlyAt(s);
            s.triggers.tick();
            assertThat(s.triggers.store().fires("hourly", 10)).as("11:00 came before the trigger").isEmpty();
        }
    }

    private static void addHourlyAt(TriggerServer s) throws Exception {
        var made = s.post("/api/triggers", "{\"name\": \"hourly\", \"cron\": \"0 * * * *\", \"tz\": \"UTC\", \"task\": \"report\"}");
        assertThat(made.status()).as(made.body()).isEqualTo(201);
    }
}
