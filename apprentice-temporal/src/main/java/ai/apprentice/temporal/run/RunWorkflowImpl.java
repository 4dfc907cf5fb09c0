package ai.apprentice.temporal.run;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The loop's control flow, and nothing else: which part comes next. Messages and tool results stay in the run store;
 * the history holds the activities' small inputs and outputs (ids, step numbers, counts), so a 100-call run with large
 * tool results stays far below Temporal's limits. Deterministic, as workflow code must be: no clock, no I/O.
 */
public final class RunWorkflowImpl implements RunWorkflow {
    /** The subject a call asked about again after a crash has (PolicyGate.recheck): an "always" to it counts once. */
    static final String AGAIN = "again after a crash: ";

    private final RunActivities parts = Workflow.newActivityStub(RunActivities.class, ActivityOptions.newBuilder()
            // a model call or a tool may take long; a dead worker is noticed by the timeout, then the part is retried
            .setStartToCloseTimeout(Duration.ofMinutes(30))
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
            .build());

    private final Map<String, Answer> answers = new HashMap<>();
    /** The run's input, with the "always" answers given so far (each part's gate is told them; continue-as-new keeps them). */
    private RunInput input;
    private String runId;
    private int step;
    private String state = "starting";
    private Approval waitingFor;
    private final java.util.ArrayList<RunView.Settled> settled = new java.util.ArrayList<>();

    @Override
    public RunOutcome run(RunInput given) {
        runId = given.runId();
        input = given;
        try {
            if (input.nextStep() == 1) parts.begin(input);
            for (step = input.nextStep(); ; step++) {
                if (step - input.nextStep() >= input.stepsPerExecution()) {
                    state = "continuing";
                    Workflow.continueAsNew(input.from(step)); // does not return
                }
                state = "model";
                var reply = parts.model(input, step);
                if (reply.ended() != null) return ended(reply.ended());
                RunActivities.ToolOutcome last = null;
                for (int i = 0; i < reply.toolCalls(); i++) last = callTool(i, i == reply.toolCalls() - 1);
                RunOutcome end;
                if (last != null && last.completed()) {
                    end = last.ended(); // the last call completed the step
                } else {
                    state = "completing";
                    end = parts.complete(input, step);
                }
                if (end != null) return ended(end);
            }
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

    private RunActivities.ToolOutcome callTool(int index, boolean last) {
        Answer answer = null;
        while (true) {
            state = "tool";
            var outcome = parts.tool(input, step, index, answer, last);
            if (outcome.waitingFor() == null) return outcome;
            var timeout = input.approvalTimeout();
            waitingFor = outcome.waitingFor().waiting(Workflow.currentTimeMillis(), timeout.toMillis());
            state = "waiting_for_approval";
            var id = waitingFor.id();
            boolean answered = Workflow.await(timeout, () -> answers.containsKey(id));
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
        io.temporal.workflow.Async.procedure(parts::feedback, runId, rating, note, author);
    }

    @Override
    public RunView status() {
        return new RunView(runId, step, state, waitingFor, settled);
    }
}
