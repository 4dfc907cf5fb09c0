package ai.apprentice.envs;

import java.util.List;

/**
 * The splits of a generated environment: each split is a seed (test 1, train 2, dev 3) with {@code tasks}
 * tasks, so another seed would give a new, reproducible set. Checks names and indices with clear errors.
 */
public record SeededSplits(String env, int tasks) {
    public static final List<String> NAMES = List.of("test", "train", "dev");

    /** The seed of a split. */
    public long seed(String split) {
        int i = NAMES.indexOf(split);
        if (i < 0) throw new IllegalArgumentException(env + " has no split '" + split + "'; it has " + NAMES);
        return i + 1;
    }

    /** The seed of a split, after checking that it has task {@code index}. */
    public long seed(String split, int index) {
        long seed = seed(split);
        if (index < 0 || index >= tasks) throw new IllegalArgumentException(env + " " + split + " has tasks 0-" + (tasks - 1) + ", not " + index);
        return seed;
    }

    /** How many tasks the split has (the same for every split). */
    public int size(String split) {
        seed(split);
        return tasks;
    }
}
