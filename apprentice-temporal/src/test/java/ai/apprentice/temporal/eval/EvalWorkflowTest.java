package ai.apprentice.temporal.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.Episode;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.GoldPolicy;
import ai.apprentice.eval.Policy;
import ai.apprentice.eval.RandomPolicy;
import ai.apprentice.eval.TrialResult;
import ai.apprentice.eval.TrialRunner;
import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import ai.apprentice.testkit.Requirements;
import io.temporal.api.enums.v1.EventType;
import io.temporal.client.WorkflowClient;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evaluation workflow on Temporal's in-process test server, with workers in this JVM. */
class EvalWorkflowTest {
    static final String QUEUE = "evals";
    @TempDir Path home;
    @TempDir Path folder;
    TestWorkflowEnvironment temporal;
    Path data;
    Environment retail;

    @BeforeEach
    void start() {
        data = Requirements.sharedDir("benchmarks/taubench");
        retail = EnvironmentProvider.byName("taubench-retail", data);
        temporal = TestWorkflowEnvironment.newInstance();
    }

    @AfterEach
    void stop() {
        temporal.close();
    }

    String meta(String agent) {
        return Json.object().put("env", "taubench-retail").put("split", "test").put("agent", agent).put("data", data.toString()).toString();
    }

    static List<Integer> tasks(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    /** What must agree between engines: all but the wall time (and run ids, which reference policies do not make). */
    static List<String> comparable(List<TrialResult> results) {
        return results.stream().sorted(Comparator.comparing(TrialResult::taskId).thenComparing(TrialResult::trial))
                .map(r -> r.taskId() + "#" + r.trial() + " " + r.reward() + " " + r.actions() + " " + r.explanation() + " " + r.error())
                .toList();
    }

    EvalRunner onTemporal(String evalId, String meta, TemporalTrialExecutor.Options options) {
        return new EvalRunner(retail, "test", folder, new TemporalTrialExecutor(temporal.getWorkflowClient(), evalId, meta, options));
    }

    @Test
    void resultsEqualTheInProcessRunWithTheSameSeed() throws Exception {
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            EvalWorkers.register(temporal.newWorker(QUEUE), harness);
            temporal.start();
            var local = new EvalRunner(retail, "test", new RandomPolicy(), null, null).run(tasks(20), 3, 4, 7, null);
            var reported = new AtomicInteger();
            var remote = onTemporal("eval-20261203-080000-abc123", meta("random"), TemporalTrialExecutor.Options.of(QUEUE))
                    .run(tasks(20), 3, 4, 7, r -> reported.incrementAndGet());
            assertThat(remote).hasSize(60);
            assertThat(reported).hasValue(60);
            assertThat(comparable(remote)).isEqualTo(comparable(local));
            // Random scores some and not others: the comparison is of real, varied outcomes.
            assertThat(local).anyMatch(TrialResult::success).anyMatch(r -> !r.success());
            assertThat(TrialResult.readAll(folder)).hasSize(60);
        }
    }

    /** Counts the episodes each trial plays (by task and seed), around the gold policy. */
    static final class Counting implements Policy {
        final Map<String, AtomicInteger> plays = new ConcurrentHashMap<>();

        @Override
        public Spend play(Episode episode, long seed) throws InterruptedException {
            plays.computeIfAbsent(episode.taskId() + "@" + seed, k -> new AtomicInteger()).incrementAndGet();
            return new GoldPolicy().play(episode, seed);
        }
    }

    @Test
    void anActivityRetriedAfterItsTrialFinishedReturnsTheKeptResultWithoutPlayingAgain() throws Exception {
        var policy = new Counting();
        var crashes = new AtomicInteger();
        // The worker "dies" after finishing every trial 0 (its result kept, Temporal never told): the retry must not replay it.
        var activities = new TrialActivitiesImpl(home, meta -> new TrialRunner(retail, "test", policy, null, null), (request, attempt) -> {
            if (request.trial() == 0 && attempt == 1) {
                crashes.incrementAndGet();
                throw new IllegalStateException("worker lost after the trial");
            }
        });
        var worker = temporal.newWorker(QUEUE);
        worker.registerWorkflowImplementationTypes(EvalWorkflowImpl.class);
        worker.registerActivitiesImplementations(activities);
        temporal.start();
        var results = onTemporal("eval-retry", meta("gold"), TemporalTrialExecutor.Options.of(QUEUE)).run(tasks(10), 2, 4, 3, null);
        assertThat(crashes).hasValue(10);
        assertThat(results).hasSize(20).allMatch(TrialResult::success);
        assertThat(comparable(results)).doesNotHaveDuplicates();
        assertThat(policy.plays).hasSize(20);
        assertThat(policy.plays.values()).allMatch(n -> n.get() == 1);
        assertThat(TrialResult.readAll(folder)).hasSize(20);
        assertThat(home.resolve("evals/eval-retry/engine")).isDirectoryContaining("glob:**/0-0.json");
    }

    @Test
    void aTrialCutShortRunsAgainAndCountsOnce() throws Exception {
        var policy = new Counting();
        var lost = new AtomicInteger();
        // Every trial 1 fails once before its result is kept (a crash mid-trial): it is played again, and counted once.
        var activities = new TrialActivitiesImpl(home, meta -> new TrialRunner(retail, "test", new Policy() {
            @Override
            public Spend play(Episode episode, long seed) throws InterruptedException {
                var spend = policy.play(episode, seed);
                if (seed % 2 == 1 && policy.plays.get(episode.taskId() + "@" + seed).get() == 1) {
                    lost.incrementAndGet();
                    throw new Error("worker crashed mid-trial");
                }
                return spend;
            }
        }, null, null), (request, attempt) -> {});
        var worker = temporal.newWorker(QUEUE);
        worker.registerWorkflowImplementationTypes(EvalWorkflowImpl.class);
        worker.registerActivitiesImplementations(activities);
        temporal.start();
        var results = onTemporal("eval-midtrial", meta("gold"), TemporalTrialExecutor.Options.of(QUEUE)).run(tasks(5), 2, 2, 0, null);
        assertThat(lost).hasValue(5);
        assertThat(results).hasSize(10).allMatch(TrialResult::success);
        assertThat(comparable(results)).doesNotHaveDuplicates();
        assertThat(policy.plays.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(15);
    }

    @Test
    void hundredsOfTrialsKeepEveryRunsHistorySmall() throws Exception {
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            EvalWorkers.register(temporal.newWorker(QUEUE), harness);
            temporal.start();
            int tasks = Math.min(100, retail.size("test"));
            var options = new TemporalTrialExecutor.Options(QUEUE, 0, 100);
            var results = onTemporal("eval-history", meta("random"), options).run(tasks(tasks), 3, 8, 1, null);
            assertThat(results).hasSize(tasks * 3);
            assertThat(comparable(results)).doesNotHaveDuplicates();
            // Walk the runs back from the last through continue-as-new: each holds at most 100 trials and stays small.
            var client = temporal.getWorkflowClient();
            var runs = new ArrayList<io.temporal.common.WorkflowExecutionHistory>();
            var history = client.fetchHistory("eval-history");
            while (true) {
                runs.add(history);
                var started = history.getEvents().getFirst().getWorkflowExecutionStartedEventAttributes();
                if (started.getContinuedExecutionRunId().isEmpty()) break;
                history = client.fetchHistory("eval-history", started.getContinuedExecutionRunId());
            }
            assertThat(runs).hasSize((tasks * 3 + 99) / 100);
            for (var run : runs) {
                long scheduled = run.getEvents().stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).count();
                assertThat(scheduled).isLessThanOrEqualTo(100);
                assertThat(run.getEvents()).hasSizeLessThan(1_000);
                // Temporal warns at 10 MB and fails a workflow at 50 MB: a run of 100 trials is a few tens of kB.
                assertThat(run.getHistory().getSerializedSize()).isLessThan(200_000);
            }
            int total = runs.stream().mapToInt(r -> (int) r.getEvents().stream()
                    .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED).count()).sum();
            assertThat(total).isEqualTo(tasks * 3);
            assertThat(client.newUntypedWorkflowStub("eval-history").getResult(Integer.class)).isEqualTo(tasks * 3);
        }
    }

    @Test
    void anEvaluationTheWorkersCannotBuildFailsWithTheReason() throws Exception {
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            EvalWorkers.register(temporal.newWorker(QUEUE), harness);
            temporal.start();
            var bad = Json.object().put("env", "no-such-env").put("split", "test").put("agent", "gold").toString();
            assertThatThrownBy(() -> onTemporal("eval-bad", bad, TemporalTrialExecutor.Options.of(QUEUE)).run(tasks(2), 1, 2, 0, null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("eval-bad").hasMessageContaining("cannot run the evaluation").hasMessageContaining("no-such-env");
            assertThat(Files.exists(folder.resolve("trials.jsonl"))).isFalse();
        }
    }
}
