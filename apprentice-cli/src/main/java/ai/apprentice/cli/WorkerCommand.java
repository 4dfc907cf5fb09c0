package ai.apprentice.cli;

<<<<<<< HEAD
import ai.apprentice.temporal.eval.EvalWorkers;
import ai.apprentice.temporal.eval.TemporalTarget;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "worker", description = {"Carry out work from a Temporal task queue until stopped: the trials of 'eval --engine temporal'.",
        "Agents are built with this machine's settings, keys and home; start as many workers as you like."})
final class WorkerCommand implements Callable<Integer> {
    private final Cli cli;

    @Option(names = "--temporal-target", required = true, paramLabel = "HOST:PORT", description = "The Temporal frontend, e.g. localhost:7233.") String target;
    @Option(names = "--namespace", defaultValue = TemporalTarget.DEFAULT_NAMESPACE, paramLabel = "N", description = "Temporal namespace (default ${DEFAULT-VALUE}).") String namespace;
    @Option(names = "--task-queue", defaultValue = TemporalTarget.DEFAULT_TASK_QUEUE, paramLabel = "Q", description = "Task queue to poll (default ${DEFAULT-VALUE}).") String taskQueue;
    @Option(names = "--slots", defaultValue = "4", paramLabel = "N", description = "Trials at once on this worker (default ${DEFAULT-VALUE}).") int slots;
=======
import ai.apprentice.harness.Harness;
import ai.apprentice.temporal.run.RunWorkers;
import ai.apprentice.temporal.run.TemporalConnection;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "worker", description = "Carry out runs from a Temporal task queue (the runs of apprentice serve --engine temporal).",
        footer = {"", "Each worker uses its own configuration and store setting: point every worker and the server at one store",
                "(store: postgresql://...) so that they read and write the same runs.",
                "Examples:", "  apprentice worker --temporal-target 127.0.0.1:7233",
                "  apprentice worker --temporal-target temporal.internal:7233 --namespace agents --slots 8"})
final class WorkerCommand implements Callable<Integer> {
    private final Cli cli;

    @Option(names = "--temporal-target", required = true, paramLabel = "HOST:PORT", description = "The Temporal service.") String target;
    @Option(names = "--namespace", paramLabel = "N", description = "The Temporal namespace (default: default).") String namespace;
    @Option(names = "--slots", defaultValue = "4", paramLabel = "N", description = "Parts of runs (model and tool calls) carried out at once (default ${DEFAULT-VALUE}).") int slots;
>>>>>>> h-trun

    WorkerCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
<<<<<<< HEAD
    public Integer call() throws InterruptedException {
        if (slots < 1) throw new UsageException("--slots must be at least 1, got " + slots);
        io.temporal.client.WorkflowClient client;
        try {
            client = TemporalTarget.connect(target, namespace);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
        var factory = WorkerFactory.newInstance(client);
        var worker = factory.newWorker(taskQueue, WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(slots).build());
        EvalWorkers.register(worker, cli.harness());
        factory.start();
        cli.err.println("worker ready: Temporal " + target + ", namespace " + namespace + ", task queue " + taskQueue + ", " + slots
                + " slots; stop with Ctrl-C");
        cli.err.flush();
        try {
            new CountDownLatch(1).await(); // until interrupted; a killed worker's trials go to others after a heartbeat timeout
        } finally {
            factory.shutdown();
            factory.awaitTermination(10, TimeUnit.SECONDS);
            client.getWorkflowServiceStubs().shutdown();
=======
    public Integer call() throws Exception {
        if (slots < 1) throw new UsageException("--slots must be at least 1, got " + slots);
        TemporalConnection connection;
        try {
            connection = TemporalConnection.connect(target, namespace, Duration.ofSeconds(10));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
        // nobody answers prompts at a worker's terminal: ask-mode approvals arrive as the workflows' signals
        try (connection; var harness = Harness.builder().env(cli.env).err(cli.err).interactive(false).build()) {
            var factory = WorkerFactory.newInstance(connection.client());
            var worker = factory.newWorker(RunWorkers.TASK_QUEUE, WorkerOptions.newBuilder()
                    .setMaxConcurrentActivityExecutionSize(slots).build());
            RunWorkers.register(worker, harness);
            factory.start();
            var stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // parts in flight are given a moment; an unfinished one is retried by another worker
                factory.shutdown();
                factory.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
                stopped.countDown();
            }, "apprentice-worker-stop"));
            cli.err.println("apprentice worker on " + target + " (task queue " + RunWorkers.TASK_QUEUE + ", " + slots + " slots, store "
                    + harness.store().location() + ")");
            stopped.await();
>>>>>>> h-trun
        }
        return 0;
    }
}
