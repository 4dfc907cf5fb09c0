package ai.apprentice.temporal.eval;

import ai.apprentice.eval.TrialResult;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** See {@link EvalWorkflow}. Workflow code: deterministic, no I/O, no clocks but Temporal's. */
public final class EvalWorkflowImpl implements EvalWorkflow {
    /** Trials per run unless the input says otherwise: about 6 history events each, so ~3,000 events a run. */
    static final int DEFAULT_PER_RUN = 500;
    /**
     * What one run's history may hold in trial requests and results: far below Temporal's 10 MB warning (its limit is
     * 50 MB). Every request repeats the evaluation's meta, so a long {@code --instructions} means fewer trials a run.
     */
    static final long RUN_BYTES = 4_000_000;
    /** A request's and a result's size besides the meta (ids, numbers, a reward explanation). */
    static final long TRIAL_BYTES = 2_000;

    private final List<TrialResult> results = new ArrayList<>();
    private int collected;
    private int running;
    private int generation;
    private boolean finished;
    private String failure;

    @Override
    public int run(Input in) {
        generation = in.generation();
        var activities = Workflow.newActivityStub(TrialActivities.class, activityOptions(in.heartbeatSeconds()));
        int perRun = perRun(in);
        int limit = Math.max(1, in.inFlight());
        var pending = new ArrayDeque<>(in.trials());
        int started = 0;
        while (!pending.isEmpty() && started < perRun && failure == null && !Workflow.getInfo().isContinueAsNewSuggested()) {
            Workflow.await(() -> running < limit || failure != null);
            if (failure != null) break;
            var t = pending.poll();
            running++;
            started++;
            Async.function(activities::run, new TrialActivities.Request(in.evalId(), in.meta(), t.task(), t.trial(), t.seed()))
                    .handle((result, error) -> {
                        running--;
                        if (error == null) {
                            results.add(result);
                        } else if (failure == null) {
                            // Retries are spent (or the worker cannot run this evaluation at all): stop starting trials,
                            // let the running ones finish and be collected, then fail with the reason.
                            failure = "task " + t.task() + " trial " + t.trial() + ": " + reason(error);
                        }
                        return null;
                    });
        }
        Workflow.await(() -> running == 0);
        finished = true;
        // The results of this run live only in its history: the client must have them before the run ends.
        Workflow.await(() -> collected >= results.size());
        if (failure != null) throw ApplicationFailure.newNonRetryableFailure(failure, "EvalFailed");
        int done = in.done() + results.size();
        if (!pending.isEmpty()) {
            Workflow.continueAsNew(new Input(in.evalId(), in.meta(), new ArrayList<>(pending), in.inFlight(), in.perRun(),
                    in.heartbeatSeconds(), generation + 1, done));
        }
        return done;
    }

    @Override
    public Progress progress(int from) {
        int start = Math.max(0, Math.min(from, results.size()));
        return new Progress(generation, List.copyOf(results.subList(start, results.size())), results.size(), finished, failure);
    }

    @Override
    public void collected(int count) {
        collected = Math.max(collected, count);
    }

    static int perRun(Input in) {
        int byBytes = (int) Math.max(20, RUN_BYTES / (in.meta().length() + TRIAL_BYTES));
        return Math.min(in.perRun() > 0 ? in.perRun() : DEFAULT_PER_RUN, byBytes);
    }

    /**
     * Start-to-close 2 hours: an agent's trial on a slow model can take many minutes, and one that runs past two hours
     * is stuck. Heartbeats (every third of the timeout, from the worker) tell a live worker from a dead one sooner: a
     * SIGKILLed worker's trial goes to another worker once {@code heartbeatSeconds} pass without one. No
     * schedule-to-start limit: trials wait for a free worker slot as long as it takes. Retries: from 1 s, doubling to
     * 30 s, 10 attempts in all; an evaluation the workers cannot build ({@code EvalSetup}: unknown environment, missing
     * data) is not retried.
     */
    static ActivityOptions activityOptions(int heartbeatSeconds) {
        return ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofHours(2))
                .setHeartbeatTimeout(Duration.ofSeconds(heartbeatSeconds > 0 ? heartbeatSeconds : 60))
                .setRetryOptions(RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setBackoffCoefficient(2)
                        .setMaximumInterval(Duration.ofSeconds(30))
                        .setMaximumAttempts(10)
                        .setDoNotRetry(TrialActivitiesImpl.SETUP_FAILURE)
                        .build())
                .build();
    }

    private static String reason(Throwable error) {
        var cause = error instanceof ActivityFailure && error.getCause() != null ? error.getCause() : error;
        return cause instanceof ApplicationFailure a ? a.getOriginalMessage() : String.valueOf(cause.getMessage());
    }
}
