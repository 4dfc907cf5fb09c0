package ai.apprentice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With more runs than slots the rest wait in the queue; a queued run cancelled never starts, a running one ends cancelled promptly. */
class CancelUnderLoadTest {
    @TempDir Path home;
    @TempDir Path root;

    @Test
    void withTwoSlotsFourOfSixRunsQueueAndCancellationReachesQueuedAndRunningRuns() throws Exception {
        // every run's only turn takes 30 s: the runs hold their slots until they are cancelled
        try (var s = new TestServer(home, root, "{\"delay_ms\": 30000, \"text\": \"slow\"}\n", Map.of(),
                o -> o.withLimits(2, Duration.ofSeconds(30), Duration.ofMillis(500)))) {
            var ids = new ArrayList<String>();
            for (int i = 0; i < 6; i++) {
                var created = s.post("/api/runs", "{\"task\": \"slow " + i + "\"}");
                assertThat(created.status()).isEqualTo(201);
                ids.add(created.json().path("id").asText());
            }
            awaitStatus(s, ids.get(0), "running");
            awaitStatus(s, ids.get(1), "running");
            for (var id : ids.subList(2, 6)) assertThat(s.get("/api/runs/" + id).json().path("status").asText()).isEqualTo("queued");
            var health = s.get("/health").json();
            assertThat(health.path("running").asInt()).isEqualTo(2);
            assertThat(health.path("queued").asInt()).isEqualTo(4);

            // a queued run: cancelled at once, never started (no events, not in the run store)
            var queued = ids.get(3);
            long t0 = System.nanoTime();
            assertThat(s.post("/api/runs/" + queued + "/cancel", "").status()).isEqualTo(202);
            var q = awaitStatus(s, queued, "cancelled");
            long queuedNanos = System.nanoTime() - t0;
            assertThat(s.get("/api/runs/" + queued + "?events=true").json().path("events")).isEmpty();
            assertThat(s.harness.store().get(queued)).as("a run cancelled in the queue never began").isEmpty();
            assertThat(q.path("task").asText()).isEqualTo("slow 3");

            // a running run, inside its 30 s model turn: ends cancelled well before the turn would
            var running = ids.get(0);
            t0 = System.nanoTime();
            assertThat(s.post("/api/runs/" + running + "/cancel", "").status()).isEqualTo(202);
            var r = s.awaitFinished(running);
            long runningNanos = System.nanoTime() - t0;
            assertThat(r.path("status").asText()).isEqualTo("cancelled");
            assertThat(Duration.ofNanos(runningNanos)).isLessThan(Duration.ofSeconds(10));
            var events = s.get("/api/runs/" + running + "?events=true").json().path("events");
            assertThat(events.get(events.size() - 1).path("type").asText()).isEqualTo("run_finished");

            // its slot goes to the first in the queue; the cancelled one stays cancelled
            awaitStatus(s, ids.get(2), "running");
            assertThat(s.get("/api/runs/" + queued).json().path("status").asText()).isEqualTo("cancelled");
            assertThat(s.get("/api/runs/" + ids.get(4)).json().path("status").asText()).isEqualTo("queued");
            assertThat(s.harness.store().get(queued)).isEmpty();
            System.out.printf("cancel: queued run cancelled in %.1f ms, running run in %.1f ms (request to status cancelled, polling every 20 ms)%n",
                    queuedNanos / 1e6, runningNanos / 1e6);

            for (var id : ids) s.post("/api/runs/" + id + "/cancel", "");
            for (var id : ids) assertThat(s.awaitFinished(id).path("status").asText()).isEqualTo("cancelled");
        }
    }

    static com.fasterxml.jackson.databind.JsonNode awaitStatus(TestServer s, String id, String status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        com.fasterxml.jackson.databind.JsonNode run = null;
        while (System.nanoTime() < deadline) {
            run = s.get("/api/runs/" + id).json();
            if (run.path("status").asText().equals(status)) return run;
            Thread.sleep(20);
        }
        throw new AssertionError("run " + id + " is not " + status + " after 20 s: " + run);
    }
}
