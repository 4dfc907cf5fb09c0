package ai.apprentice.temporal.eval;

import ai.apprentice.eval.TrialResult;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Runs one trial of an evaluation on a worker. Idempotent: a trial that already finished is not run again. */
@ActivityInterface
public interface TrialActivities {
    /** One trial: small on purpose, since every request and result is kept in the workflow's history. */
    record Request(String evalId, String meta, int task, int trial, long seed) {}

    @ActivityMethod(name = "RunTrial")
    TrialResult run(Request request);
}
