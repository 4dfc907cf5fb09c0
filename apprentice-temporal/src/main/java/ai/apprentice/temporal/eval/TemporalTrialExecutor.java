package ai.apprentice.temporal.eval;

import ai.apprentice.eval.TrialExecutor;
import ai.apprentice.eval.TrialResult;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs an evaluation's trials on Temporal workers: starts (or, when it is still running, joins) the {@link EvalWorkflow}
 * whose id is the evaluation's id, and hands over each result as the workflow reports it. Interrupting the client
 * stops nothing on the workers; resuming the evaluation joins the same workflow and collects what finished meanwhile.
 */
public final class TemporalTrialExecutor implements TrialExecutor {
    /** How the client asks for news: queries cost the server a replay at most, and never touch the history. */
    static final Duration POLL = Duration.ofMillis(200);

    /**
     * @param taskQueue        the queue the workers poll
     * @param heartbeatSeconds how long a worker may be silent before its trial goes to another (0: 60 s)
     * @param perRun           trials per workflow run before it continues as new (0: the workflow's default)
     */
    public record Options(String taskQueue, int heartbeatSeconds, int perRun) {
        public static Options of(String taskQueue) {
            return new Options(taskQueue, 0, 0);
        }
    }

    private final WorkflowClient client;
    private final String evalId;
    private final String meta;
    private final Options options;

    public TemporalTrialExecutor(WorkflowClient client, String evalId, String meta, Options options) {
        this.client = client;
        this.evalId = evalId;
        this.meta = meta;
        this.options = options;
    }

    @Override
    public void execute(List<Spec> trials, int concurrency, Consumer<TrialResult> finished) throws InterruptedException {
        if (trials.isEmpty()) return;
        var input = new EvalWorkflow.Input(evalId, meta, trials.stream().map(s -> new EvalWorkflow.Trial(s.task(), s.trial(), s.seed())).toList(),
                Math.max(1, concurrency), options.perRun(), options.heartbeatSeconds(), 0, 0);
        var workflow = client.newWorkflowStub(EvalWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(evalId)
                .setTaskQueue(options.taskQueue())
                // A finished or failed evaluation of this id may be started again (resume after a failure); a running one is joined.
                .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
        try {
            WorkflowClient.start(workflow::run, input);
        } catch (WorkflowExecutionAlreadyStarted running) {
            // resume: the workflow of this evaluation is still at work (or waiting for us to collect)
        }
        collect(finished);
    }

    /** Polls the workflow (through every continue-as-new) until it has ended, handing over each result once. */
    private void collect(Consumer<TrialResult> finished) throws InterruptedException {
        var tracker = client.newWorkflowStub(EvalWorkflow.class, evalId);
        int generation = -1;
        int from = 0;
        while (true) {
            EvalWorkflow.Progress progress;
            try {
                progress = tracker.progress(from);
                if (progress.generation() != generation) {
                    // A new run (or the first look): its results start at 0. The run before ended only once we had all of its.
                    if (from > 0) progress = tracker.progress(0);
                    generation = progress.generation();
                    from = 0;
                }
            } catch (io.temporal.client.WorkflowException unanswered) { // not answered (WorkflowServiceException), or answered with a failure while a worker replays (WorkflowQueryException)
                // No worker answered the query in time: the one that held the workflow died (a query goes to the
                // worker that has the workflow cached), or none is up right now. The workflow lives on in the server
                // and another worker takes it over; only its end (or a failure, thrown here) stops the wait. A workflow
                // that only waits for this client's signal would never move on its own, and a server that still sends
                // queries to the dead worker's queue (Temporal's test server does) would never answer: a signal that
                // changes nothing (collected(0)) makes a workflow task, which leaves the dead queue once it times out
                // there. A completed workflow has handed over every result, since each run ends only once the client
                // has collected all of it.
                try {
                    tracker.collected(0);
                } catch (RuntimeException closed) {
                    // ended meanwhile, or the server is busy: asked below
                }
                if (ended()) return;
                Thread.sleep(POLL.toMillis());
                continue;
            }
            for (var r : progress.results()) finished.accept(r);
            from += progress.results().size();
            if (!progress.results().isEmpty() || progress.finished()) {
                try {
                    tracker.collected(from);
                } catch (RuntimeException closed) {
                    // the run ended between the query and the signal: the next query finds the next run or the end
                }
            }
            if (progress.finished() && from >= progress.total()) {
                if (ended()) return;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** Whether the evaluation's workflow is over (true), or has continued as new (false); its failure is thrown. */
    private boolean ended() {
        var stub = client.newUntypedWorkflowStub(evalId);
        var status = client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
                io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                        .setNamespace(client.getOptions().getNamespace())
                        .setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(evalId).build())
                        .build()).getWorkflowExecutionInfo().getStatus();
        switch (status) {
            case WORKFLOW_EXECUTION_STATUS_RUNNING, WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW -> { return false; }
            case WORKFLOW_EXECUTION_STATUS_COMPLETED -> { return true; }
            default -> {
                try {
                    stub.getResult(Integer.class);
                } catch (WorkflowFailedException e) {
                    var cause = e.getCause();
                    throw new IllegalStateException("the evaluation " + evalId + " failed on Temporal: "
                            + (cause instanceof ApplicationFailure a ? a.getOriginalMessage() : String.valueOf(cause)), e);
                }
                throw new IllegalStateException("the evaluation " + evalId + " ended on Temporal as " + status);
            }
        }
    }
}
