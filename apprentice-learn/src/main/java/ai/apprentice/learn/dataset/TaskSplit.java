package ai.apprentice.learn.dataset;

import java.math.BigInteger;

/**
 * Which tasks are held out for validation: a task is when a seeded hash of its id, read as a number in [0,1), falls
 * below the fraction. Each task is decided on its own, so a task stays on its side when other tasks come and go (a
 * later export does not move a task the last model validated on into training); the share of tasks held out is the
 * fraction only on average.
 */
public final class TaskSplit {
    private static final double TWO_TO_64 = Math.pow(2, 64);

    private TaskSplit() {}

    public static boolean validation(String task, double fraction, long seed) {
        if (fraction <= 0) return false;
        if (fraction >= 1) return true;
        return unit(task, seed) < fraction;
    }

    /** The seeded hash of a task id as a number in [0,1). */
    static double unit(String task, long seed) {
        String hex = Conversations.sha256(seed + "\u0000" + task).substring(0, 16);
        return new BigInteger(hex, 16).doubleValue() / TWO_TO_64;
    }
}
