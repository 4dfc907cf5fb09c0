package ai.apprentice.envs.repo;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.EpisodeFolders;
import ai.apprentice.envs.Episode;
import ai.apprentice.envs.SeededSplits;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.tools.ShellTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Repository repair after SWE-bench: small Java and Python repositories with one injected bug each
 * ({@link Mutant}); the agent fixes it with the file tools and a sandboxed shell in a private copy, and the
 * reward is 1 when the hidden fail-to-pass and pass-to-pass tests all pass. A split is a seeded order of the
 * mutant pool: test 1, train 2, dev 3.
 */
public final class RepoEnvironment implements Environment {
    static final List<Mutant> POOL = Mutant.all();
    static final SeededSplits SPLITS = new SeededSplits("repo", POOL.size());

    private final Path scratch;

    public RepoEnvironment(Path scratch) {
        this.scratch = scratch;
    }

    @Override public String name() { return "repo"; }
    @Override public String description() { return "fix an injected bug in a small Java or Python repository; hidden tests decide"; }
    @Override public List<String> splits() { return SeededSplits.NAMES; }

    @Override
    public int size(String split) {
        return SPLITS.size(split);
    }

    /** The mutant of a task: the split's seed shuffles the pool. */
    Mutant task(String split, int index) {
        long seed = SPLITS.seed(split, index);
        var order = new ArrayList<>(POOL);
        Collections.shuffle(order, new Random(seed));
        return order.get(index);
    }

    @Override
    public Episode start(String split, int index, long seed, UserSimulator user) {
        var mutant = task(split, index);
        EpisodeFolders.requireSandbox("the repo environment", null);
        try {
            Files.createDirectories(scratch);
            Path dir = Files.createTempDirectory(scratch, "repo-");
            try {
                RepoEpisode.materialize(mutant, dir);
            } catch (IOException | RuntimeException e) {
                EpisodeFolders.delete(dir);
                throw e;
            }
            return new RepoEpisode(taskId(split, index), mutant, dir, shellSettings());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the repository copy in " + scratch, e);
        }
    }

    /** Sandboxed, no network, no secrets; the JDK that runs apprentice comes first on the PATH. */
    static ShellTool.Settings shellSettings() {
        return EpisodeFolders.shellSettings(true, RepoEpisode.SHELL_TIMEOUT_SECONDS);
    }

    public static final class Provider implements EnvironmentProvider {
        @Override public List<String> names() { return List.of("repo"); }
        @Override public Environment create(String name, Path dataDir) {
            return new RepoEnvironment(EpisodeFolders.scratch("repo")); // per user: /tmp is shared
        }
    }
}
