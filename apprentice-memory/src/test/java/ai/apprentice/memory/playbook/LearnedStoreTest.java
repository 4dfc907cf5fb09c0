package ai.apprentice.memory.playbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.store.Database;
import ai.apprentice.testkit.PostgresFixture;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** The learning store on SQLite (a file per home) and on PostgreSQL (schema apprentice_learned of the shared database). */
@ParameterizedClass
@ValueSource(strings = {"sqlite", "postgresql"})
class LearnedStoreTest {
    @TempDir Path dir;
    @Parameter String backend;
    private PostgresFixture.Db pg;
    private final List<Database> pools = new ArrayList<>();

    /** The test's store; each call on PostgreSQL is another process's pool on the same database. */
    private LearnedStore open() {
        if (backend.equals("sqlite")) return LearnedStore.open(dir.resolve("learned.db"));
        if (pg == null) pg = PostgresFixture.newDatabase();
        var db = Database.connect(pg.url(), pg.password(), "store");
        pools.add(db);
        return LearnedStore.open(db);
    }

    @AfterEach
    void closePools() {
        pools.forEach(Database::close);
    }

    @Test
    void twoProcessesUpdatingThePlaybookAtOnceLoseNoLessonAndNumberVersionsWithoutGaps() throws Exception {
        try (var a = open(); var b = open()) {
            var env = Scopes.environment("sql");
            var threads = new ArrayList<Thread>();
            var failures = new java.util.concurrent.ConcurrentLinkedQueue<Throwable>();
            for (var store : List.of(a, b)) {
                for (int t = 0; t < 2; t++) {
                    String who = (store == a ? "a" : "b") + t;
                    threads.add(Thread.ofPlatform().start(() -> {
                        try {
                            for (int i = 0; i < 10; i++) {
                                String lesson = "Lesson " + who + "-" + i + ".";
                                store.updatePlaybook(live -> live.apply(List.of(Playbook.Delta.add(lesson, env)), List.of(),
                                        Playbook.Similarity.EXACT).playbook(), lesson, null);
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    }));
                }
            }
            for (var t : threads) t.join();
            assertThat(failures).isEmpty();
            assertThat(b.playbook().lessons()).hasSize(40);
            assertThat(a.history(LearnedStore.PLAYBOOK)).extracting(LearnedStore.Version::version)
                    .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(0, 40).boxed().toList());
        }
    }

    private static LearnedStore.Decision decision(String id, Integer before, Integer after) {
        return new LearnedStore.Decision(id, Instant.now(), "lessons", "shop", after != null, "s", "{}", after != null ? "playbook" : null, before, after, null);
    }

    @Test
    void undoBringsBackThePreviousVersionByteForByteAndHistoryOnlyGrows() {
        try (var store = open()) {
            assertThat(store.live(LearnedStore.PLAYBOOK)).isEmpty();
            var v1 = store.put(LearnedStore.PLAYBOOK, "first\n  with spaces \u00e9\n", "one", "d1");
            store.record(decision("d1", 0, v1.version()));
            var v2 = store.put(LearnedStore.PLAYBOOK, "second", "two", "d2");
            store.record(decision("d2", v1.version(), v2.version()));

            assertThatThrownBy(() -> store.undo("d1", "u0")).hasMessageContaining("undo the later ones first: d2");
            store.undo("d2", "u1");
            assertThat(store.live(LearnedStore.PLAYBOOK)).contains("first\n  with spaces \u00e9\n");
            assertThatThrownBy(() -> store.undo("d2", "u2")).hasMessageContaining("undone already");
            store.undo("d1", "u3");
            assertThat(store.live(LearnedStore.PLAYBOOK)).as("before anything was learned").isEmpty();
            assertThat(store.history(LearnedStore.PLAYBOOK)).extracting(LearnedStore.Version::version).containsExactly(0, 1, 2, 3, 4);
            assertThat(store.decision("d2").orElseThrow().undoneBy()).isEqualTo("u1");
        }
        try (var reopened = open()) {
            assertThat(reopened.history(LearnedStore.PLAYBOOK)).hasSize(5);
            assertThat(reopened.playbook()).isEqualTo(Playbook.empty());
        }
    }

    @Test
    void aRejectedDecisionHasNothingToUndoAndIdsCanBeShortened() {
        try (var store = open()) {
            store.record(decision("d-20261202-aaaa", null, null));
            store.record(decision("d-20261202-bbbb", null, null));
            assertThat(store.decision("d-20261202-a")).map(LearnedStore.Decision::id).contains("d-20261202-aaaa");
            assertThatThrownBy(() -> store.decision("d-2026")).hasMessageContaining("more than one");
            assertThatThrownBy(() -> store.undo("d-20261202-aaaa", "u")).hasMessageContaining("there is nothing to undo");
            assertThatThrownBy(() -> store.undo("nope", "u")).hasMessageContaining("No decision 'nope'");
            assertThat(store.decisions(10)).hasSize(2);
        }
    }

    @Test
    void anUpdateBuildsOnTheLivePlaybookAsItIsWhenItIsSaved() {
        try (var store = open()) {
            var env = Scopes.environment("sql");
            var a = Playbook.empty().apply(java.util.List.of(Playbook.Delta.add("Lesson A.", env)), java.util.List.of(), Playbook.Similarity.EXACT).playbook();
            store.put(LearnedStore.PLAYBOOK, a.json(), "a", "d1");
            // Someone else's change lands in between: it is built on, not overwritten.
            var saved = store.updatePlaybook(live -> live.apply(java.util.List.of(Playbook.Delta.add("Lesson B.", env)), java.util.List.of(),
                    Playbook.Similarity.EXACT).playbook(), "b", "d2");
            assertThat(saved[0].version()).isEqualTo(1);
            assertThat(saved[1].version()).isEqualTo(2);
            assertThat(store.playbook().lessons()).extracting(Lesson::text).containsExactly("Lesson A.", "Lesson B.");
            assertThat(store.updatePlaybook(live -> live, "nothing", "d3")).as("no change, no version").isNull();
            assertThat(store.history(LearnedStore.PLAYBOOK)).hasSize(3);
        }
    }
}
