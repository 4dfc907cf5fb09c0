package ai.apprentice.temporal.eval;

import ai.apprentice.eval.EvalSetup;
import ai.apprentice.eval.TrialResult;
import ai.apprentice.eval.TrialRunner;
import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Runs trials on a worker with the agents its {@link Harness} builds. Idempotent per trial: once a trial has finished,
 * its result is kept in the worker's home ({@code evals/ID/engine/TASK-TRIAL.json}, written whole or not at all), and
 * a retried activity (after a worker crash, or a completion Temporal never heard of) returns that result instead of
 * running the trial again. A trial that was cut short runs again from the start; its run gets a new id then, derived
 * from the evaluation, task, trial and attempt. The evaluation's own {@code trials.jsonl} counts too, when the worker
 * shares its home with the client.
 */
final class TrialActivitiesImpl implements TrialActivities {
    /** The failure type of an evaluation this worker cannot build: not retried, since every attempt would fail alike. */
    static final String SETUP_FAILURE = "EvalSetup";
    private static final Pattern EVAL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /** What a test puts between finishing a trial (its result kept) and answering Temporal: a crash, say. */
    interface AfterTrial {
        void finished(Request request, int attempt);
    }

    private final Path home;
    private final Function<String, TrialRunner> runners;
    private final AfterTrial after;
    /** Runners of the evaluations this worker has seen lately, by meta: building one may load a benchmark's data. */
    private final Map<String, TrialRunner> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TrialRunner> eldest) {
            return size() > 8;
        }
    };

    TrialActivitiesImpl(Harness harness) {
        this(harness.home(), meta -> EvalSetup.runner(harness, Json.MAPPER.readTree(meta)), (r, a) -> {});
    }

    TrialActivitiesImpl(Path home, ThrowingFunction runners, AfterTrial after) {
        this.home = home;
        this.runners = meta -> {
            try {
                return runners.apply(meta);
            } catch (Exception e) {
                throw ApplicationFailure.newNonRetryableFailure("this worker cannot run the evaluation: " + e.getMessage(), SETUP_FAILURE);
            }
        };
        this.after = after;
    }

    @FunctionalInterface
    interface ThrowingFunction {
        TrialRunner apply(String meta) throws Exception;
    }

    @Override
    public TrialResult run(Request r) {
        if (r.evalId() == null || !EVAL_ID.matcher(r.evalId()).matches()) {
            throw ApplicationFailure.newNonRetryableFailure("not an evaluation id: " + r.evalId(), SETUP_FAILURE);
        }
        var context = Activity.getExecutionContext();
        int attempt = context.getInfo().getAttempt();
        var folder = home.resolve("evals").resolve(r.evalId());
        var kept = folder.resolve("engine").resolve(r.task() + "-" + r.trial() + ".json");
        var stored = read(kept);
        if (stored != null) return stored;
        var runner = runner(r.meta());
        var taskId = runner.environment().taskId(runner.split(), r.task());
        stored = fromTrialsFile(folder, taskId, r.trial());
        if (stored != null) return stored;
        TrialResult result;
        try (var beat = Heartbeat.start(context)) {
            result = runner.run(r.task(), r.trial(), r.seed(), runId(r, attempt));
        }
        write(kept, result);
        after.finished(r, attempt);
        return result;
    }

    /** The id of the trial's run: the evaluation's (which sorts by time), then task and trial, then a retry's attempt. */
    static String runId(Request r, int attempt) {
        var base = r.evalId().startsWith("eval-") ? r.evalId().substring(5) : r.evalId();
        return base + "-t" + r.task() + "." + r.trial() + (attempt > 1 ? "-a" + attempt : "");
    }

    private synchronized TrialRunner runner(String meta) {
        var runner = cache.get(meta);
        if (runner == null) {
            runner = runners.apply(meta);
            cache.put(meta, runner);
        }
        return runner;
    }

    private static TrialResult read(Path file) {
        if (!Files.isRegularFile(file)) return null;
        try {
            return Json.read(Files.readString(file, StandardCharsets.UTF_8), TrialResult.class);
        } catch (IOException | RuntimeException e) {
            return null; // unreadable: run the trial again rather than fail it
        }
    }

    private static TrialResult fromTrialsFile(Path folder, String taskId, int trial) {
        try {
            return TrialResult.readAll(folder).stream().filter(t -> t.taskId().equals(taskId) && t.trial() == trial).findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    /** Written to a temporary file and moved into place, so that a crash leaves the whole result or none. */
    private static void write(Path file, TrialResult result) {
        try {
            Files.createDirectories(file.getParent());
            var tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, Json.write(result), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the result of a trial in " + file.getParent() + ": " + e.getMessage(), e);
        }
    }

    /** Beats every third of the heartbeat timeout while a trial runs, from a virtual thread. */
    private record Heartbeat(Thread thread) implements AutoCloseable {
        static Heartbeat start(ActivityExecutionContext context) {
            var timeout = context.getInfo().getHeartbeatTimeout();
            long every = Math.max(200, (timeout == null || timeout.isZero() ? 60_000 : timeout.toMillis()) / 3);
            return new Heartbeat(Thread.ofVirtual().name("trial-heartbeat").start(() -> {
                try {
                    while (true) {
                        context.heartbeat(null);
                        Thread.sleep(every);
                    }
                } catch (InterruptedException stop) {
                    // the trial is over
                } catch (RuntimeException cancelled) {
                    // the activity was cancelled or timed out on the server: the trial's result will be ignored
                }
            }));
        }

        @Override
        public void close() {
            thread.interrupt();
        }
    }
}
