package ai.apprentice.temporal.triggers;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/** The timer loop of {@link ScheduleWorkflow}; deterministic: only workflow time and activity results decide. */
public final class ScheduleWorkflowImpl implements ScheduleWorkflow {
    /** Fires per workflow run before it continues as new: the history stays a few hundred events long. */
    static final int FIRES_PER_RUN = 50;

    // A server may be down or restarting when the timer fires: the activity is retried (every 10 s at most, for as long
    // as it takes), and the fire itself decides, from how late it is, whether it still runs (the trigger's `missed`).
    private final ScheduleActivities servers = Workflow.newActivityStub(ScheduleActivities.class, ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofSeconds(30))
            .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofSeconds(1)).setMaximumInterval(Duration.ofSeconds(10)).build())
            .build());

    @Override
    public void keepTime(Spec spec) {
        for (int fires = 0; fires < FIRES_PER_RUN; fires++) {
            long now = Workflow.currentTimeMillis();
            long due = servers.nextDue(spec.name(), spec.definition(), now);
            if (due < 0) return; // removed or redefined: the new definition has a timer of its own
            if (due > now) Workflow.sleep(Duration.ofMillis(due - now));
            if (servers.fire(spec.name(), spec.definition(), due).equals("GONE")) return;
        }
        Workflow.continueAsNew(spec);
    }
}
