package ai.apprentice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code apprentice bench engine} at a small size: the three ways score alike and each reports its numbers. Shapes only, no timings. */
@Timeout(240)
class EngineBenchTest {
    @TempDir Path home;

    @Test
    void theSameEvaluationInProcessOnOneWorkerAndOnThreeScoresAlike() {
        var r = new BenchCli(home).run("bench", "engine", "--tasks", "0-3", "-k", "2", "--delay-ms", "20", "--slots", "2",
                "--run-steps", "2", "--repeat", "1");
        assertThat(r.exit()).as(r.err() + r.out()).isEqualTo(0);
        var json = Json.tree(r.out());
        assertThat(json.get("benchmark").asText()).isEqualTo("engine_eval");
        assertThat(json.get("trials").asInt()).isEqualTo(8);
        assertThat(json.get("scores_identical").asBoolean()).isTrue();
        assertThat(json.get("model_calls_per_trial").asDouble()).isEqualTo(2.0); // a tool call, then the answer
        for (var way : new String[] {"in_process", "one_worker", "3_workers"}) {
            assertThat(json.at("/" + way + "/seconds").asDouble()).as(way).isPositive();
            assertThat(json.at("/" + way + "/mean_trial_ms").asDouble()).as(way).isGreaterThanOrEqualTo(2 * 20);
        }
        assertThat(json.at("/run_step_by_step/steps").asInt()).isEqualTo(3);
        assertThat(json.at("/run_step_by_step/on_engine_seconds").asDouble()).isPositive();
        assertThat(json.at("/targets").has("3_workers_at_least_2_5x_one")).isTrue();
    }
}
