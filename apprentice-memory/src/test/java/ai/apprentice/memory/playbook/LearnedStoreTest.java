package ai.apprentice.memory.playbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearnedStoreTest {
    @TempDir Path dir;

    private static LearnedStore.Decision decision(String id, Integer before, Integer after) {
        return new LearnedStore.Decision(id, Instant.now(), "lessons", "shop", after != null, "s", "{}", after != null ? "playbook" : null, before, after, null);
    }

    @Test
    void undoBringsBackThePreviousVersionByteForByteAndHistoryOnlyGrows() {
        try (var store = LearnedStore.open(dir.resolve("learned.db"))) {
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
        try (var reopened = LearnedStore.open(dir.resolve("learned.db"))) {
            assertThat(reopened.history(LearnedStore.PLAYBOOK)).hasSize(5);
            assertThat(reopened.playbook()).isEqualTo(Playbook.empty());
        }
    }

    @Test
    void aRejectedDecisionHasNothingToUndoAndIdsCanBeShortened() {
        try (var store = LearnedStore.open(dir.resolve("learned.db"))) {
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
        try (var store = LearnedStore.open(dir.resolve("learned.db"))) {
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
