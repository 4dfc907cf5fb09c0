package ai.apprentice.temporal.eval;

import ai.apprentice.eval.TrialResult;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * An evaluation on Temporal: its trials fanned out as {@link TrialActivities} to whatever workers poll the task queue,
 * at most {@link Input#inFlight()} at once. The workflow id is the evaluation's id, so that resuming an interrupted
 * evaluation finds the same workflow.
 *
 * <p>Results reach the client by query, not as the workflow's result: the client polls {@link #progress(int)},
 * records what it got, and says so with {@link #collected(int)}. The workflow continues as new every
 * {@link Input#perRun()} trials (or when Temporal suggests it), and only after the client has collected that run's
 * results, so that no result is lost across runs and a run's history holds a few hundred small trial records.
 */
@WorkflowInterface
public interface EvalWorkflow {
    /** One trial: task index, trial number, seed (as {@code TrialExecutor.Spec}). */
    record Trial(int task, int trial, long seed) {}

    /**
     * @param evalId     the evaluation's id (the workflow id too), from which each trial's run id is derived
     * @param meta       the evaluation's {@code meta.json} as text: what a worker builds the agent from
     * @param trials     the trials still to run
     * @param inFlight   trials running at once at most
     * @param perRun     trials per workflow run before it continues as new (0: the default)
     * @param heartbeatSeconds how soon a silent worker is taken for dead and its trial given to another
     * @param generation how many times the evaluation has continued as new
     * @param done       trials the runs before this one finished
     */
    record Input(String evalId, String meta, List<Trial> trials, int inFlight, int perRun, int heartbeatSeconds, int generation, int done) {}

    /**
     * The results of this run from index {@code from} on; {@code finished}: no trial is left to start or to finish in
     * this run (the client collects these, then the workflow continues as new or ends); {@code failure}: why the
     * evaluation stopped, when it did.
     */
    record Progress(int generation, List<TrialResult> results, int total, boolean finished, String failure) {}

    /** Runs the trials; returns how many this run and the ones before it finished. */
    @WorkflowMethod
    int run(Input input);

    @QueryMethod
    Progress progress(int from);

    /** The client recorded this run's results up to (not including) {@code count}. */
    @SignalMethod
    void collected(int count);
}
