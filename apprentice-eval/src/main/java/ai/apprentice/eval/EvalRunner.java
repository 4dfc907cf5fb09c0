package ai.apprentice.eval;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.json.Json;
import ai.apprentice.store.RunStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs k trials of each chosen task through a {@link TrialExecutor} (by default several at a time in this process) and
 * appends each finished trial to {@code trials.jsonl} in the evaluation's folder, so an interrupted evaluation resumes
 * where it stopped (finished trials are read back, not run again). A trial that throws is recorded with reward 0 and
 * the error; the others go on.
 */
public final class EvalRunner {
    private final Environment env;
    private final String split;
    private final Path folder;
    private final TrialExecutor executor;

    public EvalRunner(Environment env, String split, Policy policy, Supplier<UserSimulator> users, Path folder) {
        this(env, split, policy, users, folder, null);
    }

    /** With {@code store}, each trial's reward is also a {@code reward} event on the trial's run. */
    public EvalRunner(Environment env, String split, Policy policy, Supplier<UserSimulator> users, Path folder, RunStore store) {
        this(env, split, folder, new LocalTrialExecutor(new TrialRunner(env, split, policy, users, store)));
    }

    /** Trials carried out by {@code executor} (workers of an engine, say); this runner keeps the record and resumes. */
    public EvalRunner(Environment env, String split, Path folder, TrialExecutor executor) {
        this.env = env;
        this.split = split;
        this.folder = folder;
        this.executor = executor;
    }

    /** The trials of the evaluation that are not in {@code finished} (keys {@code taskId#trial}), in order. */
    public List<TrialExecutor.Spec> remaining(List<Integer> tasks, int k, long seed, java.util.Set<String> finished) {
        var out = new ArrayList<TrialExecutor.Spec>();
        for (int task : tasks) {
            for (int trial = 0; trial < k; trial++) {
                if (!finished.contains(env.taskId(split, task) + "#" + trial)) out.add(new TrialExecutor.Spec(task, trial, TrialExecutor.seed(seed, task, trial)));
            }
        }
        return out;
    }

    public List<TrialResult> run(List<Integer> tasks, int k, int concurrency, long seed, Consumer<TrialResult> progress)
            throws InterruptedException {
        for (int t : tasks) {
            if (t < 0 || t >= env.size(split)) {
                throw new IllegalArgumentException(env.name() + " " + split + " has tasks 0-" + (env.size(split) - 1) + "; " + t + " is not one");
            }
        }
        var done = previous();
        var finished = new HashSet<String>();
        done.forEach(r -> finished.add(r.taskId() + "#" + r.trial()));
        var todo = remaining(tasks, k, seed, finished);
        // Where each trial stands in the evaluation, so that results come back in that order whatever order they finished in.
        var order = new HashMap<String, Integer>();
        for (var s : todo) order.put(env.taskId(split, s.task()) + "#" + s.trial(), order.size());
        var fresh = new ArrayList<TrialResult>();
        executor.execute(todo, concurrency, r -> {
            synchronized (fresh) {
                // An engine may hand a trial over twice (a retried delivery): it is recorded and counted once.
                if (!finished.add(r.taskId() + "#" + r.trial())) return;
                append(r);
                fresh.add(r);
                if (progress != null) progress.accept(r);
            }
        });
        fresh.sort(Comparator.comparing(r -> order.getOrDefault(r.taskId() + "#" + r.trial(), Integer.MAX_VALUE)));
        var results = new ArrayList<>(done);
        results.addAll(fresh);
        return results;
    }

    private void append(TrialResult r) {
        if (folder == null) return;
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("trials.jsonl"), Json.write(r) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot record a trial in " + folder + ": " + e.getMessage(), e);
        }
    }

    /** Trials finished before an interruption; a torn last line (a crash mid-write) is ignored. */
    private List<TrialResult> previous() {
        if (folder == null) return new ArrayList<>();
        try {
            return TrialResult.readAll(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
