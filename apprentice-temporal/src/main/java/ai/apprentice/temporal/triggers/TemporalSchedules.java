package ai.apprentice.temporal.triggers;

import ai.apprentice.channels.triggers.Triggers;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.worker.Worker;
import java.time.Instant;
import java.util.List;

/**
 * The triggers' schedules on Temporal (issue 19, item 4): one workflow per schedule definition, with a fixed id, so
 * however many servers sync it the cluster has one timer, and a fire happens once. Each server runs a worker on the
 * same task queue for the activities; whichever takes a fire claims it in the trigger store as the ticker would.
 */
public final class TemporalSchedules implements Triggers.ScheduleEngine {
    /** The task queue of the schedules' workflows and activities: each server polls it (workers of runs do not). */
    public static final String TASK_QUEUE = "apprentice-schedules";
    private final WorkflowClient client;
    private final String taskQueue;
    private final String scope;

    /**
     * {@code scope} tells apart the servers that share a trigger store (the same PostgreSQL, or the same home): all
     * servers of one scope share the timers; {@code taskQueue} is where their workers poll for the activities.
     */
    public TemporalSchedules(WorkflowClient client, String taskQueue, String scope) {
        this.client = client;
        this.taskQueue = taskQueue;
        this.scope = scope;
    }

    /**
     * The scope of servers that share the store at {@code storeLocation} (a PostgreSQL URL without its password, or a
     * SQLite file): a short hash, so that it fits a workflow id and says nothing about where the store is.
     */
    public static String scope(String storeLocation) {
        try {
            var digest = java.security.MessageDigest.getInstance("SHA-256").digest(storeLocation.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Registers the schedule workflow and this server's activities on {@code worker} (one per server process). */
    public static void register(Worker worker, Triggers triggers) {
        worker.registerWorkflowImplementationTypes(ScheduleWorkflowImpl.class);
        worker.registerActivitiesImplementations(new ScheduleActivities() {
            @Override
            public long nextDue(String name, String definition, long afterMillis) {
                return triggers.nextDue(name, definition, Instant.ofEpochMilli(afterMillis)).map(Instant::toEpochMilli).orElse(-1L);
            }

            @Override
            public String fire(String name, String definition, long dueMillis) {
                return triggers.fireDue(name, definition, Instant.ofEpochMilli(dueMillis)).name();
            }
        });
    }

    /** The workflow id of a schedule definition: the same on every server of the scope. */
    String workflowId(Triggers.ScheduleRef ref) {
        return "apprentice-schedule-" + scope + "-" + ref.name() + "-" + ref.definition();
    }

    @Override
    public void sync(List<Triggers.ScheduleRef> schedules) {
        for (var ref : schedules) {
            var stub = client.newWorkflowStub(ScheduleWorkflow.class, WorkflowOptions.newBuilder()
                    .setWorkflowId(workflowId(ref))
                    .setTaskQueue(taskQueue)
                    // a timer that ended (its trigger was removed, then added again as it was) may start again
                    .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                    .build());
            try {
                WorkflowClient.start(stub::keepTime, new ScheduleWorkflow.Spec(ref.name(), ref.definition()));
            } catch (WorkflowExecutionAlreadyStarted e) {
                // another server (or an earlier start of this one) keeps time for it already: that is the point
            }
        }
    }
}
