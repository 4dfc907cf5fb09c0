package ai.apprentice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk is reported as such, and what was stored before stays intact. */
class FullDiskTest {
    @TempDir Path dir;

    @Test
    void aFullDatabaseSaysTheDiskIsFullAndCorruptsNothing() throws Exception {
        var file = dir.resolve("apprentice.db");
        try (var store = RunStore.open(file)) {
            store.onEvent(new Event.RunStarted("r1", Instant.now(), "a task", "scripted:x", null, dir.toString(), List.of()));
            store.onEvent(new Event.RunFinished("r1", Instant.now(), RunStatus.SUCCEEDED, "completed", "done", 0, 0, 0, 0));
            // SQLite's own way to run out of room: no page beyond the ones the file has now.
            try (var st = store.connection().createStatement(); var rs = st.executeQuery("PRAGMA page_count")) {
                st.execute("PRAGMA max_page_count = " + rs.getLong(1));
            }
            var big = "x".repeat(1 << 20);
            assertThatThrownBy(() -> store.onEvent(new Event.RunStarted("r2", Instant.now(), big, "scripted:x", null, dir.toString(), List.of())))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("the disk is full")
                    .hasMessageNotContaining("cannot rollback");
        }
        try (var store = RunStore.open(file)) {
            assertThat(store.list(10)).extracting(RunRecord::id).containsExactly("r1");
            assertThat(store.events("r1")).hasSize(2);
        }
    }
}
