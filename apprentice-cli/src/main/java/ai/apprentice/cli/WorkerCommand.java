package ai.apprentice.cli;

import ai.apprentice.harness.Harness;
import ai.apprentice.temporal.eval.EvalWorkers;
import ai.apprentice.temporal.TemporalConnection;
import ai.apprentice.temporal.run.RunWorkers;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "worker", description = {"Carry out work from Temporal task queues until stopped: the runs of 'serve --engine temporal'",
        "(task queue " + RunWorkers.TASK_QUEUE + ") and the trials of 'eval --engine temporal' (--task-queue)."},
        footer = {"", "Each worker uses its own configuration and store setting: point every worker and the server at one store",
                "(store: postgresql://...) so that they read and write the same runs.",
                "Examples:", "  apprentice worker --temporal-target 127.0.0.1:7233",
                "  apprentice worker --temporal-target temporal.internal:7233 --namespace agents --slots 8",
                "  TEMPORAL_API_KEY=... apprentice worker --temporal-target us-east-1.aws.api.temporal.io:7233 --namespace my-ns.a1b2c (Temporal Cloud)"})
final class WorkerCommand implements Callable<Integer> {
    private final Cli cli;

    @Option(names = "--temporal-target", required = true, paramLabel = "HOST:PORT", description = "The Temporal frontend, e.g. localhost:7233.") String target;
    @Option(names = "--namespace", defaultValue = TemporalConnection.DEFAULT_NAMESPACE, paramLabel = "N", description = "Temporal namespace (default ${DEFAULT-VALUE}).") String namespace;
    @Option(names = "--task-queue", defaultValue = TemporalConnection.DEFAULT_TASK_QUEUE, paramLabel = "Q",
            description = "Task queue of evaluation trials (default ${DEFAULT-VALUE}); runs always come from " + RunWorkers.TASK_QUEUE + ".") String taskQueue;
    @picocli.CommandLine.Mixin TemporalTlsOptions tls = new TemporalTlsOptions();
    @Option(names = "--slots", defaultValue = "4", paramLabel = "N",
            description = "Trials, and parts of runs (model and tool calls), carried out at once (default ${DEFAULT-VALUE}).") int slots;
    @Option(names = "--sticky-seconds", defaultValue = "5", paramLabel = "S",
            description = {"How long a workflow's next task waits for this worker, which has the workflow in memory, before any worker",
                    "may take it (default ${DEFAULT-VALUE}). 0: no workflow is kept between its tasks (each task replays the history):",
                    "for a server that never moves a task off a dead worker's queue, as Temporal's test server."}) int stickySeconds;

    WorkerCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        if (slots < 1) throw new UsageException("--slots must be at least 1, got " + slots);
        if (stickySeconds < 0) throw new UsageException("--sticky-seconds must be 0 or more, got " + stickySeconds);
        TemporalConnection connection;
        var access = tls.access(cli.env);
        try {
            connection = TemporalConnection.connect(target, namespace, access, TemporalConnection.CONNECT);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
        // nobody answers prompts at a worker's terminal: ask-mode approvals arrive as the workflows' signals
        try (connection; var harness = Harness.builder().env(cli.env).err(cli.err).interactive(false).build()) {
            var factory = WorkerFactory.newInstance(connection.client());
            // A zero sticky timeout turns sticky execution off in the SDK: no task is bound to this process.
            var options = WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(slots)
                    .setStickyQueueScheduleToStartTimeout(java.time.Duration.ofSeconds(stickySeconds)).build();
            RunWorkers.register(factory.newWorker(RunWorkers.TASK_QUEUE, options), harness);
            EvalWorkers.register(factory.newWorker(taskQueue, options), harness);
            factory.start();
            var stopped = new CountDownLatch(1);
            var hook = new Thread(stopped::countDown, "apprentice-worker-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            cli.err.println("apprentice worker on " + target + ", namespace " + namespace + " (task queues " + RunWorkers.TASK_QUEUE + " and "
                    + taskQueue + ", " + slots + " slots, store " + harness.store().location() + "); stop with Ctrl-C");
            cli.err.flush();
            try {
                stopped.await(); // until SIGTERM / Ctrl-C, or this thread is interrupted
            } finally {
                // parts and trials in flight are given a moment; an unfinished one is retried by another worker
                factory.shutdown();
                factory.awaitTermination(10, TimeUnit.SECONDS);
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is what stopped us
                }
            }
        }
        return 0;
    }
}
