package ai.apprentice.eval;

import java.util.List;
import java.util.function.Consumer;

/**
 * Carries out the trials of an evaluation: in this process ({@link LocalTrialExecutor}, the default) or elsewhere (on
 * workers of a durable engine). {@link EvalRunner} decides which trials are left and records each finished one; an
 * executor only runs them.
 */
public interface TrialExecutor {
    /**
     * One trial to run: the task's index in the split, the trial's number, and its seed. The seed is
     * {@link #seed(long, int, int)} of the evaluation's seed, so that a trial scores the same whatever the engine.
     */
    record Spec(int task, int trial, long seed) {}

    /** The seed of one trial of an evaluation started with {@code seed}. */
    static long seed(long seed, int task, int trial) {
        return seed * 1_000_003L + task * 131L + trial;
    }

    /**
     * Runs {@code trials}, at most {@code concurrency} at once, and hands each result to {@code finished} as soon as it
     * is known (possibly from several threads; the caller serialises). Returns when every trial has been handed over;
     * a trial that fails is a result with its error, not an exception. An exception means the evaluation itself could
     * not go on (an interruption, an engine that does not answer); trials handed over before it stay recorded.
     */
    void execute(List<Spec> trials, int concurrency, Consumer<TrialResult> finished) throws InterruptedException;
}
