package ai.apprentice.envs.repo;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.SeededSplits;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.Episode;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.tools.Sandbox;
import ai.apprentice.tools.ShellTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        var sandbox = Sandbox.probe();
        if (!sandbox.available()) {
            throw new IllegalStateException("the repo environment runs the agent's code and needs the shell sandbox: " + sandbox.reason());
        }
        try {
            Files.createDirectories(scratch);
            Path dir = Files.createTempDirectory(scratch, "repo-");
            try {
                RepoEpisode.materialize(mutant, dir);
            } catch (IOException | RuntimeException e) {
                RepoEpisode.delete(dir);
                throw e;
            }
            return new RepoEpisode(taskId(split, index), mutant, dir, shellSettings());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the repository copy in " + scratch, e);
        }
    }

    /** Sandboxed, no network, no secrets; the JDK that runs apprentice comes first on the PATH. */
    static ShellTool.Settings shellSettings() {
        var env = new HashMap<>(System.getenv());
        String jdkBin = Path.of(System.getProperty("java.home"), "bin").toString();
        env.put("PATH", jdkBin + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        return new ShellTool.Settings(true, false, RepoEpisode.SHELL_TIMEOUT_SECONDS, 30_000, name -> false, Map.copyOf(env));
    }

    public static final class Provider implements EnvironmentProvider {
        @Override public List<String> names() { return List.of("repo"); }
        @Override public Environment create(String name, Path dataDir) {
            // One folder per user: a folder another user made first in the shared /tmp would not be ours to write.
            return new RepoEnvironment(Path.of(System.getProperty("java.io.tmpdir"), "apprentice-repo-" + System.getProperty("user.name")));
        }
    }
}
