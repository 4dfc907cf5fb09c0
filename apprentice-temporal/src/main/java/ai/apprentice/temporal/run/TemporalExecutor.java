package ai.apprentice.temporal.run;

import ai.apprentice.runtime.RunLog;
import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.server.InProcessExecutor;
import ai.apprentice.server.RunExecutor;
import ai.apprentice.server.RunRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The server's runs as Temporal workflows ({@code apprentice serve --engine temporal}): a submitted run starts the
 * workflow {@code apprentice-run-ID} on the task queue, and workers anywhere carry it out. The workflows outlive this
 * process: a shutdown only stops watching them, and after a restart a run the server resumes is attached to its
 * still-running workflow instead of started twice. There is no queue here: the workers' slots are the queue.
 */
public final class TemporalExecutor implements RunExecutor {
    private final WorkflowClient client;
    private final String taskQueue;
    private final int stepsPerExecution;
    private final RunLog log;
    private final Function<RunRequest, Map<String, Object>> flags;
    private final InProcessExecutor.Finished finished;
    private final Map<String, WorkflowStub> held = new ConcurrentHashMap<>();
    private volatile boolean closing;

    public TemporalExecutor(WorkflowClient client, String taskQueue, int stepsPerExecution, RunLog log,
                            Function<RunRequest, Map<String, Object>> flags, InProcessExecutor.Finished finished) {
        this.client = client;
        this.taskQueue = taskQueue;
        this.stepsPerExecution = stepsPerExecution;
        this.log = log;
        this.flags = flags;
        this.finished = finished;
    }

    /** A factory for {@code ApprenticeServer.start}: runs on {@code client}'s namespace and the given queue. */
    public static RunExecutor.Factory factory(WorkflowClient client, String taskQueue, RunLog log) {
        return (flags, finished) -> new TemporalExecutor(client, taskQueue, RunInput.DEFAULT_STEPS_PER_EXECUTION, log, flags, finished);
    }

    @Override
    public void submit(RunRequest request) {
        if (closing) throw new IllegalStateException("the server is shutting down");
        if (request.conversationId() != null) {
            throw new IllegalStateException("conversations (a run continuing an earlier one's history) do not run on the temporal engine yet; "
                    + "start the server without --engine temporal for them");
        }
        if (held.containsKey(request.runId())) throw new IllegalStateException("run " + request.runId() + " is already held");
        int next = 1;
        if (request.kind() == RunRequest.Kind.RESUME) {
            var events = log.events(request.runId());
            if (!events.isEmpty()) next = RunSnapshot.fromEvents(events).completedSteps() + 1;
        }
        // the trace is chosen here, once: the run's parts are traced by whichever workers carry them out
        var input = new RunInput(request.runId(), request.task(), request.workspace().toString(), flags.apply(request), null, next,
                stepsPerExecution, ai.apprentice.harness.telemetry.RunTrace.start(java.time.Instant.now()));
        var workflow = client.newWorkflowStub(RunWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue(taskQueue).setWorkflowId(RunInput.workflowId(request.runId())).build());
        WorkflowStub stub;
        try {
            WorkflowClient.start(workflow::run, input);
            stub = WorkflowStub.fromTyped(workflow);
        } catch (WorkflowExecutionAlreadyStarted e) {
            // still running in the cluster (this server restarted): watch it, do not start it twice
            stub = client.newUntypedWorkflowStub(RunInput.workflowId(request.runId()));
        }
        held.put(request.runId(), stub);
        stub.getResultAsync(RunOutcome.class).whenComplete((outcome, failure) -> {
            held.remove(request.runId());
            if (!closing) finished.finished(request, true);
        });
    }

    @Override
    public boolean cancel(String runId) {
        var stub = held.get(runId);
        if (stub == null) return false;
        stub.cancel(); // the workflow stops the part in flight and records the run as cancelled
        return true;
    }

    @Override
    public Optional<State> state(String runId) {
        return held.containsKey(runId) ? Optional.of(State.RUNNING) : Optional.empty();
    }

    @Override
    public int queued() {
        return 0;
    }

    @Override
    public int running() {
        return held.size();
    }

    /** The workflows go on in the cluster; this process only stops watching them. */
    @Override
    public void shutdown(Duration grace) {
        closing = true;
        held.clear();
    }

    /** Sends an approval answer to a run's workflow (ask mode on the engine). */
    public void approve(String runId, String approvalId, Answer answer) {
        client.newWorkflowStub(RunWorkflow.class, RunInput.workflowId(runId)).approve(approvalId, answer);
    }
}
