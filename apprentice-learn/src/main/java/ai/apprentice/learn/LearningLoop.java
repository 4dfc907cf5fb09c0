package ai.apprentice.learn;

import ai.apprentice.eval.Metrics;
import ai.apprentice.eval.Summary;
import ai.apprentice.harness.Session;
import ai.apprentice.json.Json;
import ai.apprentice.memory.playbook.Examples;
import ai.apprentice.memory.playbook.LearnedStore;
import ai.apprentice.memory.playbook.Playbook;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.store.RunStore;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * Offline learning on an environment, within a budget of rollouts: the incumbent plays a batch of training tasks,
 * a proposer reads the trajectories and proposes candidates, and each candidate goes live only if the gate, on
 * held-out tasks it was not learned from, shows it better. Every decision is recorded with its evidence; the
 * learning curve is the incumbent's held-out pass^k against rollouts spent.
 */
public final class LearningLoop {
    /**
     * @param trainSplit   the split training tasks come from
     * @param train        training task indices (the proposer sees these)
     * @param holdoutSplit the split held-out tasks come from
     * @param holdout      held-out task indices (only the gate sees these)
     * @param budget       rollouts (trials) the loop may spend, training and gate together
     * @param batchSize    training tasks per round
     * @param apply        make accepted changes live in the learned store (else only report them)
     * @param scope        where the lessons go ({@code environment:NAME} offline; {@code user} when learning from
     *                     everyday runs), or null for the environment's
     */
    public record Config(String trainSplit, List<Integer> train, String holdoutSplit, List<Integer> holdout, Gate.Options gate,
                         int budget, int batchSize, long seed, boolean apply, String scope) {
        public Config {
            train = List.copyOf(train);
            holdout = List.copyOf(holdout);
            if (train.isEmpty()) throw new IllegalArgumentException("no training tasks");
            if (holdout.size() < Gate.MIN_TASKS) {
                throw new IllegalArgumentException("the gate needs at least " + Gate.MIN_TASKS + " held-out tasks, got " + holdout.size()
                        + (holdout.isEmpty() ? "" : " " + holdout) + "; add tasks or choose them with --holdout");
            }
            if (trainSplit.equals(holdoutSplit)) {
                var both = new HashSet<>(train);
                both.retainAll(holdout);
                if (!both.isEmpty()) {
                    throw new IllegalArgumentException("training and held-out tasks must not mix; both have " + trainSplit + " tasks " + both.stream().sorted().toList());
                }
            }
            if (budget < 1) throw new IllegalArgumentException("the budget must be at least one rollout");
            if (batchSize < 1) throw new IllegalArgumentException("the batch size must be at least 1");
        }
    }

    private final Evaluator evaluator;
    private Session base;
    private java.nio.file.Path skillsDir;
    private boolean proposeExamples;
    /** What this run's agents have, as accepted changes add to it. */
    private Playbook playbook;
    private Examples examples;
    private final Reflector reflector;
    private final Playbook.Similarity similarity;
    private final RunStore runs;
    private final LearnedStore learned;
    private final Config config;
    private final String scope;
    private final List<Trajectory> stored;

    public LearningLoop(Evaluator evaluator, Session base, Reflector reflector, Playbook.Similarity similarity, RunStore runs,
                        LearnedStore learned, Config config) {
        this(evaluator, base, reflector, similarity, runs, learned, config, null);
    }

    /**
     * With {@code stored} trajectories (everyday runs with their rewards and corrections), the proposer reads those,
     * a batch per round, instead of training rollouts; the gate is the same.
     */
    public LearningLoop(Evaluator evaluator, Session base, Reflector reflector, Playbook.Similarity similarity, RunStore runs,
                        LearnedStore learned, Config config, List<Trajectory> stored) {
        this.evaluator = evaluator;
        this.reflector = reflector;
        this.similarity = similarity;
        this.runs = runs;
        this.learned = learned;
        this.config = config;
        this.scope = config.scope() != null ? config.scope() : ai.apprentice.memory.playbook.Scopes.environment(evaluator.env().name());
        // The agents under test read the lessons of the loop's scope, wherever they will apply later.
        this.base = base.withLessonScopes(List.of(scope));
        this.stored = stored == null ? null : List.copyOf(stored);
    }

    /**
     * Lets the loop gate skill candidates too (the evaluator's agent must have the skills index on) and install the
     * accepted ones into {@code skillsDir}, the user's skills, each a versioned artifact with undo.
     */
    public LearningLoop withSkills(java.nio.file.Path skillsDir) {
        this.skillsDir = skillsDir;
        return this;
    }

    /**
     * Also offers, each round, a successful training trajectory whose task no example is like yet as a demonstration
     * for similar tasks; kept, like every change, only when the gate shows it helps.
     */
    public LearningLoop withExamples() {
        this.proposeExamples = true;
        return this;
    }

    /** Runs the loop to its budget; {@code progress} gets one line per step. Returns the report's JSON. */
    public ObjectNode run(Consumer<String> progress) throws InterruptedException {
        long t0 = System.nanoTime();
        String id = "learn-" + RunIds.next();
        playbook = base.playbook();
        examples = base.examples();
        var startPlaybook = playbook;
        var order = new ArrayList<>(config.train());
        java.util.Collections.shuffle(order, new java.util.Random(config.seed()));
        int spent = 0, trainSpent = 0, gateSpent = 0, round = 0, next = 0, accepted = 0;
        Evaluator.Evaluation incumbentEval = null;
        var curve = Json.MAPPER.createArrayNode();
        var decisions = Json.MAPPER.createArrayNode();
        var problems = Json.MAPPER.createArrayNode();
        String stop = "budget spent";
        // A candidate the gate rejected is not gated again in this run: the same evidence would be bought twice, and
        // testing one change until it passes would inflate the chance of accepting it by luck.
        var rejected = new java.util.HashMap<String, String>();
        // ... nor one the gate rejected in an earlier run on this environment (a text planted in a trajectory that keeps
        // being proposed gets one chance, not one per run).
        if (learned != null) {
            for (var d : learned.decisions(Integer.MAX_VALUE)) {
                if (d.accepted() || !evaluator.env().name().equals(d.env())) continue;
                var evidence = Json.tree(d.evidence());
                if (evidence.hasNonNull("key") && evidence.path("rollouts").asInt() > 0) rejected.putIfAbsent(evidence.get("key").asText(), d.id());
            }
        }
        outer:
        while (true) {
            if (reflector.exhausted()) {
                stop = "no more proposals";
                break;
            }
            var trajectories = new ArrayList<Trajectory>();
            round++;
            if (stored != null && reflector.readsTrajectories()) {
                int from = (round - 1) * config.batchSize();
                if (from >= stored.size()) {
                    stop = "every stored run was read";
                    break;
                }
                trajectories.addAll(stored.subList(from, Math.min(stored.size(), from + config.batchSize())));
                progress.accept(String.format("round %d: %d stored runs, %d failed; %d/%d rollouts", round, trajectories.size(),
                        trajectories.stream().filter(t -> !t.success()).count(), spent, config.budget()));
            } else if (reflector.readsTrajectories()) {
                int batchSize = Math.min(config.batchSize(), config.budget() - spent);
                if (batchSize < 1) break;
                var batch = new ArrayList<Integer>();
                for (int i = 0; i < batchSize; i++) batch.add(order.get(next++ % order.size()));
                var train = evaluator.evaluate("train round " + round, base.withPlaybook(playbook), config.trainSplit(), batch, 1, config.seed() + round);
                spent += train.rolloutsNow();
                trainSpent += train.rolloutsNow();
                for (var t : train.trials()) {
                    var tr = Transcripts.of(runs, t.runId(), evaluator.env().name() + ":" + t.taskId(), t.reward(), t.explanation());
                    if (tr != null) trajectories.add(tr);
                }
                long failures = trajectories.stream().filter(t -> !t.success()).count();
                progress.accept(String.format("round %d: %d training tasks, %d failed; %d/%d rollouts", round, batch.size(), failures, spent, config.budget()));
            } else {
                progress.accept(String.format("round %d: %d/%d rollouts", round, spent, config.budget()));
            }
            var proposal = reflector.propose(trajectories, playbook, scope);
            if (proposal.problem() != null) {
                problems.add(Json.object().put("round", round).put("problem", proposal.problem()));
                progress.accept("  the proposer's reply was not usable, nothing changes: " + proposal.problem());
                continue;
            }
            // Credit and blame steer which lessons the budget keeps during this run; only the gate changes what is live.
            for (var tag : proposal.tags()) playbook = playbook.count(tag.lessonId(), tag.helpful());
            var items = new ArrayList<Object>(proposal.candidates());
            var demo = proposeExamples ? exampleFrom(trajectories) : null;
            if (demo != null) items.add(demo);
            for (var item : items) {
                Change change;
                String source;
                Candidate proposed = item instanceof Candidate c ? c : null;
                if (proposed == null) {
                    change = exampleChange((Trajectory) item);
                    source = "examples";
                } else if (!proposed.isSkill()) {
                    change = lessonChange(proposed);
                    source = proposed.source();
                } else if (skillsDir == null) {
                    problems.add(Json.object().put("round", round).put("problem", "skill candidates need the skills index (learn --skills); "
                            + proposed.title() + " skipped"));
                    continue;
                } else {
                    change = skillChange(proposed);
                    source = proposed.source();
                }
                Outcome outcome;
                try {
                    outcome = gateChange(change, source, round, incumbentEval, spent, rejected, decisions, progress);
                } finally {
                    var staged = proposed != null && proposed.isSkill() ? proposed.skill().getParent() : null;
                    if (staged != null && staged.getFileName().toString().startsWith("apprentice-proposed-skill-")) LearnedSkills.restore(null, staged);
                }
                if (outcome == null) continue;
                if (outcome.stop() != null) {
                    stop = outcome.stop();
                    break outer;
                }
                spent += outcome.rollouts();
                gateSpent += outcome.rollouts();
                if (incumbentEval == null) curve.add(point(0, spent - outcome.result().candidate().rolloutsNow(), outcome.result().incumbent(), accepted));
                // On acceptance the winner's own measurement: biased up, which makes the next gate stricter, never laxer.
                incumbentEval = outcome.result().verdict().accepted() ? outcome.result().candidate() : outcome.result().incumbent();
                if (outcome.result().verdict().accepted()) accepted++;
                curve.add(point(round, spent, incumbentEval, accepted));
            }
        }
        stagedRoots.forEach(r -> LearnedSkills.restore(null, r));
        stagedRoots.clear();
        var o = Json.object().put("id", id).put("env", evaluator.env().name()).put("scope", scope).put("budget", config.budget())
                .put("k", config.gate().k()).put("seed", config.seed()).put("applied", config.apply());
        o.putObject("train").put("split", config.trainSplit()).set("tasks", Json.MAPPER.valueToTree(config.train()));
        o.putObject("holdout").put("split", config.holdoutSplit()).set("tasks", Json.MAPPER.valueToTree(config.holdout()));
        o.putObject("rollouts").put("total", spent).put("train", trainSpent).put("gate", gateSpent);
        o.put("rounds", round).put("stop_reason", stop).put("accepted", accepted).put("rejected", decisions.size() - accepted);
        o.set("curve", curve);
        o.set("decisions", decisions);
        o.set("problems", problems);
        o.set("playbook_before", Json.MAPPER.valueToTree(startPlaybook.in(List.of(scope))));
        o.set("playbook_after", Json.MAPPER.valueToTree(playbook.in(List.of(scope))));
        o.put("playbook_tokens", playbook.tokens(scope)).put("playbook_token_budget", playbook.tokenBudget());
        var usage = reflector.usage();
        o.putObject("reflector").put("input_tokens", usage.inputTokens()).put("output_tokens", usage.outputTokens());
        o.set("rollout_cost", evaluator.spent()); // every trial this evaluator ran, training and gate
        o.put("wall_ms", (System.nanoTime() - t0) / 1_000_000);
        return o;
    }

    /** One gate's outcome: its result and rollouts, or why the loop stops. */
    private record Outcome(GateRun.Result result, int rollouts, String stop) {}

    /**
     * A proposed change (playbook edits, a skill, an example): how it is named, when it changes nothing, the session
     * that has it, and what accepting it does (later agents of this run have it; with apply it goes live, and the
     * artifact's versions before and after are returned; null when nothing went live).
     */
    private interface Change {
        String title();

        /** What identifies it among earlier rejections. */
        String key();

        String kind();

        /** What the decision's record shows of it besides the verdict. */
        default void describe(ObjectNode record) {}

        /** Why gating it would be pointless (it is already there), or null. */
        String unchanged();

        Session with(Session incumbent);

        LearnedSkills.Applied accept(String decisionId);

        default void reject() {}
    }

    /** Playbook edits as a {@link Change}: applied to this run's playbook, and, when accepted, to the live one as it is then. */
    private Change lessonChange(Candidate candidate) {
        var applied = playbook.apply(candidate.edits(), candidate.fromRuns(), similarity);
        return new Change() {
            public String title() { return candidate.title(); }
            public String key() { return candidate.edits().toString(); }
            public String kind() { return "lessons"; }
            public void describe(ObjectNode record) {
                record.set("edits", Json.MAPPER.valueToTree(candidate.edits()));
                record.set("notes", Json.MAPPER.valueToTree(applied.notes()));
            }
            public String unchanged() { return applied.changed() ? null : "changes nothing: " + String.join("; ", applied.notes()); }
            public Session with(Session incumbent) { return incumbent.withPlaybook(applied.playbook()); }
            public LearnedSkills.Applied accept(String decisionId) {
                playbook = credit(applied.playbook(), candidate);
                if (!config.apply() || learned == null) return null;
                // The edits go onto the live playbook as it is now, so an undo or another change made meanwhile stands.
                var saved = learned.updatePlaybook(live -> credit(live.apply(candidate.edits(), candidate.fromRuns(), similarity).playbook(), candidate),
                        "accepted " + candidate.title(), decisionId);
                return saved == null ? null : new LearnedSkills.Applied(LearnedStore.PLAYBOOK, saved[0].version(), saved[1].version());
            }
        };
    }

    /** A skill candidate as a {@link Change}: staged ahead of the installed skills, installed when accepted. */
    private Change skillChange(Candidate candidate) {
        var root = LearnedSkills.stage(candidate.skill());
        String key = LearnedSkills.snapshot(candidate.skill());
        return new Change() {
            public String title() { return candidate.title(); }
            public String key() { return key; }
            public String kind() { return "skill"; }
            public String unchanged() {
                return LearnedSkills.same(skillsDir, candidate.skill()) ? "changes nothing: the installed skill has exactly these files" : null;
            }
            public Session with(Session incumbent) { return incumbent.withSkillRoot(root); }
            public LearnedSkills.Applied accept(String decisionId) {
                base = base.withSkillRoot(root); // the staged copy stays until the loop ends
                stagedRoots.add(root);
                if (!config.apply() || learned == null) return null;
                return LearnedSkills.apply(learned, skillsDir, candidate.skill(), "accepted " + candidate.title(), decisionId);
            }
            public void reject() { LearnedSkills.restore(null, root); }
        };
    }

    /** A successful trajectory kept as a demonstration, as a {@link Change}. */
    private Change exampleChange(Trajectory t) {
        String task = firstUserLine(t.transcript());
        var example = new Examples.Example("E-" + Integer.toHexString((t.runId() + task).hashCode() & 0xfffffff), scope, task,
                ModelReflector.truncate(t.transcript().strip(), EXAMPLE_CHARS), t.runId());
        String title = "example from " + t.task();
        return new Change() {
            public String title() { return title; }
            public String key() { return "example:" + t.task(); }
            public String kind() { return "example"; }
            public String unchanged() { return null; }
            public Session with(Session incumbent) { return incumbent.withExamples(examples.with(example)); }
            public LearnedSkills.Applied accept(String decisionId) {
                examples = examples.with(example);
                base = base.withExamples(examples);
                if (!config.apply() || learned == null) return null;
                int before = learned.liveVersion(Examples.ARTIFACT).map(LearnedStore.Version::version).orElse(0);
                var live = learned.examples().with(example); // onto what is live now
                int after = learned.put(Examples.ARTIFACT, live.json(), "accepted " + title, decisionId).version();
                return new LearnedSkills.Applied(Examples.ARTIFACT, before, after);
            }
        };
    }

    static final int EXAMPLE_CHARS = 2_000;

    private static String firstUserLine(String transcript) {
        for (var line : transcript.split("\n")) if (line.startsWith("user: ")) return line.substring(6).strip();
        return transcript.strip().lines().findFirst().orElse("");
    }

    /** The training success to keep as an example this round: one whose task no example is like yet. */
    private Trajectory exampleFrom(List<Trajectory> batch) {
        for (var t : batch) {
            if (!t.success() || t.runId() == null) continue;
            String task = firstUserLine(t.transcript());
            if (task.isBlank()) continue;
            boolean known = examples.in(List.of(scope)).stream().anyMatch(e -> Examples.similarity(e.task(), task) >= 0.6);
            if (!known) return t;
        }
        return null;
    }

    private Outcome gateChange(Change change, String source, int round, Evaluator.Evaluation incumbentEval, int spent,
                               java.util.Map<String, String> rejected, ArrayNode decisions,
                               Consumer<String> progress) throws InterruptedException {
        String decisionId = "d-" + RunIds.next();
        var record = Json.object().put("id", decisionId).put("round", round).put("candidate", change.title()).put("source", source)
                .put("kind", change.kind()).put("key", change.key());
        change.describe(record);
        if (rejected.containsKey(change.key())) {
            record.put("accepted", false).put("rollouts", 0).put("reason", "rejected before (" + rejected.get(change.key()) + "); not gated again");
            decisions.add(record);
            change.reject();
            progress.accept("  " + change.title() + " -> rejected before, not gated again");
            return null;
        }
        String unchanged = change.unchanged();
        if (unchanged != null) {
            record.put("accepted", false).put("rollouts", 0).put("reason", unchanged);
            decisions.add(record);
            remember(decisionId, change, false, record, null);
            change.reject();
            progress.accept("  " + change.title() + " -> " + unchanged);
            return null;
        }
        int cost = (incumbentEval == null ? config.holdout().size() * config.gate().k() : 0) + config.holdout().size() * config.gate().k();
        if (spent + cost > config.budget()) {
            change.reject();
            return new Outcome(null, 0, "budget: the next gate needs " + cost + " rollouts, " + (config.budget() - spent) + " left");
        }
        var incumbent = base.withPlaybook(playbook);
        var result = GateRun.run(evaluator, incumbent, change.with(incumbent), config.holdoutSplit(), config.holdout(), config.gate(),
                config.seed() * 7919 + 1, incumbentEval);
        var v = result.verdict();
        record.setAll(v.json());
        record.put("incumbent_eval", result.incumbent().id()).put("candidate_eval", result.candidate().id()).put("rollouts", result.rollouts());
        LearnedSkills.Applied live = null;
        if (v.accepted()) {
            live = change.accept(decisionId);
        } else {
            rejected.put(change.key(), decisionId);
            change.reject();
        }
        decisions.add(record);
        remember(decisionId, change, v.accepted(), record, live);
        progress.accept(String.format("  %s -> %s (%d rollouts)", change.title(), v.reason(), result.rollouts()));
        return new Outcome(result, result.rollouts(), null);
    }

    private final List<java.nio.file.Path> stagedRoots = new ArrayList<>();

    /** The lessons a candidate added are credited with its acceptance. */
    private static Playbook credit(Playbook playbook, Candidate candidate) {
        var out = playbook;
        for (var l : playbook.lessons()) {
            if (l.provenance().isEmpty() || candidate.fromRuns().isEmpty()) continue;
            if (candidate.fromRuns().stream().anyMatch(l.provenance()::contains)) out = out.count(l.id(), true);
        }
        return out;
    }

    /** The decision in the learned store, with what went live (null: nothing). */
    private void remember(String id, Change change, boolean accepted, ObjectNode record, LearnedSkills.Applied live) {
        if (learned == null) return;
        learned.record(new LearnedStore.Decision(id, Instant.now(), change.kind(), evaluator.env().name(), accepted,
                change.title() + " -> " + record.path("reason").asText(), record.toString(), live == null ? null : live.artifact(),
                live == null ? null : live.before(), live == null ? null : live.after(), null));
    }

    private ObjectNode point(int round, int rollouts, Evaluator.Evaluation eval, int accepted) {
        var tasks = Summary.outcomes(eval.trials());
        int k = config.gate().k();
        var e = Metrics.bootstrap(tasks, t -> Metrics.passHatK(t.trials(), t.successes(), Math.min(k, t.trials())), config.seed());
        var p = Json.object().put("round", round).put("rollouts", rollouts).put("pass_hat_k", e.value()).put("eval", eval.id()).put("accepted", accepted);
        p.putArray("ci95").add(e.low()).add(e.high());
        return p;
    }

}
