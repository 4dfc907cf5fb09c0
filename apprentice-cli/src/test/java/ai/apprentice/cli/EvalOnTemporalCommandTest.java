package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.eval.TrialResult;
import ai.apprentice.json.Json;
import ai.apprentice.testkit.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code eval --engine temporal} and {@code worker} against the port-bound Temporal test server. */
@Timeout(180)
class EvalOnTemporalCommandTest {
    @TempDir Path home;
    @TempDir Path workerHome;
    @TempDir Path ws;

    static List<String> trials(Path folder) throws Exception {
        return TrialResult.readAll(folder).stream().sorted(Comparator.comparing(TrialResult::taskId).thenComparing(TrialResult::trial))
                .map(r -> r.taskId() + "#" + r.trial() + " " + r.reward() + " " + r.actions() + " " + r.explanation()).toList();
    }

    @Test
    void anEvaluationOnAWorkerScoresAsInProcessAndResumesByTheSameWorkflow() throws Exception {
        var data = Requirements.sharedDir("benchmarks/taubench").toString();
        try (var temporal = new TemporalServer()) {
            // The worker has a home of its own, as on another machine.
            var worker = Thread.ofVirtual().start(() -> new CliHarness(workerHome, ws).run("worker", "--temporal-target", temporal.target(),
                    "--task-queue", "q1", "--slots", "3"));
            var cli = new CliHarness(home, ws);
            var args = List.of("eval", "taubench-airline", "--data", data, "--agent", "random", "--tasks", "0-9", "-k", "2", "--seed", "5", "--json");
            var local = cli.run(args.toArray(String[]::new));
            var onTemporal = cli.run(java.util.stream.Stream.concat(args.stream(), java.util.stream.Stream.of("--engine", "temporal",
                    "--temporal-target", temporal.target(), "--task-queue", "q1", "--concurrency", "4")).toArray(String[]::new));
            assertThat(local.exit()).as(local.err()).isZero();
            assertThat(onTemporal.exit()).as(onTemporal.err()).isZero();
            var a = Json.tree(local.out());
            var b = Json.tree(onTemporal.out());
            for (var field : List.of("trials", "mean_reward", "pass_at_k", "pass_hat_k", "pass_hat_k_ci95", "mean_actions", "errors")) {
                assertThat(b.get(field)).as(field).isEqualTo(a.get(field));
            }
            var folderA = home.resolve("evals").resolve(a.get("id").asText());
            var folderB = home.resolve("evals").resolve(b.get("id").asText());
            assertThat(trials(folderB)).hasSize(20).isEqualTo(trials(folderA));
            // The worker kept each trial in its own home, under the evaluation's id.
            try (var kept = Files.list(workerHome.resolve("evals").resolve(b.get("id").asText()).resolve("engine"))) {
                assertThat(kept.count()).isEqualTo(20);
            }
            var meta = Json.MAPPER.readTree(folderB.resolve("meta.json").toFile());
            assertThat(meta.get("engine").asText()).isEqualTo("temporal");
            assertThat(meta.get("temporal_target").asText()).isEqualTo(temporal.target());

            // Resume after losing the last lines: the same workflow id; the trials come back from the workers' record, not rerun.
            var lines = Files.readAllLines(folderB.resolve("trials.jsonl"));
            Files.write(folderB.resolve("trials.jsonl"), lines.subList(0, 12));
            var resumed = cli.run("eval", "resume", b.get("id").asText(), "--json");
            assertThat(resumed.exit()).as(resumed.err()).isZero();
            assertThat(Json.tree(resumed.out()).get("mean_reward")).isEqualTo(a.get("mean_reward"));
            assertThat(trials(folderB)).isEqualTo(trials(folderA));
            worker.interrupt();
            worker.join(15_000);
        }
    }

    @Test
    void aTargetThatDoesNotAnswerIsNamedAndBadFlagsAreRefused() throws Exception {
        var cli = new CliHarness(home, ws);
        var data = Requirements.sharedDir("benchmarks/taubench").toString();
        int closed = TemporalServer.freePort();
        var absent = cli.run("eval", "taubench-airline", "--data", data, "--agent", "gold", "--tasks", "0-1",
                "--engine", "temporal", "--temporal-target", "127.0.0.1:" + closed);
        assertThat(absent.exit()).isEqualTo(2);
        assertThat(absent.err()).contains("Temporal at 127.0.0.1:" + closed + " does not answer");
        assertThat(home.resolve("evals")).isEmptyDirectory();

        var noTarget = cli.run("eval", "taubench-airline", "--agent", "gold", "--engine", "temporal");
        assertThat(noTarget.exit()).isEqualTo(2);
        assertThat(noTarget.err()).contains("--engine temporal needs --temporal-target HOST:PORT");
        var badEngine = cli.run("eval", "taubench-airline", "--agent", "gold", "--engine", "restate");
        assertThat(badEngine.err()).contains("--engine must be local or temporal, got 'restate'");
        assertThat(cli.run("eval", "taubench-airline", "--agent", "gold", "--heartbeat-timeout", "5").err())
                .contains("--heartbeat-timeout is for --engine temporal");
        assertThat(cli.run("eval", "taubench-airline", "--agent", "gold", "--engine", "temporal", "--temporal-target", "127.0.0.1:1",
                "--heartbeat-timeout", "0").err()).contains("--heartbeat-timeout must be at least 1 second, got 0");

        var worker = cli.run("worker", "--temporal-target", "127.0.0.1:" + closed);
        assertThat(worker.exit()).isEqualTo(2);
        assertThat(worker.err()).contains("Temporal at 127.0.0.1:" + closed + " does not answer");
        assertThat(cli.run("worker", "--temporal-target", "nowhere").err()).contains("--temporal-target must be HOST:PORT");
        assertThat(cli.run("worker", "--temporal-target", "127.0.0.1:1", "--slots", "0").err()).contains("--slots must be at least 1");
    }
}
