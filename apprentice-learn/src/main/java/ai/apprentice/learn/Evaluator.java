package ai.apprentice.learn;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.Policy;
import ai.apprentice.eval.Summary;
import ai.apprentice.eval.TrialResult;
import ai.apprentice.harness.Session;
import ai.apprentice.json.Json;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.store.RunStore;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Evaluations of one environment for learning, each an ordinary evaluation in {@code $APPRENTICE_HOME/evals} (so
 * {@code eval compare} and reports work on them) with its trials as runs in the store, rewards attached. What is
 * evaluated is a {@link Session}: the incumbent's, or one with a candidate's playbook or skill; {@code agent} turns
 * a session into the agent under test (the same assembly as {@code eval}'s).
 */
public final class Evaluator {
    /** One evaluation: its id (an {@code eval-...} folder), its trials, how many of them were run now. */
    public record Evaluation(String id, String label, List<TrialResult> trials, int rolloutsNow) {
        public ObjectNode summary(String env, String split, long seed) {
            return Summary.json(env, split, trials, seed).put("id", id).put("label", label);
        }
    }

    private final Environment env;
    private final Function<Session, Policy> agent;
    private final Supplier<UserSimulator> users;
    private final Path evalsDir;
    private final RunStore store;
    private final int concurrency;
    private volatile java.util.function.BiConsumer<String, TrialResult> onTrial;
    private final java.util.concurrent.atomic.DoubleAdder costUsd = new java.util.concurrent.atomic.DoubleAdder();
    private final java.util.concurrent.atomic.LongAdder inputTokens = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder outputTokens = new java.util.concurrent.atomic.LongAdder();

    /** What the trials run through this evaluator cost so far: US dollars, input and output tokens. */
    public ObjectNode spent() {
        return Json.object().put("cost_usd", costUsd.sum()).put("input_tokens", inputTokens.sum()).put("output_tokens", outputTokens.sum());
    }

    public Evaluator(Environment env, Function<Session, Policy> agent, Supplier<UserSimulator> users, Path evalsDir, RunStore store, int concurrency) {
        this.env = env;
        this.agent = agent;
        this.users = users;
        this.evalsDir = evalsDir;
        this.store = store;
        this.concurrency = concurrency;
    }

    public Environment env() { return env; }

    /** Where the trials of an evaluation run when not in this process: a durable engine's workers. */
    @FunctionalInterface
    public interface Engine {
        /** The executor of evaluation {@code evalId}'s trials on {@code split}, played by {@code session}'s agent (see {@link Session#overlay}). */
        ai.apprentice.eval.TrialExecutor trials(String evalId, String split, Session session);
    }

    private volatile Engine engine;

    /** Runs the trials of every evaluation on {@code engine} instead of in this process; the results land here alike. */
    public Evaluator onEngine(Engine engine) {
        this.engine = engine;
        return this;
    }

    /** Called after every finished trial with the evaluation's label and id (progress on long work). */
    public Evaluator onTrial(java.util.function.BiConsumer<String, TrialResult> listener) {
        this.onTrial = listener;
        return this;
    }

    /** A new evaluation of {@code session} on {@code tasks} of {@code split}, k trials each. */
    public Evaluation evaluate(String label, Session session, String split, List<Integer> tasks, int k, long seed) throws InterruptedException {
        return evaluate(new Evaluation("eval-" + RunIds.next(), label, List.of(), 0), session, split, tasks, k, seed);
    }

    /**
     * Runs what {@code previous} lacks of {@code tasks} x k in the same evaluation folder (finished trials are read
     * back, not run again), so an evaluation can grow in stages.
     */
    public Evaluation evaluate(Evaluation previous, Session session, String split, List<Integer> tasks, int k, long seed)
            throws InterruptedException {
        var folder = evalsDir.resolve(previous.id());
        try {
            Files.createDirectories(folder);
            var meta = Json.object().put("env", env.name()).put("split", split).put("k", k).put("seed", seed).put("learn", previous.label())
                    .put("tasks", String.join(",", tasks.stream().map(String::valueOf).toList()));
            Files.writeString(folder.resolve("meta.json"), meta.toPrettyString());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the evaluation folder " + folder + ": " + e.getMessage(), e);
        }
        int before = previous.trials().size();
        var onEngine = engine;
        var runner = onEngine != null ? new EvalRunner(env, split, folder, onEngine.trials(previous.id(), split, session))
                : new EvalRunner(env, split, agent.apply(session), users, folder, store);
        var listener = onTrial;
        var trials = new ArrayList<>(runner.run(tasks, k, concurrency, seed, t -> {
            costUsd.add(t.costUsd());
            inputTokens.add(t.inputTokens());
            outputTokens.add(t.outputTokens());
            if (listener != null) listener.accept(previous.label() + " " + previous.id(), t);
        }));
        var evaluation = new Evaluation(previous.id(), previous.label(), trials, previous.rolloutsNow() + Math.max(0, trials.size() - before));
        try {
            Files.writeString(folder.resolve("summary.json"), evaluation.summary(env.name(), split, seed).toPrettyString());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + folder.resolve("summary.json") + ": " + e.getMessage(), e);
        }
        return evaluation;
    }
}
