package ai.apprentice.store;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.runtime.Event;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@org.junit.jupiter.params.ParameterizedClass
@org.junit.jupiter.params.provider.EnumSource(Backend.class)
@Timeout(120)
class WrittenFilesTest {
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

    private Path workspace() throws Exception {
        return Files.createDirectories(dir.resolve("ws"));
    }

    /** What write_file does and then tells the store. */
    private static void agentWrites(RunStore store, Path ws, String path, String runId, String content) throws Exception {
        var bytes = content.getBytes(StandardCharsets.UTF_8);
        Files.createDirectories(ws.resolve(path).getParent());
        Files.write(ws.resolve(path), bytes);
        new WrittenFiles(store).recordWrite(ws, path, runId, bytes);
    }

    @Test
    void aPersonsEditBecomesOneFeedbackWithTheDiffAcrossARestart() throws Exception {
        var ws = workspace();
        try (var store = place().open()) {
            StoreWriterMain.writeRun(store, "r1", 1, true);
            agentWrites(store, ws, "src/A.java", "r1", "class A {\n  int x = 1;\n}\n");
            assertThat(new WrittenFiles(store).detectCorrections(ws, "ana")).isEmpty();
        }
        Files.writeString(ws.resolve("src/A.java"), "class A {\n  int x = 2;\n}\n");
        try (var store = place().open()) {
            var found = new WrittenFiles(store).detectCorrections(ws, "ana");
            assertThat(found).singleElement().satisfies(f -> {
                assertThat(f.runId()).isEqualTo("r1");
                assertThat(f.path()).isEqualTo("src/A.java");
                assertThat(f.author()).isEqualTo("ana");
                assertThat(f.correction()).isEqualTo("a person edited src/A.java after run r1 wrote it");
                assertThat(f.diff()).contains("--- a/src/A.java", "+++ b/src/A.java", "-  int x = 1;", "+  int x = 2;");
            });
            assertThat(store.events("r1")).last().isEqualTo(found.getFirst());
            assertThat(new WrittenFiles(store).detectCorrections(ws, "ana")).isEmpty();
        }
        try (var store = place().open()) {
            assertThat(new WrittenFiles(store).detectCorrections(ws, "ana")).isEmpty();
            assertThat(store.outcomes(java.util.List.of("r1")).get("r1").lastCorrection()).contains("edited src/A.java");
        }
    }

    @Test
    void aDeletedFileIsReportedOnce() throws Exception {
        var ws = workspace();
        try (var store = place().open()) {
            StoreWriterMain.writeRun(store, "r1", 1, true);
            agentWrites(store, ws, "notes.md", "r1", "hello\n");
            Files.delete(ws.resolve("notes.md"));
            var files = new WrittenFiles(store);
            assertThat(files.detectCorrections(ws, "person")).singleElement().satisfies(f -> {
                assertThat(f.correction()).isEqualTo("a person deleted notes.md after run r1 wrote it");
                assertThat(f.path()).isEqualTo("notes.md");
                assertThat(f.diff()).isNull();
            });
            assertThat(files.detectCorrections(ws, "person")).isEmpty();
        }
    }

    @Test
    void writingAgainIsNoCorrectionAndTheLaterRunOwnsTheFile() throws Exception {
        var ws = workspace();
        try (var store = place().open()) {
            StoreWriterMain.writeRun(store, "r1", 1, true);
            StoreWriterMain.writeRun(store, "r2", 1, true);
            agentWrites(store, ws, "a.txt", "r1", "one\n");
            agentWrites(store, ws, "./a.txt", "r2", "two\n"); // another spelling of the same file
            var files = new WrittenFiles(store);
            assertThat(files.detectCorrections(ws, "ana")).isEmpty();
            Files.writeString(ws.resolve("a.txt"), "three\n");
            assertThat(files.detectCorrections(ws, "ana")).extracting(Event.Feedback::runId).containsExactly("r2");
        }
    }

    @Test
    void aFileTooBigToKeepIsReportedWithoutADiff() throws Exception {
        var ws = workspace();
        try (var store = place().open()) {
            StoreWriterMain.writeRun(store, "r1", 1, true);
            agentWrites(store, ws, "big.txt", "r1", "x".repeat(WrittenFiles.MAX_CONTENT + 1));
            Files.writeString(ws.resolve("big.txt"), "small now\n");
            assertThat(new WrittenFiles(store).detectCorrections(ws, "ana")).singleElement().satisfies(f -> {
                assertThat(f.correction()).contains("edited big.txt");
                assertThat(f.diff()).isNull();
            });
        }
    }

    @Test
    void aLongDiffIsCut() {
        var diff = WrittenFiles.diff("a.txt", ("a".repeat(99) + "\n").repeat(1000), ("b".repeat(99) + "\n").repeat(1000));
        assertThat(diff.length()).isLessThan(WrittenFiles.MAX_DIFF + 100);
        assertThat(diff).startsWith("--- a/a.txt").endsWith("[... diff cut at " + WrittenFiles.MAX_DIFF + " characters]\n");
        assertThat(WrittenFiles.diff("a.txt", "a\n".repeat(WrittenFiles.MAX_DIFF_LINES), "b\n")).isNull(); // too long to diff
    }

    @Test
    void anUnknownWorkspaceYieldsNothing() throws Exception {
        var ws = workspace();
        try (var store = place().open()) {
            StoreWriterMain.writeRun(store, "r1", 1, true);
            agentWrites(store, ws, "a.txt", "r1", "one\n");
            Files.writeString(ws.resolve("a.txt"), "changed\n");
            assertThat(new WrittenFiles(store).detectCorrections(dir.resolve("elsewhere"), "ana")).isEmpty();
        }
    }
}
