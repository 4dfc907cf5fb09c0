package ai.apprentice.bench;

import ai.apprentice.cli.CliContext;
import ai.apprentice.cli.Trees;
import ai.apprentice.cli.UsageException;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.EvalSetup;
import ai.apprentice.eval.TrialResult;
import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.temporal.TemporalConnection;
import ai.apprentice.temporal.eval.EvalWorkers;
import ai.apprentice.temporal.eval.TemporalTrialExecutor;
import ai.apprentice.temporal.run.RunInput;
import ai.apprentice.temporal.run.RunWorkers;
import ai.apprentice.temporal.run.RunWorkflow;
import io.temporal.client.WorkflowOptions;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.temporal.testserver.TestServer;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The same evaluation in process, on one Temporal worker and on three, each worker with the same number of slots (the
 * in-process run gets as many trials at once as one worker has slots). The agent's model is the scripted one with a fixed delay
 * on every call, so that a trial mostly waits, as it does on a real model; what is left is the engine's own cost. The
 * workers are worker factories in this process, each with its own slots, polling one task queue of Temporal's test
 * server on a loopback port (or of {@code --temporal-target}).
 */
@Command(name = "engine", description = "The same evaluation in process, on 1 Temporal worker and on 3 (each with --slots), against a scripted "
        + "model with a fixed delay per call; scores must match; engine overhead per trial and per model call.")
final class EngineBench implements Callable<Integer> {
    private final CliContext cli;
    @Option(names = "--env", defaultValue = "sql", description = "Built-in environment (default ${DEFAULT-VALUE}).") String env;
    @Option(names = "--tasks", defaultValue = "0-19", description = "Tasks (default ${DEFAULT-VALUE}).") String tasks;
    @Option(names = "-k", defaultValue = "3", description = "Trials per task (default ${DEFAULT-VALUE}).") int k;
    @Option(names = "--delay-ms", defaultValue = "200", description = "Delay of every model call (default ${DEFAULT-VALUE}).") int delayMs;
    @Option(names = "--slots", defaultValue = "4", description = "Trials at once per worker, and in process (default ${DEFAULT-VALUE}).") int slots;
    @Option(names = "--workers", defaultValue = "3", description = "Workers of the scaled-out measure (default ${DEFAULT-VALUE}).") int workers;
    @Option(names = "--run-steps", defaultValue = "10", description = "Steps (a tool call each) of the single run measured step by step (default ${DEFAULT-VALUE}).") int runSteps;
    @Option(names = "--repeat", defaultValue = "3", description = "Times the single run is measured each way; medians are reported (default ${DEFAULT-VALUE}).") int repeat;
    @Option(names = "--temporal-target", paramLabel = "HOST:PORT", description = "A Temporal frontend to use (default: the test server on a free loopback port).") String target;

    EngineBench(CliContext cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        if (k < 1 || delayMs < 0 || slots < 1 || workers < 2 || runSteps < 1 || repeat < 1) throw new UsageException("-k and --slots must be at least 1, --workers at least 2, --delay-ms not negative");
        var tmp = Files.createTempDirectory("apprentice-bench-engine");
        var quiet = new PrintStream(OutputStream.nullOutputStream());
        TestServer.PortBoundTestServer server = null;
        try {
            var ws = Files.createDirectories(tmp.resolve("workspace"));
            String delay = "\"delay_ms\": " + delayMs + ", ";
            Files.writeString(ws.resolve("agent.jsonl"), "{" + delay + "\"text\": \"Let me look.\", \"tool_calls\": [{\"name\": \"list_tables\", \"arguments\": {}}]}\n"
                    + "{" + delay + "\"text\": \"Done.\"}\n");
            if (target == null) {
                int port;
                try (var s = new ServerSocket(0)) {
                    port = s.getLocalPort();
                }
                server = TestServer.createPortBoundServer(port);
                target = "127.0.0.1:" + port;
            }
            try (var harness = Harness.builder().home(tmp.resolve("home")).env(Map.of("APPRENTICE_SANDBOX", "off")).err(quiet).interactive(false).build();
                 var temporal = TemporalConnection.connect(target, null, TemporalConnection.CONNECT)) {
                var meta = meta(ws, tasks, k);
                var warm = meta(ws, "0-3", 1).put("concurrency", slots);
                inProcess(harness, warm);
                onWorkers(harness, temporal, warm, 1);

                var local = inProcess(harness, meta);
                var one = onWorkers(harness, temporal, meta, 1);
                var many = onWorkers(harness, temporal, meta, workers);
                int trials = local.results.size();
                // the agent's model calls, as its runs recorded them (the built-in environments' users are scripted, not a model)
                double calls = local.results.stream().mapToLong(r -> harness.store().events(r.runId()).stream()
                        .filter(e -> e instanceof ai.apprentice.runtime.Event.UsageEvent).count()).average().orElse(1);
                boolean same = scores(local.results).equals(scores(one.results)) && scores(local.results).equals(scores(many.results));
                // One worker has as many slots as the in-process run: the time it takes beyond that is the engine's, spread over
                // the trials each slot ran one after the other.
                double perTrialMs = (one.seconds - local.seconds) * 1000 * slots / trials;
                var out = Json.object().put("benchmark", "engine_eval").put("env", env).put("trials", trials).put("slots_per_worker", slots)
                        .put("delay_ms_per_model_call", delayMs).put("model_calls_per_trial", round(calls))
                        .put("model", "scripted, " + delayMs + " ms per call").put("temporal", server != null ? "test server on " + target : target)
                        .put("cores", Runtime.getRuntime().availableProcessors()).put("scores_identical", same);
                out.set("in_process", local.json(trials));
                out.set("one_worker", one.json(trials));
                out.set(workers + "_workers", many.json(trials));
                out.put("one_worker_vs_in_process", round(local.seconds / one.seconds))
                        .put(workers + "_workers_vs_one", round(one.seconds / many.seconds))
                        .put("engine_overhead_ms_per_trial", round(perTrialMs))
                        .put("engine_overhead_ms_per_model_call", round(perTrialMs / calls));
                out.putObject("targets").put("one_worker_within_20pct_of_in_process", one.seconds <= local.seconds * 1.2)
                        .put(workers + "_workers_at_least_2_5x_one", one.seconds / many.seconds >= 2.5);
                out.set("run_step_by_step", stepByStep(harness, temporal, ws));
                cli.out().println(out.toPrettyString());
                return same ? 0 : 1;
            }
        } finally {
            if (server != null) server.close();
            Trees.deleteTree(tmp);
        }
    }

    private record Measure(double seconds, List<TrialResult> results) {
        ObjectNode json(int trials) {
            return Json.object().put("seconds", round(seconds)).put("trials_per_second", round(trials / seconds))
                    .put("mean_trial_ms", round(results.stream().mapToDouble(TrialResult::wallMs).average().orElse(0)));
        }
    }

    private ObjectNode meta(Path ws, String taskSpec, int trialsPerTask) {
        var meta = Json.object().put("env", env).put("split", "test").put("tasks", taskSpec).put("agent", "")
                .put("model", "scripted:" + ws.resolve("agent.jsonl")).put("user_model", "")
                .put("k", trialsPerTask).put("seed", 7).put("data", "").put("skills", false).put("memory", false).put("workspace", ws.toString());
        meta.putObject("flags").put("memory", "off").put("approve", "auto");
        return meta;
    }

    private static Path folder(Harness harness, ObjectNode meta, String id) throws java.io.IOException {
        var folder = Files.createDirectories(harness.home().resolve("evals").resolve(id));
        Files.writeString(folder.resolve("meta.json"), meta.toPrettyString());
        return folder;
    }

    private Measure inProcess(Harness harness, ObjectNode meta) throws Exception {
        var environment = EvalSetup.environment(harness, meta);
        var runner = new EvalRunner(environment, "test", EvalSetup.policy(harness, meta, environment.name()), EvalSetup.users(harness, meta, environment),
                folder(harness, meta, "eval-" + RunIds.next()), harness.store());
        long t0 = System.nanoTime();
        var results = runner.run(EvalSetup.tasks(meta, environment), meta.path("k").asInt(), slots, meta.path("seed").asLong(), null);
        return new Measure((System.nanoTime() - t0) / 1e9, results);
    }

    /** The evaluation on {@code n} workers of {@link #slots} each, polling a task queue of their own. */
    private Measure onWorkers(Harness harness, TemporalConnection temporal, ObjectNode meta, int n) throws Exception {
        var queue = "bench-engine-" + RunIds.next();
        var factories = new ArrayList<WorkerFactory>();
        try {
            for (int i = 0; i < n; i++) {
                var factory = WorkerFactory.newInstance(temporal.client());
                EvalWorkers.register(factory.newWorker(queue, WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(slots).build()), harness);
                factory.start();
                factories.add(factory);
            }
            var environment = EvalSetup.environment(harness, meta);
            var id = "eval-" + RunIds.next();
            var runner = new EvalRunner(environment, "test", folder(harness, meta, id),
                    new TemporalTrialExecutor(temporal.client(), id, meta.toString(), TemporalTrialExecutor.Options.of(queue)));
            long t0 = System.nanoTime();
            // Twice the workers' slots in flight: a slot that frees takes the next trial from the task queue at once, instead of
            // waiting for the workflow to hear of the finished one and schedule another. The slots still bound what runs.
            var results = runner.run(EvalSetup.tasks(meta, environment), meta.path("k").asInt(), 2 * n * slots, meta.path("seed").asLong(), null);
            return new Measure((System.nanoTime() - t0) / 1e9, results);
        } finally {
            for (var f : factories) f.shutdownNow();
            for (var f : factories) f.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * One run of {@link #runSteps} tool calls and an answer, in process ({@code Session.start}) and as a run workflow on
     * one worker (each model call and each tool call an activity, every event through the run store): the engine's cost
     * per step of the agent loop, which is what a long run on {@code serve --engine temporal} pays.
     */
    private ObjectNode stepByStep(Harness harness, TemporalConnection temporal, Path ws) throws Exception {
        var script = new StringBuilder();
        for (int i = 0; i < runSteps; i++) {
            script.append("{\"delay_ms\": ").append(delayMs).append(", \"tool_calls\": [{\"name\": \"list_files\", \"arguments\": {\"pattern\": \"*\"}}]}\n");
        }
        script.append("{\"delay_ms\": ").append(delayMs).append(", \"text\": \"done\"}\n");
        Files.writeString(ws.resolve("steps.jsonl"), script);
        var flags = Map.<String, Object>of("model", "scripted:" + ws.resolve("steps.jsonl"), "memory", "off", "approve", "auto",
                "max_steps", runSteps + 2);
        var queue = "bench-runs-" + RunIds.next();
        var factory = WorkerFactory.newInstance(temporal.client());
        RunWorkers.register(factory.newWorker(queue, WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(slots).build()), harness);
        factory.start();
        var local = new ArrayList<Double>();
        var engine = new ArrayList<Double>();
        try {
            for (int i = 0; i <= repeat; i++) { // the first of each is a warm-up, not counted
                long t0 = System.nanoTime();
                var result = harness.session(ws, flags).start("list the files again and again").await();
                if (!result.status().name().equals("SUCCEEDED")) throw new IllegalStateException("the in-process run ended " + result.status());
                if (i > 0) local.add((System.nanoTime() - t0) / 1e9);
                var runId = RunIds.next();
                var workflow = temporal.client().newWorkflowStub(RunWorkflow.class, WorkflowOptions.newBuilder()
                        .setTaskQueue(queue).setWorkflowId(RunInput.workflowId(runId)).build());
                t0 = System.nanoTime();
                workflow.run(new RunInput(runId, "list the files again and again", ws.toString(), flags, null, 1, RunInput.DEFAULT_STEPS_PER_EXECUTION));
                if (i > 0) engine.add((System.nanoTime() - t0) / 1e9);
                var last = harness.store().events(runId);
                if (last.isEmpty() || !(last.getLast() instanceof ai.apprentice.runtime.Event.RunFinished)) {
                    throw new IllegalStateException("the run on the engine did not finish: " + (last.isEmpty() ? "no events" : last.getLast()));
                }
            }
        } finally {
            factory.shutdownNow();
            factory.awaitTermination(10, TimeUnit.SECONDS);
        }
        double a = BenchCommand.median(local);
        double b = BenchCommand.median(engine);
        int steps = runSteps + 1;
        return Json.object().put("steps", steps).put("tool_calls", runSteps).put("repeat", repeat)
                .put("in_process_seconds", round(a)).put("on_engine_seconds", round(b))
                .put("engine_overhead_ms_per_step", round((b - a) * 1000 / steps))
                .put("on_engine_vs_in_process", round(a / b));
    }

    private static List<String> scores(List<TrialResult> results) {
        return results.stream().sorted(Comparator.comparing(TrialResult::taskId).thenComparingInt(TrialResult::trial))
                .map(r -> r.taskId() + "#" + r.trial() + "=" + r.reward()).toList();
    }

    private static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }
}
