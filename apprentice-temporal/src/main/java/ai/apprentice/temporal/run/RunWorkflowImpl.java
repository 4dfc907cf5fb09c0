package ai.apprentice.temporal.run;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The loop's control flow, and nothing else: which part comes next. Messages and tool results stay in the run store;
 * the history holds the activities' small inputs and outputs (ids, step numbers, counts), so a 100-call run with large
 * tool results stays far below Temporal's limits. Deterministic, as workflow code must be: no clock but the workflow's,
 * no I/O. A run's {@code timeout} budget is a workflow timer, from the run's start (carried across continue-as-new in
 * {@link RunInput}), which every part and every wait for a person races: when it fires, the part in flight is cancelled
 * and the run ends as in process (failed, {@code timeout}).
 */
public final class RunWorkflowImpl implements RunWorkflow {
    /** The subject a call asked about again after a crash has (PolicyGate.recheck): an "always" to it counts once. */
    static final String AGAIN = "again after a crash: ";

    /**
     * How long one attempt of a part may take when the run has no {@code timeout} budget: a long {@code run_shell} (its
     * own timeout goes up to an hour) or a slow local model must not be cut and retried. A dead worker is not what this
     * bound is for: parts heartbeat every second, so the heartbeat timeout notices one within seconds.
     */
    static final Duration PART_BOUND = Duration.ofHours(24);
    /**
     * A run with a {@code timeout}: an attempt may take the whole budget and this much more, so that the workflow's
     * deadline, which cancels the part, always comes first and the part's own timeout never races it.
     */
    static final Duration PART_GRACE = Duration.ofMinutes(1);

    /** The longest one attempt of a part of {@code run} may take: its timeout budget (with {@link #PART_GRACE}), else {@link #PART_BOUND}. */
    static Duration partTimeout(RunInput run) {
        return run.timeoutMillis() > 0 ? Duration.ofMillis(run.timeoutMillis()).plus(PART_GRACE) : PART_BOUND;
    }

    static ActivityOptions partOptions(Duration startToClose) {
        return ActivityOptions.newBuilder()
                // what a part may legitimately take (partTimeout); a worker that dies is noticed by the heartbeat timeout
                .setStartToCloseTimeout(startToClose)
                // parts heartbeat every second: a worker that dies is noticed within seconds, and a cancellation reaches the part
                .setHeartbeatTimeout(Duration.ofSeconds(5))
                // a cancelled part is interrupted and has ended before the run is recorded as cancelled
                .setCancellationType(io.temporal.activity.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
                .setRetryOptions(RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setBackoffCoefficient(2)
                        .setMaximumInterval(Duration.ofMinutes(1))
                        .setMaximumAttempts(10)
                        // a mistake in the request (a part that does not exist, feedback without a rating): retrying cannot help
                        .setDoNotRetry(IllegalArgumentException.class.getName())
                        .build())
                .build();
    }

    /** Parts before the run's timeout is known (its beginning, feedback): bounded by {@link #PART_BOUND}. */
    private final RunActivities unbounded = Workflow.newActivityStub(RunActivities.class, partOptions(PART_BOUND));
    private RunActivities parts = unbounded;

    private final Map<String, Answer> answers = new HashMap<>();
    /** The run's input, with the "always" answers given so far (each part's gate is told them; continue-as-new keeps them). */
    private RunInput input;
    private String runId;
    private int step;
    private String state = "starting";
    private Approval waitingFor;
    private final java.util.ArrayList<RunView.Settled> settled = new java.util.ArrayList<>();

    /**
     * Fires when the run's {@code timeout} budget is spent (null: no timeout). One timer per execution, in a scope that
     * a cancellation of the workflow does not reach, so it only ever fires; every part races it.
     */
    private Promise<Void> deadline;

    /** The deadline passed during a part (which was stopped) or before it: the run ends as its timeout ends it in process. */
    private static final class TimedOut extends RuntimeException {
        /** The step the run was on, which the error event says. */
        final int step;

        TimedOut(int step) {
            super(null, null, false, false);
            this.step = step;
        }
    }

    @Override
    public RunOutcome run(RunInput given) {
        runId = given.runId();
        input = given;
        // workflows begun by a version without the deadline replay as they ran
        boolean keepsTime = Workflow.getVersion("run-timeout", Workflow.DEFAULT_VERSION, 1) >= 1;
        try {
            long now = Workflow.currentTimeMillis();
            if (input.nextStep() == 1) {
                var timeout = parts.begin(input);
                if (keepsTime) input = input.began(now, timeout == null ? 0 : timeout);
            } else if (keepsTime && !input.begun()) {
                // a resumed run: as in process, where a resumed loop starts its timeout again, it counts from now
                var timeout = parts.timeout(input);
                input = input.began(now, timeout == null ? 0 : timeout);
            }
            if (keepsTime && input.timeoutMillis() > 0) {
                startDeadline();
                // an attempt of a part may take as long as the run may (the deadline cancels it first), not more
                parts = Workflow.newActivityStub(RunActivities.class, partOptions(partTimeout(input)));
            }
            for (step = input.nextStep(); ; step++) {
                if (step - input.nextStep() >= input.stepsPerExecution()) {
                    state = "continuing";
                    Workflow.continueAsNew(input.from(step)); // does not return; the deadline goes with the input
                }
                // out of time between two steps: as the loop's check before a step, the error is of the last one done
                if (deadlinePassed()) throw new TimedOut(step - 1);
                state = "model";
                final var in = input;
                final int at = step;
                var reply = timed(() -> parts.model(in, at));
                if (reply.ended() != null) return ended(reply.ended());
                RunActivities.ToolOutcome last = null;
                for (int i = 0; i < reply.toolCalls(); i++) last = callTool(i, i == reply.toolCalls() - 1);
                RunOutcome end;
                if (last != null && last.completed()) {
                    end = last.ended(); // the last call completed the step
                } else {
                    state = "completing";
                    end = timed(() -> parts.complete(in, at));
                }
                if (end != null) return ended(end);
            }
        } catch (TimedOut t) {
            state = "timed_out";
            return ended(parts.timedOut(input, t.step));
        } catch (CanceledFailure | ActivityFailure e) {
            var canceled = e instanceof CanceledFailure c ? c : e.getCause() instanceof CanceledFailure c ? c : null;
            if (canceled != null) {
                // Cancelled from outside (the part in flight was stopped): the run is recorded as cancelled, in a
                // scope the cancellation does not reach, then the workflow ends as cancelled too.
                state = "cancelled";
                Workflow.newDetachedCancellationScope(() -> parts.stop(input, "cancelled", "cancelled", null)).run();
                throw canceled;
            }
            // A part failed past its retries (a store that stays down, a bug): the run fails, saying which part.
            state = "failed";
            var cause = e.getCause() == null ? e : e.getCause();
            return ended(parts.stop(input, "failed", "internal_error", "step " + step + ": " + cause.getMessage()));
        }
    }

    /** The deadline (workflow time) is at the run's start plus its timeout, however many executions ago it began. */
    private void startDeadline() {
        long left = input.startedAtMillis() + input.timeoutMillis() - Workflow.currentTimeMillis();
        Workflow.newDetachedCancellationScope(() -> {
            if (left > 0) {
                deadline = Workflow.newTimer(Duration.ofMillis(left));
            } else {
                var passed = Workflow.<Void>newPromise();
                passed.complete(null);
                deadline = passed;
            }
        }).run();
    }

    private boolean deadlinePassed() {
        return deadline != null && deadline.isCompleted();
    }

    /**
     * A part raced against the deadline. The part runs in its own cancellation scope: when the deadline passes first,
     * the scope is cancelled, which stops the activity in flight as a cancellation of the run does (its next heartbeat
     * learns it and interrupts the part), and the workflow waits until it has ended before the run is ended as timed out.
     */
    private <T> T timed(Functions.Func<T> part) {
        if (deadline == null) return part.apply();
        if (deadlinePassed()) throw new TimedOut(step);
        @SuppressWarnings("unchecked") Promise<T>[] running = new Promise[1];
        var scope = Workflow.newCancellationScope(() -> { running[0] = Async.function(part); });
        scope.run();
        var result = running[0];
        try {
            Promise.anyOf(result, deadline).get();
        } catch (RuntimeException failed) {
            // the part failed (or was cancelled from outside): result.get() below says how
        }
        if (result.isCompleted()) return result.get();
        scope.cancel();
        try {
            result.get(); // ends once the activity has stopped (WAIT_CANCELLATION_COMPLETED)
        } catch (ActivityFailure | CanceledFailure stopped) {
            // stopped as asked
        }
        throw new TimedOut(step);
    }

    private RunActivities.ToolOutcome callTool(int index, boolean last) {
        Answer answer = null;
        while (true) {
            state = "tool";
            final var given = answer;
            final var in = input;
            final int at = step;
            var outcome = timed(() -> parts.tool(in, at, index, given, last));
            if (outcome.waitingFor() == null) return outcome;
            var timeout = input.approvalTimeout();
            waitingFor = outcome.waitingFor().waiting(Workflow.currentTimeMillis(), timeout.toMillis());
            state = "waiting_for_approval";
            var id = waitingFor.id();
            // the wait counts towards the run's timeout, as in process, where the timeout stops a run waiting for a person
            boolean answered = Workflow.await(timeout, () -> answers.containsKey(id) || deadlinePassed());
            if (!answers.containsKey(id) && deadlinePassed()) {
                waitingFor = null;
                throw new TimedOut(step);
            }
            answer = answered ? answers.remove(id) : new Answer(false, "nobody answered within " + seconds(timeout), null, false, true);
            if (answer.allow() && answer.always() && !waitingFor.subject().startsWith(AGAIN)) {
                // as the in-process gate remembers an ALWAYS answer for its session: the rest of this run is told it
                input = input.allowingAlways(ai.apprentice.tools.PolicyGate.alwaysKey(waitingFor.tool(), waitingFor.subject()));
            }
            settled.add(new RunView.Settled(id, answer.allow(), answer.always(), answer.reason(), answer.by(), !answered));
            if (settled.size() > RunView.SETTLED_KEPT) settled.removeFirst();
            waitingFor = null;
        }
    }

    private static String seconds(java.time.Duration d) {
        return d.toSeconds() % 3600 == 0 ? d.toHours() + " h" : d.toSeconds() + " s";
    }

    private RunOutcome ended(RunOutcome outcome) {
        state = "finished";
        return outcome;
    }

    @Override
    public void approve(String id, Answer answer) {
        if (waitingFor != null && waitingFor.id().equals(id)) answers.put(id, answer);
    }

    @Override
    public void feedback(String rating, String note, String author) {
        // recorded by an activity (the workflow writes nothing itself), without blocking the handler
        io.temporal.workflow.Async.procedure(unbounded::feedback, runId, rating, note, author);
    }

    @Override
    public RunView status() {
        return new RunView(runId, step, state, waitingFor, settled);
    }
}
