package ai.apprentice.temporal.eval;

import ai.apprentice.harness.Harness;
import io.temporal.worker.Worker;

/** What a worker process registers to run evaluations: the workflow and the trial activities on its harness. */
public final class EvalWorkers {
    private EvalWorkers() {}

    public static void register(Worker worker, Harness harness) {
        worker.registerWorkflowImplementationTypes(EvalWorkflowImpl.class);
        worker.registerActivitiesImplementations(new TrialActivitiesImpl(harness));
    }
}
