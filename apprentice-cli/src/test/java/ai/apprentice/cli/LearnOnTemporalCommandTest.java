package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.Role;
import ai.apprentice.runtime.Event;
import ai.apprentice.store.RunStore;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code learn --engine temporal}: the trials of every evaluation are carried out by {@code apprentice worker} on the
 * port-bound test server, with the agent under test the learner built (the candidate's lessons reach the worker),
 * and the verdicts are the ones the same learning gives in process.
 */
@Timeout(300)
class LearnOnTemporalCommandTest {
    @TempDir Path localHome;
    @TempDir Path sharedHome;
    @TempDir Path ws;

    /** What a command printed (as JSON) in process, and on a worker that shares the learner's home. */
    private record Both(JsonNode inProcess, JsonNode onEngine) {}

    private Both inProcessAndOnEngine(List<String> args) throws Exception {
        var local = new CliHarness(localHome, ws);
        local.env.put("APPRENTICE_MEMORY", "off");
        var inProcess = local.run(args.toArray(String[]::new));
        assertThat(inProcess.exit()).as(inProcess.err()).isZero();
        try (var temporal = new TemporalServer()) {
            var worker = new CliHarness(sharedHome, ws);
            worker.env.put("APPRENTICE_MEMORY", "off");
            var workerEnded = new AtomicReference<CliHarness.Result>();
            var workerThread = Thread.ofVirtual().start(() -> workerEnded.set(
                    worker.run("worker", "--temporal-target", temporal.target(), "--slots", "4", "--sticky-seconds", "0")));
            try {
                var learner = new CliHarness(sharedHome, ws);
                learner.env.put("APPRENTICE_MEMORY", "off");
                var onEngine = new ArrayList<>(args);
                onEngine.addAll(List.of("--engine", "temporal", "--temporal-target", temporal.target()));
                var r = learner.run(onEngine.toArray(String[]::new));
                assertThat(workerEnded.get()).as("the worker stopped").isNull();
                assertThat(r.exit()).as(r.err()).isZero();
                return new Both(Json.tree(inProcess.out()), Json.tree(r.out()));
            } finally {
                workerThread.interrupt();
                workerThread.join(15_000);
            }
        }
    }

    @Test
    void aGateOnWorkersGivesTheVerdictOfTheGateInProcessWithTheCandidateOnTheWorkers() throws Exception {
        Files.writeString(ws.resolve("s.jsonl"), "{\"text\": \"I could not finish.\"}\n");
        Files.writeString(ws.resolve("lessons.md"), "# From a review\n- Look around before acting.\n- Open containers to find keys.\n");
        var both = inProcessAndOnEngine(List.of("learn", "gate", "textworld", "--candidate", ws.resolve("lessons.md").toString(),
                "--model", "scripted:" + ws.resolve("s.jsonl"), "--tasks", "0-3", "-k", "2", "--seed", "7", "--no-early-stop", "--json"));
        var expected = both.inProcess();
        var actual = both.onEngine();
        for (var field : List.of("accepted", "k", "delta", "ci95", "rollouts", "incumbent_pass_hat_k", "candidate_pass_hat_k", "reason")) {
            assertThat(actual.path(field)).as(field).isEqualTo(expected.path(field));
        }
        assertThat(actual.path("rollouts").asInt()).isEqualTo(16);

        // The worker played each arm's agent: the candidate's lessons in its trials' instructions, not in the incumbent's.
        try (var store = RunStore.open(sharedHome.resolve("apprentice.db"))) {
            assertThat(instructions(store, actual.path("candidate_eval"))).hasSize(8).allSatisfy(i -> assertThat(i).contains("Open containers to find keys."));
            assertThat(instructions(store, actual.path("incumbent_eval"))).hasSize(8).noneSatisfy(i -> assertThat(i).contains("Open containers to find keys."));
        }
        // and it was the worker: each trial's result is kept where the worker keeps what it finished
        for (var eval : List.of(actual.path("candidate_eval").asText(), actual.path("incumbent_eval").asText())) {
            try (var kept = Files.list(sharedHome.resolve("evals").resolve(eval).resolve("engine"))) {
                assertThat(kept.filter(f -> f.toString().endsWith(".json"))).as(eval).hasSize(8);
            }
        }
        assertThat(Files.exists(localHome.resolve("evals").resolve(expected.path("candidate_eval").asText()).resolve("engine"))).isFalse();
    }

    @Test
    void theLearningLoopOnWorkersDecidesAsInProcess() throws Exception {
        Files.writeString(ws.resolve("s.jsonl"), "{\"text\": \"I could not finish.\"}\n");
        Files.writeString(ws.resolve("lessons.md"), "- Look around before acting.\n---\n- Open containers to find keys.\n");
        var both = inProcessAndOnEngine(List.of("learn", "textworld", "--model", "scripted:" + ws.resolve("s.jsonl"),
                "--proposals", ws.resolve("lessons.md").toString(), "--holdout", "0-5", "--budget", "60", "--seed", "3", "--dry-run", "--json"));
        var expected = both.inProcess();
        var actual = both.onEngine();
        assertThat(actual.path("decisions")).hasSize(2);
        for (var field : List.of("accepted", "rejected", "rollouts", "stop_reason")) {
            assertThat(actual.path(field)).as(field).isEqualTo(expected.path(field));
        }
        for (int i = 0; i < 2; i++) {
            for (var field : List.of("accepted", "candidate", "reason", "delta")) {
                assertThat(actual.path("decisions").get(i).path(field)).as("decision " + i + " " + field)
                        .isEqualTo(expected.path("decisions").get(i).path(field));
            }
        }
        assertThat(actual.path("curve").findValues("pass_hat_k")).isEqualTo(expected.path("curve").findValues("pass_hat_k"));
        try (var evals = Files.list(sharedHome.resolve("evals"))) {
            assertThat(evals.filter(e -> Files.isDirectory(e.resolve("engine")))).isNotEmpty(); // the workers played them
        }
    }

    /** The system messages the runs of an evaluation started with (its trials' run ids begin with the evaluation's). */
    private static List<String> instructions(RunStore store, JsonNode evalId) {
        var prefix = evalId.asText().substring("eval-".length()) + "-t";
        var out = new ArrayList<String>();
        for (var run : store.list(1000)) {
            if (!run.id().startsWith(prefix)) continue;
            var started = (Event.RunStarted) store.events(run.id()).getFirst();
            out.add(started.messages().stream().filter(m -> m.role() == Role.SYSTEM).map(m -> m.text()).findFirst().orElse(""));
        }
        return out;
    }
}
