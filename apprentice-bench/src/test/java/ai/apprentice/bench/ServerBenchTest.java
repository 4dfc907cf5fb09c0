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
    }
}
