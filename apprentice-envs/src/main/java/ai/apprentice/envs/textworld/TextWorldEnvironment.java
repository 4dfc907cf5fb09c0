package ai.apprentice.envs.textworld;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.SeededSplits;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.Episode;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.envs.textworld.TextWorldGenerator.Difficulty;
import ai.apprentice.envs.textworld.TextWorldGenerator.Task;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Text adventures generated from a seed: rooms, locked doors and keys, containers, dark rooms and a lamp,
 * creatures that bar the way until fed. The agent plays with free-text commands through one tool, and the
 * reward is 1 when the goal state is reached within the action limit. Each split is a seed (test 1, train 2,
 * dev 3); task {@code i} has difficulty easy, medium, hard for {@code i % 3} = 0, 1, 2.
 */
public final class TextWorldEnvironment implements Environment {
    static final int TASKS_PER_SPLIT = 60;
    static final SeededSplits SPLITS = new SeededSplits("textworld", TASKS_PER_SPLIT);

    /** Generated tasks by split, made on first use: generation solves each world, so it is done once. */
    private final Map<String, Task[]> tasks = new HashMap<>();

    @Override public String name() { return "textworld"; }
    @Override public String description() { return "generated text adventures (doors, keys, containers, darkness, creatures), rewarded when the goal is reached"; }
    @Override public List<String> splits() { return SeededSplits.NAMES; }

    @Override
    public int size(String split) {
        return SPLITS.size(split);
    }

    static Difficulty difficulty(int index) {
        return Difficulty.values()[index % Difficulty.values().length];
    }

    synchronized Task task(String split, int index) {
        long seed = SPLITS.seed(split, index);
        var cached = tasks.computeIfAbsent(split, s -> new Task[TASKS_PER_SPLIT]);
        if (cached[index] == null) cached[index] = TextWorldGenerator.generate(seed * 1_000_003L + index, difficulty(index));
        return cached[index];
    }

    @Override
    public Episode start(String split, int index, long seed, UserSimulator user) {
        return new TextWorldEpisode(taskId(split, index), task(split, index));
    }

    public static final class Provider implements EnvironmentProvider {
        @Override
        public List<String> names() {
            return List.of("textworld");
        }

        @Override
        public Environment create(String name, Path dataDir) {
            return new TextWorldEnvironment();
        }
    }
}
