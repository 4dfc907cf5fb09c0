package ai.apprentice.cli;

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

    WorkerCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
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
        }
        return 0;
    }
}
