package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.eval.TrialResult;
import ai.apprentice.json.Json;
import ai.apprentice.testkit.PostgresFixture;
import ai.apprentice.testkit.Requirements;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19's multi-process test: Temporal's port-bound test server in a process of its own, three worker JVMs on
 * loopback sharing one PostgreSQL run store (each with a home of its own, as on three machines), and a 300-trial
 * tau-bench evaluation of an apprentice agent on the scripted model (a fixed delay per model call, one tool call a
 * trial) while workers are SIGKILLed at random and restarted. Nothing may be lost or counted twice, no run may carry
 * a tool call twice, and the scores must equal those of the same evaluation run uninterrupted in process.
 */
@Timeout(1800) // on an idle machine about 3 minutes; CI machines shared with other builds take far longer
class EvalWorkersKilledTest {
    static final int TASKS = 50;
    static final int K = 6;
    static final int TRIALS = TASKS * K;
    static final int WORKERS = 3;
    static final int KILLS = 4;
    static final int DELAY_MS = 100;
    /** Seconds without a trial kept or counted after which the evaluation is taken for stuck (a heartbeat timeout is 10). */
    static final int STALL = 120;

    @TempDir Path dir;

    @Test
    void workersKilledAtRandomLoseNoTrialCountNoneTwiceAndScoreAsInProcess() throws Exception {
        var db = PostgresFixture.newDatabase();
        var data = Requirements.sharedDir("benchmarks/taubench").toString();
        var ws = Files.createDirectories(dir.resolve("ws"));
        var home = Files.createDirectories(dir.resolve("client"));
        var config = "store: " + db.url() + "\nstore_password_env: TEST_DB_PASSWORD\n";
        Files.writeString(home.resolve("config.yaml"), config);
        var workerHomes = new ArrayList<Path>();
        for (int i = 0; i < WORKERS; i++) {
            var h = Files.createDirectories(dir.resolve("worker" + i));
            Files.writeString(h.resolve("config.yaml"), config);
            workerHomes.add(h);
        }
        // The agent calls one read-only tool, then answers; the user asks, then stops. Every model call waits DELAY_MS,
        // as a real model's would. The script answers by the number of assistant turns so far: no state across trials.
        var agent = ws.resolve("agent.jsonl");
        var user = ws.resolve("user.jsonl");
        Files.writeString(agent, String.join("\n",
                "{\"delay_ms\": " + DELAY_MS + ", \"text\": \"Let me check.\", \"tool_calls\": [{\"name\": \"calculate\", \"arguments\": {\"expression\": \"6 * 7\"}}]}",
                "{\"delay_ms\": " + DELAY_MS + ", \"text\": \"That comes to 42. Anything else?\"}",
                "{\"delay_ms\": " + DELAY_MS + ", \"text\": \"Goodbye.\"}") + "\n");
        Files.writeString(user, String.join("\n",
                "{\"delay_ms\": " + DELAY_MS + ", \"text\": \"Hi, I need help with my reservation.\"}",
                "{\"delay_ms\": " + DELAY_MS + ", \"text\": \"No, thanks. ###STOP###\"}",
                "{\"delay_ms\": " + DELAY_MS + ", \"text\": \"###STOP###\"}") + "\n");
        var cli = new CliHarness(home, ws);
        cli.env.put("TEST_DB_PASSWORD", db.password());
        cli.env.put("APPRENTICE_DEBUG", "1"); // a failure's stack trace in the client's err
        var args = List.of("eval", "taubench-airline", "--data", data, "--model", "scripted:" + agent, "--user-model", "scripted:" + user,
                "--tasks", "0-" + (TASKS - 1), "-k", String.valueOf(K), "--seed", "19", "--json");

        long t0 = System.nanoTime();
        // The reference: the same evaluation in this process, uninterrupted (concurrency does not change scores).
        var local = cli.run(Stream.concat(args.stream(), Stream.of("--concurrency", "24")).toArray(String[]::new));
        assertThat(local.exit()).as(local.err()).isZero();
        var a = Json.tree(local.out());
        long t1 = System.nanoTime();

        var kills = new ArrayList<String>();
        // Every child process, alive or not, is killed in the end, whatever happened (also should this JVM be ended).
        try (var jvms = new ChildJvms(dir)) {
            var target = jvms.temporalServer();
            var workers = new ChildJvms.Child[WORKERS];
            for (int i = 0; i < WORKERS; i++) workers[i] = startWorker(jvms, i, 0, target, workerHomes.get(i), db.password());
            for (int i = 0; i < WORKERS; i++) jvms.awaitLine(workers[i], "apprentice worker on ");

            // What the workers have kept, every 5 s: how the evaluation went, for the messages below.
            var timeline = new java.util.concurrent.CopyOnWriteArrayList<String>();
            long tStart = System.nanoTime();
            var sampler = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        timeline.add((System.nanoTime() - tStart) / 1_000_000_000 + "s:" + kept(workerHomes).size() + "/" + counted(home));
                        Thread.sleep(5000);
                    }
                } catch (InterruptedException | IOException stop) {
                    // done
                }
            });
            var onTemporal = CompletableFuture.supplyAsync(() -> cli.run(Stream.concat(args.stream(), Stream.of("--engine", "temporal",
                    "--temporal-target", target, "--task-queue", "kill", "--concurrency", "12", "--heartbeat-timeout", "10")).toArray(String[]::new)));
            // Kills start once the workers are at work (a trial kept somewhere), then follow every 2-4 s at random.
            long seed = System.nanoTime();
            var random = new Random(seed);
            while (!onTemporal.isDone() && kept(workerHomes).isEmpty()) Thread.sleep(100);
            int[] generation = new int[WORKERS];
            while (!onTemporal.isDone() && kills.size() < KILLS) {
                Thread.sleep(2000 + random.nextInt(2000));
                if (onTemporal.isDone()) break;
                int i = random.nextInt(WORKERS);
                int before = kept(workerHomes).size();
                workers[i].process().destroyForcibly(); // SIGKILL
                assertThat(workers[i].process().waitFor(30, TimeUnit.SECONDS)).as("worker %d did not die", i).isTrue();
                kills.add("worker" + i + "." + generation[i] + " at " + (System.nanoTime() - tStart) / 1_000_000_000 + "s, " + before + " trials kept");
                workers[i] = startWorker(jvms, i, ++generation[i], target, workerHomes.get(i), db.password());
            }
            // No deadline of its own on a busy machine, only on standing still: nothing kept or counted for STALL seconds.
            CliHarness.Result r = null;
            String last = "";
            long lastChange = System.nanoTime();
            while (r == null) {
                try {
                    r = onTemporal.get(5, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException notYet) {
                    var now = kept(workerHomes).size() + "/" + counted(home);
                    if (!now.equals(last)) {
                        last = now;
                        lastChange = System.nanoTime();
                    } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(STALL)) {
                        sampler.interrupt();
                        throw new AssertionError("the evaluation on Temporal stood still for " + STALL + " s; kills: " + kills
                                + "\nkept by the workers / counted by the client, at times: " + timeline + "\n" + describe(target) + "\n" + jvms.tails());
                    }
                }
            }
            long t2 = System.nanoTime();
            sampler.interrupt();
            var why = "kills (random seed " + seed + "): " + kills + "\nkept by the workers / counted by the client, at times: " + timeline + "\nclient err:\n" + ChildJvms.tail(r.err()) + "\n" + jvms.tails();
            System.out.printf("EvalWorkersKilledTest: in process %d s, on Temporal %d s; %s%n", (t1 - t0) / 1_000_000_000,
                    (t2 - t1) / 1_000_000_000, "kills: " + kills + "; kept by the workers / counted by the client, at times: " + timeline);
            assertThat(r.exit()).as(why).isZero();
            assertThat(kills).as("the evaluation ended before %d workers were killed; %s", KILLS, why).hasSize(KILLS);

            // Scores: as in process, to the last digit.
            var b = Json.tree(r.out());
            for (var field : List.of("trials", "mean_reward", "pass_at_k", "pass_hat_k", "pass_hat_k_ci95", "mean_actions", "errors")) {
                assertThat(b.get(field)).as(field + "; " + why).isEqualTo(a.get(field));
            }
            assertThat(a.get("trials").asInt()).isEqualTo(TRIALS);
            assertThat(a.get("errors").asInt()).isZero();
            // Not a trivial score: some tasks pass (their gold actions only read), some fail.
            assertThat(a.get("mean_reward").asDouble()).as(local.out()).isStrictlyBetween(0.0, 1.0);

            // No trial lost or counted twice: 300 lines, 300 distinct trials, each with the in-process run's reward.
            var folderA = home.resolve("evals").resolve(a.get("id").asText());
            var evalId = b.get("id").asText();
            var folderB = home.resolve("evals").resolve(evalId);
            var lines = Files.readAllLines(folderB.resolve("trials.jsonl")).stream().filter(l -> !l.isBlank()).toList();
            assertThat(lines).as(why).hasSize(TRIALS);
            var counted = TrialResult.readAll(folderB);
            assertThat(counted).hasSize(TRIALS);
            assertThat(counted.stream().map(t -> t.taskId() + "#" + t.trial()).distinct().count()).isEqualTo(TRIALS);
            assertThat(byTrial(folderB)).isEqualTo(byTrial(folderA));

            // Every trial was kept by some worker; more kept files than trials means a trial a killed worker had finished
            // but not reported ran again elsewhere (at-least-once for a trial's work; it is still counted once).
            var keptAll = keptFiles(workerHomes, evalId);
            var expected = new HashSet<String>();
            for (int task = 0; task < TASKS; task++) for (int trial = 0; trial < K; trial++) expected.add(task + "-" + trial + ".json");
            assertThat(new HashSet<>(keptAll)).as(why).isEqualTo(expected);

            // The run store (one PostgreSQL for all workers): every run of this evaluation carried its tool call at most
            // once (a retried trial runs under a new id, ...-aN, never into the run of an earlier attempt), and the run
            // each counted trial names finished with exactly one tool call, one tool result and no rerun.
            var base = evalId.startsWith("eval-") ? evalId.substring(5) : evalId;
            var runs = new TreeMap<String, String>();
            var events = new HashMap<String, Map<String, Integer>>();
            try (var c = db.connect(); var st = c.createStatement()) {
                try (var rs = st.executeQuery("SELECT id, status FROM runs")) {
                    while (rs.next()) if (rs.getString(1).startsWith(base + "-t")) runs.put(rs.getString(1), rs.getString(2));
                }
                try (var rs = st.executeQuery("SELECT run_id, type, count(*) FROM events GROUP BY run_id, type")) {
                    while (rs.next()) {
                        if (!rs.getString(1).startsWith(base + "-t")) continue;
                        events.computeIfAbsent(rs.getString(1), x -> new HashMap<>()).put(rs.getString(2), rs.getInt(3));
                    }
                }
            }
            for (var run : runs.keySet()) {
                var e = events.getOrDefault(run, Map.of());
                assertThat(e.getOrDefault("tool_call", 0)).as("tool calls in run %s: %s", run, e).isLessThanOrEqualTo(1);
                assertThat(e.getOrDefault("tool_result", 0)).as("tool results in run %s: %s", run, e).isLessThanOrEqualTo(1);
                assertThat(e.getOrDefault("tool_rerun", 0)).as("tool reruns in run %s", run).isZero();
            }
            var countedRuns = new HashSet<String>();
            for (var t : counted) {
                assertThat(t.runId()).as("%s#%d", t.taskId(), t.trial()).isNotNull().startsWith(base + "-t");
                assertThat(countedRuns.add(t.runId())).as("run %s counted twice", t.runId()).isTrue();
                assertThat(runs.get(t.runId())).as("run %s of a counted trial", t.runId()).isEqualTo("succeeded");
                var e = events.getOrDefault(t.runId(), Map.of());
                assertThat(e.getOrDefault("tool_call", 0)).as("run %s: %s", t.runId(), e).isEqualTo(1);
                assertThat(e.getOrDefault("tool_result", 0)).as("run %s: %s", t.runId(), e).isEqualTo(1);
            }
            // The kills hit trials in flight: their retries ran under attempt ids.
            var retried = runs.keySet().stream().filter(id -> id.matches(".*-a\\d+$")).toList();
            System.out.printf("EvalWorkersKilledTest: %d runs in the store for %d trials (%d retried attempts), %d results kept by the workers%n",
                    runs.size(), TRIALS, retried.size(), keptAll.size());
            assertThat(retried).as("no kill cut a trial short; " + why).isNotEmpty();
        }
    }

    private static ChildJvms.Child startWorker(ChildJvms jvms, int i, int generation, String target, Path workerHome, String password)
            throws IOException {
        return jvms.start("worker" + i + "." + generation, List.of("ai.apprentice.cli.Main", "worker", "--temporal-target", target, "--task-queue", "kill",
                "--slots", "4", "--sticky-seconds", "0"), Map.of("APPRENTICE_HOME", workerHome.toString(), "TEST_DB_PASSWORD", password));
    }

    /** The lines of the client's trials.jsonl files so far. */
    private static long counted(Path home) throws IOException {
        var evals = home.resolve("evals");
        long n = 0;
        if (!Files.isDirectory(evals)) return 0;
        try (var s = Files.list(evals)) {
            for (var e : s.toList()) {
                var f = e.resolve("trials.jsonl");
                if (Files.exists(f) && Files.exists(e.resolve("meta.json")) && Files.readString(e.resolve("meta.json")).contains("temporal")) {
                    n += Files.readAllLines(f).size();
                }
            }
        }
        return n;
    }

    /** What the server says of the evaluations' workflows: for a message when one does not end. */
    private static String describe(String target) {
        var stubs = io.temporal.serviceclient.WorkflowServiceStubs.newServiceStubs(
                io.temporal.serviceclient.WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
        try {
            var list = stubs.blockingStub().listOpenWorkflowExecutions(io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest.newBuilder()
                    .setNamespace("default").setMaximumPageSize(10).build());
            var sb = new StringBuilder("open workflows on the server:");
            for (var w : list.getExecutionsList()) {
                var d = stubs.blockingStub().describeWorkflowExecution(io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                        .setNamespace("default").setExecution(w.getExecution()).build());
                sb.append("\n  ").append(w.getExecution().getWorkflowId()).append(" history ").append(d.getWorkflowExecutionInfo().getHistoryLength())
                        .append(" events, workflow task ").append(d.hasPendingWorkflowTask() ? d.getPendingWorkflowTask().getState() : "none")
                        .append(", ").append(d.getPendingActivitiesCount()).append(" activities pending:");
                for (var a : d.getPendingActivitiesList()) {
                    sb.append("\n    ").append(a.getState()).append(" attempt ").append(a.getAttempt()).append(" worker ").append(a.getLastWorkerIdentity())
                            .append(" last heartbeat ").append(a.getLastHeartbeatTime().getSeconds());
                }
            }
            for (var w : list.getExecutionsList()) { // what a query gets now, and the history's last events
                var client = io.temporal.client.WorkflowClient.newInstance(stubs);
                try {
                    var p = client.newWorkflowStub(ai.apprentice.temporal.eval.EvalWorkflow.class, w.getExecution().getWorkflowId()).progress(0);
                    sb.append("\n  query: generation ").append(p.generation()).append(", ").append(p.total()).append(" results, finished ")
                            .append(p.finished()).append(", failure ").append(p.failure());
                } catch (RuntimeException e) {
                    sb.append("\n  query failed: ").append(e).append(" <- ").append(e.getCause());
                }
                var history = stubs.blockingStub().getWorkflowExecutionHistory(io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest.newBuilder()
                        .setNamespace("default").setExecution(w.getExecution()).setMaximumPageSize(1000).build()).getHistory().getEventsList();
                sb.append("\n  last events:");
                for (var ev : history.subList(Math.max(0, history.size() - 12), history.size())) sb.append(' ').append(ev.getEventType().name().replace("EVENT_TYPE_", ""));
            }
            sb.append("\nthreads of the client:");
            for (var t : Thread.getAllStackTraces().entrySet()) {
                var frames = java.util.Arrays.stream(t.getValue()).map(StackTraceElement::toString).toList();
                if (frames.stream().anyMatch(f -> f.contains("TemporalTrialExecutor"))) {
                    sb.append("\n  ").append(t.getKey().getName()).append(": ").append(String.join("\n    ", frames.subList(0, Math.min(25, frames.size()))));
                }
            }
            return sb.toString();
        } catch (RuntimeException e) {
            return "(the server could not be asked: " + e + ")";
        } finally {
            stubs.shutdownNow();
        }
    }

    /** The names of the results the workers have kept so far, of any evaluation. */
    private static List<String> kept(List<Path> homes) throws IOException {
        var out = new ArrayList<String>();
        for (var h : homes) {
            var evals = h.resolve("evals");
            if (!Files.isDirectory(evals)) continue;
            try (var s = Files.list(evals)) {
                for (var e : s.toList()) out.addAll(names(e.resolve("engine")));
            }
        }
        return out;
    }

    private static List<String> keptFiles(List<Path> homes, String evalId) throws IOException {
        var out = new ArrayList<String>();
        for (var h : homes) out.addAll(names(h.resolve("evals").resolve(evalId).resolve("engine")));
        return out;
    }

    private static List<String> names(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) return List.of();
        try (var s = Files.list(folder)) {
            return s.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".json")).toList();
        }
    }

    /** Each trial's reward, actions and explanation, by task and trial. */
    private static List<String> byTrial(Path folder) throws IOException {
        return TrialResult.readAll(folder).stream().sorted(Comparator.comparing(TrialResult::taskId).thenComparing(TrialResult::trial))
                .map(r -> r.taskId() + "#" + r.trial() + " " + r.reward() + " " + r.actions() + " " + r.explanation()).toList();
    }
}
