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
    void costShowsCachingCutsBilledInputByAtLeastHalfOnBothPriceStructures() {
        var r = cli.run("bench", "cost", "--steps", "30");
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        var json = Json.tree(r.out());
        assertThat(json.get("benchmark").asText()).isEqualTo("prompt_caching_cost");
        for (var provider : new String[] {"anthropic", "openai"}) {
            var p = json.get(provider);
            assertThat(p.get("cache_read_tokens").asLong()).as(provider).isPositive();
            assertThat(p.get("cache_read_tokens_without_caching").asLong()).as(provider).isZero();
            assertThat(p.get("input_cost_usd_with_caching").asDouble()).as(provider).isPositive()
                    .isLessThanOrEqualTo(p.get("input_cost_usd_without_caching").asDouble() / 2);
            assertThat(p.get("input_cost_reduction").asDouble()).as(provider).isGreaterThanOrEqualTo(0.5);
        }
        // Both runs of a provider send the same conversation: only the caching differs (and, on Anthropic, the system
        // prompt's wrapping as a block that can carry a breakpoint, a few bytes a request).
        assertThat(json.at("/anthropic/input_tokens").asLong()).isCloseTo(json.at("/anthropic/input_tokens_without_caching").asLong(),
                org.assertj.core.data.Percentage.withPercentage(1));
        // A prefix that changes every step loses most of the cache: only tools and instructions before it still hit.
        assertThat(json.at("/openai/input_cost_usd_with_a_timestamp_after_the_instructions").asDouble())
                .isGreaterThan(json.at("/openai/input_cost_usd_with_caching").asDouble() * 2);
        System.out.println(r.out()); // the numbers, for docs/PERFORMANCE.md
        assertThat(json.get("meets_target").asBoolean()).isTrue();
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
