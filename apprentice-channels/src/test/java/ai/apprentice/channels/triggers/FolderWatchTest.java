package ai.apprentice.channels.triggers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A watched folder: a new or changed file starts a run once it settles; the run's own writes, dot-files and dot-folders start none. */
class FolderWatchTest {
    @TempDir Path home;
    @TempDir Path root;
    final TestClock clock = new TestClock("2026-03-02T10:30:00Z");

    private void tick(TriggerServer s, int times) {
        for (int i = 0; i < times; i++) {
            clock.advance(Duration.ofSeconds(1));
            s.triggers.tick();
        }
    }

    private List<TriggerStore.Fire> fires(TriggerServer s) {
        return s.triggers.store().fires("inbox", 100).stream().filter(f -> f.runId() != null).toList().reversed();
    }

    @Test
    void aNewFileStartsARunAndTheRunsOwnWritesDoNot() throws Exception {
        Files.writeString(root.resolve("script.jsonl"), """
                {"text": "Writing the summary.", "tool_calls": [{"name": "write_file", "arguments": {"path": "inbox/summary.txt", "content": "A short summary."}}]}
                {"text": "Summarised."}
                """);
        var inbox = Files.createDirectories(root.resolve("proj/inbox"));
        Files.writeString(inbox.resolve("old.txt"), "there before the trigger");
        try (var s = new TriggerServer(home, root, clock, Map.of())) {
            var made = s.post("/api/triggers", "{\"name\": \"inbox\", \"watch\": \"inbox\", \"workspace\": \"proj\", \"task\": \"Summarise {{path}}\"}");
            assertThat(made.status()).as(made.body()).isEqualTo(201);
            tick(s, 2); // learns what is there
            Files.writeString(inbox.resolve("report.txt"), "Quarterly numbers");
            Files.createDirectories(inbox.resolve(".git"));
            Files.writeString(inbox.resolve(".git/HEAD"), "ref: main");
            Files.writeString(inbox.resolve(".draft.swp"), "editor state");
            s.triggers.tick(); // seen once: it may still be being written
            assertThat(fires(s)).isEmpty();
            tick(s, 1);
            assertThat(fires(s)).singleElement().satisfies(f -> assertThat(f.detail()).isEqualTo("file inbox/report.txt"));
            var first = s.awaitFinished(fires(s).get(0).runId());
            assertThat(first.path("origin").asText()).isEqualTo("trigger:inbox");
            assertThat(first.path("task").asText()).contains("Summarise <untrusted-data field=\"path\">inbox/report.txt</untrusted-data>");
            assertThat(inbox.resolve("summary.txt")).hasContent("A short summary.");

            tick(s, 5);
            assertThat(fires(s)).as("the run's own summary.txt starts nothing").hasSize(1);

            Files.writeString(inbox.resolve("notes.md"), "Meeting notes");
            tick(s, 2);
            assertThat(fires(s)).hasSize(2);
            assertThat(fires(s).get(1).detail()).isEqualTo("file inbox/notes.md");
            s.awaitFinished(fires(s).get(1).runId());
            tick(s, 5);
            assertThat(fires(s)).hasSize(2);

            Files.writeString(inbox.resolve("report.txt"), "Quarterly numbers, corrected");
            tick(s, 2);
            assertThat(fires(s)).hasSize(3);
            assertThat(fires(s).get(2).detail()).isEqualTo("file inbox/report.txt");
            s.awaitFinished(fires(s).get(2).runId());
            tick(s, 3);
            assertThat(fires(s)).hasSize(3);
            assertThat(s.runs()).hasSize(3);
        }
    }
}
