package ai.apprentice.temporal.triggers;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One trigger's schedule as a durable timer: sleep until the next due time, fire, repeat. The cron arithmetic and the
 * fire itself are activities on the servers (the workflow holds only a name, a definition hash and times), so its
 * history grows by a few events per fire, and it continues as new every {@link ScheduleWorkflowImpl#FIRES_PER_RUN}.
 */
@WorkflowInterface
public interface ScheduleWorkflow {
    /** What the workflow keeps: the trigger's name, its definition's hash, and how many fires this run made. */
    record Spec(String name, String definition) {}

    @WorkflowMethod
    void keepTime(Spec spec);
}
