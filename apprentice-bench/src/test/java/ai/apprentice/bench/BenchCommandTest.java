package ai.apprentice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code apprentice bench} through the CLI, found as a plugin on the class path. Shapes only: timings vary by machine. */
@Timeout(180)
class BenchCommandTest {
    @TempDir Path home;
    BenchCli cli;

    @BeforeEach
    void setUp() {
        cli = new BenchCli(home);
    }

    @Test
    void harnessPrintsTheOverheadPerStep() {
        var r = cli.run("bench", "harness", "--steps", "20", "--warmup", "0");
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        var json = Json.tree(r.out());
        assertThat(json.get("benchmark").asText()).isEqualTo("harness_overhead_per_step");
        assertThat(json.get("steps").asInt()).isEqualTo(20);
        assertThat(json.has("median_overhead_ms")).isTrue();
        assertThat(json.get("events_stored").asInt()).isPositive();
    }

    @Test
    void envPrintsStepsPerSecondAndTheMockModelCallBaseline() {
        var r = cli.run("bench", "env", "shop", "--seconds", "1");
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        var json = Json.tree(r.out());
        assertThat(json.get("benchmark").asText()).isEqualTo("env_steps_random");
        assertThat(json.get("env").asText()).isEqualTo("shop");
        assertThat(json.get("steps").asLong()).isPositive();
        assertThat(json.get("baseline_local_mock_model_call_ms").asDouble()).isPositive();
    }

    /** Moved from apprentice-cli's LocalModelCommandTest with the command. */
    @Test
    void localPrintsTokensPerSecondForTheGeneratedModel() {
        var r = cli.run("bench", "local", "--prompt-tokens", "32", "--gen-tokens", "8", "--repeat", "1");
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        var json = Json.tree(r.out());
        assertThat(json.get("prompt_tokens").asInt()).isBetween(32, 34);
        assertThat(json.get("prompt_tokens_per_s").asDouble()).isPositive();
        assertThat(json.get("gen_tokens_per_s").asDouble()).isPositive();
        assertThat(json.get("provider_over_direct").asDouble()).isPositive();
    }

    @Test
    void aMissingModelIsAUsageError() {
        var r = cli.run("bench", "local", "--model", "no-such-model");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("No model 'no-such-model'; pull it first");
    }
}
