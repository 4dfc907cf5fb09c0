package ai.apprentice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.json.Json;
import ai.apprentice.model.Message;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@org.junit.jupiter.params.ParameterizedClass
@org.junit.jupiter.params.provider.EnumSource(Backend.class)
@Timeout(120)
class RewardsAndFeedbackTest {
    @TempDir Path dir;
    @org.junit.jupiter.params.Parameter Backend backend;
    private Backend.Place place;

    private Backend.Place place() {
        if (place == null) place = new Backend.Place(backend, dir);
        return place;
    }

    @org.junit.jupiter.api.AfterEach
    void closePools() {
        if (place != null) place.close();
    }

    private Path db() {
        return dir.resolve("apprentice.db");
    }

    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    void rewardAndFeedbackRoundTripThroughJsonAndTheStore() {
        var reward = new Event.Reward("r1", T, 0.75, "environment", "3 of 4 tests pass");
        var rating = new Event.Feedback("r1", T, "good", 0.9, "nice, but name it parse", "ana", null, null);
        var correction = new Event.Feedback("r1", T, null, null, "a person edited a.txt", "person", "a.txt", "--- a/a.txt\n");
        for (Event e : List.of(reward, rating, correction)) assertThat(Json.read(Json.write(e), Event.class)).isEqualTo(e);
        assertThat(Json.write(reward)).contains("\"type\":\"reward\"");
        assertThat(Json.write(rating)).contains("\"type\":\"feedback\"");
        try (var store = place().open()) {
            StoreWriterMain.writeRun(store, "r1", 1, true);
            store.append(reward);
            store.append(rating);
            store.append(correction);
            assertThat(store.events("r1")).hasSize(4 + 3).endsWith(reward, rating, correction);
        }
    }

    @Test
    void invalidRewardsAndFeedbackAreRefusedWithClearMessages() {
        assertThatThrownBy(() -> new Event.Reward("r", T, 1.5, "rule", null)).hasMessage("reward value must be between 0 and 1, got 1.5");
        assertThatThrownBy(() -> new Event.Reward("r", T, Double.NaN, "rule", null)).hasMessageContaining("between 0 and 1");
        assertThatThrownBy(() -> new Event.Reward("r", T, 1, "oracle", null)).hasMessage("reward source must be environment, person or rule, got oracle");
        assertThatThrownBy(() -> Event.Feedback.of("r", null, 1.5, null, "ana")).hasMessage("score must be between 0 and 1, got 1.5");
        assertThatThrownBy(() -> Event.Feedback.of("r", null, null, "  ", "ana")).hasMessage("give --good, --bad, --score or a note");
        assertThatThrownBy(() -> Event.Feedback.of("r", "meh", null, null, "ana")).hasMessage("rating must be good or bad, got meh");
        assertThatThrownBy(() -> new Event.Feedback("r", T, null, null, null, "ana", null, null)).hasMessageContaining("needs a rating");
        var f = Event.Feedback.of("r", "bad", null, " use the builder ", "ana");
        assertThat(f.correction()).isEqualTo("use the builder");
        assertThat(f.path()).isNull();
    }

    @Test
    void appendToAnUnknownRunIsRefusedAndStoresNothing() throws Exception {
        try (var store = place().open()) {
            assertThatThrownBy(() -> store.append(new Event.Reward("nope", T, 1, "rule", null)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("No run with id nope");
        }
        try (var c = place().raw(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT COUNT(*) FROM events")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void anotherStoreAppendsToARunInFlightAndAfterItFinishedWithoutColliding() {
        try (var writer = place().open(); var other = place().open()) {
            writer.onEvent(new Event.RunStarted("r", T, "task", "m", null, "/ws", List.of(Message.user("task"))));
            writer.onEvent(new Event.StepCompleted("r", T, 1, List.of(Message.assistant("one"))));
            // Between steps another process attaches a reward; the writer's next events must take later numbers.
            other.append(new Event.Reward("r", T, 0.5, "rule", "mid-run check"));
            writer.onEvent(new Event.UsageEvent("r", T, 2, 1, 1, 0, 2, 2, 0));
            writer.onEvent(new Event.StepCompleted("r", T, 2, List.of(Message.assistant("two"))));
            writer.onEvent(new Event.RunFinished("r", T, RunStatus.SUCCEEDED, "completed", "done", 2, 2, 2, 0));
            other.append(Event.Feedback.of("r", "good", null, null, "ana"));
            writer.append(new Event.Reward("r", T, 1, "person", null));
            assertThat(other.events("r")).extracting(Event::type).containsExactly("run_started", "step_completed", "reward",
                    "usage", "step_completed", "run_finished", "feedback", "reward");
        }
        try (var reopened = place().open()) {
            reopened.append(Event.Feedback.of("r", null, 0.2, null, "bo"));
            assertThat(reopened.events("r")).hasSize(9);
            assertThat(reopened.get("r").orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
        }
    }

    @Test
    void storesAppendingToOneRunAtOnceNumberItsEventsUniquelyAndWithoutGaps() throws Exception {
        try (var first = place().open()) {
            StoreWriterMain.writeRun(first, "shared", 1, true); // 4 events
        }
        int writers = 4, each = 25;
        var stores = new ArrayList<RunStore>();
        for (int w = 0; w < writers; w++) stores.add(place().open()); // each its own connection, as separate processes have
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(writers)) {
            var done = new ArrayList<java.util.concurrent.Future<?>>();
            for (var store : stores) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) store.append(new Event.Reward("shared", T, i / 100.0, "rule", "n" + i));
                }));
            }
            for (var f : done) f.get(60, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            stores.forEach(RunStore::close);
        }
        try (var c = place().raw(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM events WHERE run_id = 'shared'")) {
            rs.next();
            long n = 4 + (long) writers * each;
            assertThat(List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4))).containsExactly(n, n, 1L, n);
        }
    }

    @Test
    void outcomesSummariseRewardsAndFeedbackOfManyRunsInOneGo() {
        try (var store = place().open()) {
            var ids = new ArrayList<String>();
            for (int i = 0; i < 60; i++) {
                StoreWriterMain.writeRun(store, "run-" + i, 1, true);
                ids.add("run-" + i);
            }
            store.append(new Event.Reward("run-1", T, 0.2, "environment", null));
            store.append(new Event.Reward("run-1", T, 0.9, "person", null));
            store.append(Event.Feedback.of("run-1", "good", 0.5, "first note", "ana"));
            store.append(Event.Feedback.of("run-1", "bad", 1.0, null, "bo"));
            store.append(Event.Feedback.of("run-1", "good", null, "last note", "ana"));
            store.append(Event.Feedback.of("run-59", null, 0.3, null, "ana"));
            ids.add("missing");
            var outcomes = store.outcomes(ids);
            assertThat(outcomes).hasSize(61);
            assertThat(outcomes.get("run-1")).isEqualTo(new RunOutcome(0.9, "person", 3, 2, 1, 2, 0.75, "last note"));
            assertThat(outcomes.get("run-59")).isEqualTo(new RunOutcome(null, null, 1, 0, 0, 1, 0.3, null));
            assertThat(outcomes.get("run-0")).isEqualTo(RunOutcome.NONE);
            assertThat(outcomes.get("missing")).isEqualTo(RunOutcome.NONE);
            assertThat(store.outcomes(List.of())).isEmpty();
            assertThat(store.get("run-1").orElseThrow().running()).isFalse();
        }
    }

    @Test
    void aVersion1DatabaseUpgradesAndKeepsItsRunsAndEvents() throws Exception {
        var started = new Event.RunStarted("old", T, "old task", "m", null, "/ws", List.of(Message.user("old task")));
        var finished = new Event.RunFinished("old", T, RunStatus.SUCCEEDED, "completed", "done", 0, 0, 0, 0);
        try (var c = place().raw(); var st = c.createStatement()) {
            for (var sql : place().steps().getFirst().split(";")) if (!sql.isBlank()) st.execute(sql);
            if (backend == Backend.SQLITE) st.execute("PRAGMA user_version = 1");
            else st.execute("CREATE TABLE apprentice_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL); "
                    + "INSERT INTO apprentice_schema VALUES ('runs', 1)");
            st.execute("""
                    INSERT INTO runs(id, status, task, model, workspace, started_at, updated_at, finished_at, answer)
                    VALUES ('old', 'succeeded', 'old task', 'm', '/ws', '2026-11-22T10:00:00.000000000Z',
                            '2026-11-22T10:00:00.000000000Z', '2026-11-22T10:00:00.000000000Z', 'done')""");
            try (var ps = c.prepareStatement("INSERT INTO events(run_id, seq, type, at, payload) VALUES ('old', ?, ?, '2026-11-22T10:00:00.000000000Z', ?)")) {
                int seq = 1;
                for (Event e : List.of(started, finished)) {
                    ps.setInt(1, seq++);
                    ps.setString(2, e.type());
                    ps.setString(3, Json.write(e));
                    ps.executeUpdate();
                }
            }
        }
        try (var store = place().open()) {
            assertThat(store.list(10)).extracting(RunRecord::id).containsExactly("old");
            assertThat(store.events("old")).containsExactly(started, finished);
            store.append(new Event.Reward("old", T, 1, "environment", null));
            assertThat(store.outcomes(List.of("old")).get("old").reward()).isEqualTo(1.0);
        }
        try (var c = place().raw(); var st = c.createStatement()) {
            assertThat(place().schemaVersion()).isEqualTo(Migrations.STEPS.size()).isEqualTo(6);
            for (var table : List.of("written_files", "given_messages", "engine_approvals")) {
                try (var rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isZero(); // the new tables are there
                }
            }
        }
    }
}
