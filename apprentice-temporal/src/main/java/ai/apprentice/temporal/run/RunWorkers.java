package ai.apprentice.temporal.run;

import ai.apprentice.harness.Harness;
import io.temporal.worker.Worker;

/** Registers the run workflow and its activities on a worker: what {@code apprentice worker} does for runs. */
public final class RunWorkers {
    /** The task queue runs are put on unless told otherwise. */
    public static final String TASK_QUEUE = "apprentice-runs";

    private RunWorkers() {}

    /** Runs with the harness's agents and run store (the worker's configuration, store setting included). */
    public static void register(Worker worker, Harness harness) {
        register(worker, new HarnessAgents(harness));
    }

    public static void register(Worker worker, RunAgents agents) {
        worker.registerWorkflowImplementationTypes(RunWorkflowImpl.class);
        worker.registerActivitiesImplementations(new RunActivitiesImpl(agents));
    }
}
