package ai.apprentice.temporal.run;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One run as a Temporal workflow: the loop's control flow, with the model call and each tool call as activities
 * ({@link RunActivities}). Approvals and feedback are signals, the status a query, cancellation Temporal's own.
 */
@WorkflowInterface
public interface RunWorkflow {
    @WorkflowMethod
    RunOutcome run(RunInput input);

    /** Answers the approval {@code id} ({@code STEP:INDEX}) the run waits for; an answer to nothing pending is ignored. */
    @SignalMethod
    void approve(String id, Answer answer);

    /** A person's feedback on the run (good or bad, a note), recorded in the run store as a feedback event. */
    @SignalMethod
    void feedback(String rating, String note, String author);

    @QueryMethod
    RunView status();
}
