package ai.apprentice.eval;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.Episode;
import ai.apprentice.envs.ScriptedUser;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.runtime.Event;
import ai.apprentice.store.RunStore;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * Runs one trial: an episode of a task with the policy, scored by the environment. A trial that throws is a result
 * with reward 0 and the error. The same task, trial and seed give the same result wherever it runs (for a policy that
 * is itself deterministic), which is what lets trials move between processes.
 */
public final class TrialRunner {
    private final Environment env;
    private final String split;
    private final Policy policy;
    private final Supplier<UserSimulator> users;
    private final RunStore store;

    /** With {@code store}, each trial's reward is also a {@code reward} event on the trial's run; users may be null for reference policies. */
    public TrialRunner(Environment env, String split, Policy policy, Supplier<UserSimulator> users, RunStore store) {
        this.env = env;
        this.split = split;
        this.policy = policy;
        this.users = users;
        this.store = store;
    }

    public Environment environment() {
        return env;
    }

    public String split() {
        return split;
    }

    public TrialResult run(int task, int trial, long seed) {
        return run(task, trial, seed, null);
    }

    /** As {@link #run(int, int, long)}, the trial's run (if the policy makes one) with id {@code runId}; null: a fresh id. */
    public TrialResult run(int task, int trial, long seed, String runId) {
        long t0 = System.nanoTime();
        var user = policy.needsUser() ? users.get() : new ScriptedUser(List.of("Hello, I need help with my request."));
        var episode = env.start(split, task, seed, user);
        try {
            var spend = policy.play(episode, seed, runId);
            var scored = episode.reward();
            // An explanation may quote what a check printed: it is redacted like the run store, since it goes to trial
            // files, reports and a reflector's prompt.
            var reward = new Episode.Reward(scored.value(), redact(scored.explanation()));
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
}
