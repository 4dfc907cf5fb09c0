package ai.apprentice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code apprentice bench server} at a small size: every run succeeds, every subscriber gets every event. Shapes only, no timings. */
@Timeout(180)
class ServerBenchTest {
    @TempDir Path home;

    @Test
    void serverPrintsThroughputAgainstTheInProcessBaselineDelaysMemoryAndStartTime() {
        var r = new BenchCli(home).run("bench", "server", "--runs", "4", "--subscribers", "10", "--steps", "3", "--idle", "20");
        assertThat(r.exit()).as(r.err() + r.out()).isEqualTo(0);
        var json = Json.tree(r.out());
        assertThat(json.get("benchmark").asText()).isEqualTo("server_under_load");
        assertThat(json.at("/server/runs_succeeded").asInt()).isEqualTo(4);
        assertThat(json.at("/server/subscribers_complete").asInt()).isEqualTo(10);
        // 10 subscribers over 4 runs (3, 3, 2, 2), each got all of its run's events
        long stored = json.at("/server/events_stored").asLong();
        assertThat(stored).isGreaterThanOrEqualTo(4 * 4);
        assertThat(json.at("/server/events_delivered").asLong()).isBetween(2 * stored, 3 * stored);
        assertThat(json.at("/server/ratio_to_baseline").asDouble()).isPositive();
        assertThat(json.at("/delivery_delay_ms/committed_at_once/count").asInt()
                + json.at("/delivery_delay_ms/replayed_events").asInt()).isPositive();
        assertThat(json.at("/memory_per_idle_subscriber/subscribers").asInt()).isEqualTo(20);
        assertThat(json.get("start_ms").asDouble()).isPositive();
        assertThat(json.at("/server/cpu_seconds").asDouble()).isPositive();
    }

    @Test
    void aModelDelayMakesEveryModelCallWaitInBothMeasures() {
        var r = new BenchCli(home).run("bench", "server", "--runs", "2", "--subscribers", "2", "--steps", "2", "--idle", "0",
                "--warmups", "0", "--model-delay-ms", "300");
        assertThat(r.exit()).as(r.err() + r.out()).isEqualTo(0);
        var json = Json.tree(r.out());
        assertThat(json.get("model_delay_ms").asInt()).isEqualTo(300);
        // two model calls one after the other in each run (a tool call, then the answer): at least 0.6 s either way
        assertThat(json.at("/baseline_in_process/seconds").asDouble()).isGreaterThanOrEqualTo(0.6);
        assertThat(json.at("/server/seconds").asDouble()).isGreaterThanOrEqualTo(0.6);
        assertThat(json.at("/server/runs_succeeded").asInt()).isEqualTo(2);
        var bad = new BenchCli(home).run("bench", "server", "--model-delay-ms", "-1");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--model-delay-ms");
    }

    @Test
    void theSubscribersQuickInstantParseAgreesWithInstantParse() {
        var random = new java.util.Random(7);
        for (int i = 0; i < 10_000; i++) {
            var at = java.time.Instant.ofEpochSecond(random.nextLong(0, 4_102_444_800L), i % 3 == 0 ? 0 : random.nextInt(1_000_000_000));
            if (i % 5 == 1) at = at.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            assertThat(ServerBench.instant(at.toString())).as(at.toString()).isEqualTo(at);
        }
        // forms it does not handle itself go to Instant.parse: an offset, a leap-less odd form, garbage
        assertThat(ServerBench.instant("2026-12-04T18:41:42.5+01:00")).isEqualTo(java.time.Instant.parse("2026-12-04T17:41:42.5Z"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerBench.instant("2026-12-04T18:4x:42Z"))
                .isInstanceOf(java.time.format.DateTimeParseException.class);
    }
}
