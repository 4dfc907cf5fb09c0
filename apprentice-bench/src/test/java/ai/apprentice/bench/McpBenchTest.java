package ai.apprentice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code apprentice bench mcp} at a small size: both transports, both clients measured. Shapes only, no timings. */
@Timeout(180)
class McpBenchTest {
    @TempDir Path home;

    @Test
    void mcpPrintsCallsPerSecondAndP99ForBothTransportsAgainstTheRawSdk() {
        var r = new BenchCli(home).run("bench", "mcp", "--calls", "30", "--warmup", "5");
        assertThat(r.exit()).as(r.err() + r.out()).isEqualTo(0);
        var json = Json.tree(r.out());
        assertThat(json.get("benchmark").asText()).isEqualTo("mcp_tool_calls");
        for (var transport : new String[] {"stdio", "streamable_http"}) {
            for (var client : new String[] {"apprentice", "sdk_raw"}) {
                assertThat(json.at("/" + transport + "/" + client + "/calls_per_s").asDouble()).isPositive();
                assertThat(json.at("/" + transport + "/" + client + "/p99_ms").asDouble())
                        .isGreaterThanOrEqualTo(json.at("/" + transport + "/" + client + "/p50_ms").asDouble());
            }
            assertThat(json.at("/" + transport + "/overhead_ratio").asDouble()).isPositive();
        }
    }
}
