package ai.apprentice.eval;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.ScriptedUser;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.json.Json;
import ai.apprentice.runtime.Event;
import ai.apprentice.store.RunStore;
import java.time.Instant;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs k trials of each chosen task, several at a time, and appends each finished trial to
 * {@code trials.jsonl} in the evaluation's folder, so an interrupted evaluation resumes where it stopped
 * (finished trials are read back, not run again). A trial that throws is recorded with reward 0 and the
 * error; the others go on.
 */
public final class EvalRunner {
    private final Environment env;
    private final String split;
    private final Policy policy;
    private final Supplier<UserSimulator> users;
    private final Path folder;
    private final RunStore store;

    public EvalRunner(Environment env, String split, Policy policy, Supplier<UserSimulator> users, Path folder) {
        this(env, split, policy, users, folder, null);
    }

    /** With {@code store}, each trial's reward is also a {@code reward} event on the trial's run. */
    public EvalRunner(Environment env, String split, Policy policy, Supplier<UserSimulator> users, Path folder, RunStore store) {
        this.env = env;
        this.split = split;
        this.policy = policy;
        this.users = users;
        this.folder = folder;
        this.store = store;
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
        var results = new ArrayList<>(done);
        var permits = new Semaphore(Math.max(1, concurrency));
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var futures = new ArrayList<java.util.concurrent.Future<TrialResult>>();
            for (int task : tasks) {
                for (int trial = 0; trial < k; trial++) {
                    if (finished.contains(env.taskId(split, task) + "#" + trial)) continue;
                    int t = task;
                    int tr = trial;
                    futures.add(pool.submit(() -> {
                        permits.acquire();
                        try {
                            var r = trial(t, tr, seed * 1_000_003L + t * 131L + tr);
                            append(r);
                            if (progress != null) progress.accept(r);
                            return r;
                        } finally {
                            permits.release();
                        }
                    }));
                }
            }
            for (var f : futures) {
                try {
                    results.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("evaluation failed", e.getCause());
                }
            }
        }
        return results;
    }

    private TrialResult trial(int task, int trial, long seed) {
        long t0 = System.nanoTime();
        var user = policy.needsUser() ? users.get() : new ScriptedUser(List.of("Hello, I need help with my request."));
        var episode = env.start(split, task, seed, user);
        try {
            var spend = policy.play(episode, seed);
            var scored = episode.reward();
            // An explanation may quote what a check printed: it is redacted like the run store, since it goes to trial
            // files, reports and a reflector's prompt.
            var reward = new ai.apprentice.envs.Episode.Reward(scored.value(), redact(scored.explanation()));
            if (store != null && spend.runId() != null) {
                store.append(new Event.Reward(spend.runId(), Instant.now(), reward.value(), "environment", reward.explanation(),
                        env.name() + ":" + episode.taskId()));
            }
            return new TrialResult(episode.taskId(), trial, reward.value(), reward.explanation(), episode.actions(),
                    spend.usage().inputTokens(), spend.usage().outputTokens(), spend.costUsd(), (System.nanoTime() - t0) / 1_000_000,
                    spend.runId(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (RuntimeException e) {
            return new TrialResult(episode.taskId(), trial, 0.0, redact("the trial failed: " + e.getMessage()), episode.actions(), 0, 0, 0,
                    (System.nanoTime() - t0) / 1_000_000, null, redact(String.valueOf(e.getMessage())));
        } finally {
            episode.close();
        }
    }

    private String redact(String text) {
        return text == null ? null : store != null ? store.redact(text) : ai.apprentice.redact.Redactor.standard().redact(text);
    }

    private synchronized void append(TrialResult r) {
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
