package ai.apprentice.bench;

import ai.apprentice.cli.CliContext;
import ai.apprentice.cli.Trees;
import ai.apprentice.cli.UsageException;
import ai.apprentice.envs.Environment;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.ScriptedUser;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.Summary;
import ai.apprentice.eval.TrialResult;
import ai.apprentice.json.Json;
import ai.apprentice.learn.Evaluator;
import ai.apprentice.learn.Gate;
import ai.apprentice.learn.GateRun;
import ai.apprentice.learn.LearningLoop;
import ai.apprentice.learn.ModelReflector;
import ai.apprentice.learn.sim.ScriptedReflectorModel;
import ai.apprentice.learn.sim.Sim;
import ai.apprentice.learn.sim.SimWorld;
import ai.apprentice.memory.playbook.Playbook;
import ai.apprentice.memory.playbook.Scopes;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The learning loop with the simulated agent (its behaviour fixed in advance: base 0.4, true lessons 0.9 where they
 * apply, harmful ones 0.1) and the scripted reflector, over many seeds: the held-out pass^1 and pass^4 reached
 * against the oracle's (every true lesson present, measured in the same run), harmful lessons accepted, rollouts
 * and playbook size; the gate's false acceptance of a null change; and the loop's own cost per rollout against a
 * bare evaluation trial.
 */
@Command(name = "learn", description = "The learning loop with a simulated agent over many seeds: held-out pass^k against the oracle, harmful acceptances, the gate's false acceptance of a null change, overhead per rollout.")
final class LearnBench implements Callable<Integer> {
    private final CliContext cli;
    @Option(names = "--env", defaultValue = "textworld", description = "textworld, shop or sql (default ${DEFAULT-VALUE}).") String envName;
    @Option(names = "--seeds", defaultValue = "10", description = "Learning runs, one per seed (default ${DEFAULT-VALUE}).") int seeds;
    @Option(names = "--budget", defaultValue = "300", description = "Rollouts per learning run (default ${DEFAULT-VALUE}).") int budget;
    @Option(names = "--gate-runs", defaultValue = "50", description = "Seeded runs of the gate with a null change (default ${DEFAULT-VALUE}).") int gateRuns;
    @Option(names = "--world", defaultValue = "full", description = "full: one broad true lesson and two for halves of the tasks; "
            + "halves: only the two narrow ones, so reaching the oracle needs both (default ${DEFAULT-VALUE}).") String worldKind;

    LearnBench(CliContext cli) {
        this.cli = cli;
    }

    static final List<Integer> TRAIN = IntStream.range(0, 60).boxed().toList();
    static final List<Integer> HOLDOUT = IntStream.range(0, 24).boxed().toList();
    static final List<Integer> MEASURE = IntStream.range(0, 60).boxed().toList();

    @Override
    public Integer call() throws Exception {
        if (!List.of("textworld", "shop", "sql").contains(envName)) throw new UsageException("--env: textworld, shop or sql");
        var root = Files.createTempDirectory("apprentice-bench-learn-");
        try {
            Environment env = EnvironmentProvider.byName(envName, root.resolve("data"));
            var full = SimWorld.of(env);
            var world = switch (worldKind) {
                case "full" -> full;
                case "halves" -> new SimWorld(envName, full.base(), full.trueLessons().subList(1, full.trueLessons().size()), full.harmfulLessons());
                default -> throw new UsageException("--world: full or halves");
            };
            var out = Json.object().put("env", envName).put("world", worldKind).put("seeds", seeds).put("budget", budget).put("holdout_tasks", HOLDOUT.size())
                    .put("measured_on", "dev split, 60 tasks x 4 trials, fresh");
            // The oracle: every true lesson in the instructions, measured like the learned playbooks.
            var oraclePlaybook = Playbook.empty().apply(world.trueLessons().stream()
                    .map(l -> Playbook.Delta.add(l.text(), Scopes.environment(envName))).toList(), List.of(), Playbook.Similarity.EXACT).playbook();
            var oracle = measure(root.resolve("oracle"), env, world, oraclePlaybook);
            var none = measure(root.resolve("none"), env, world, Playbook.empty());
            out.put("pass1_no_lessons", none[0]).put("pass4_no_lessons", none[1]).put("pass1_oracle", oracle[0]).put("pass4_oracle", oracle[1]);

            var runs = out.putArray("runs");
            int harmfulAccepted = 0, reached = 0, overBudget = 0;
            double sum1 = 0, sum4 = 0, loopMs = 0;
            long rollouts = 0;
            for (int seed = 0; seed < seeds; seed++) {
                var home = root.resolve("seed" + seed);
                ObjectNode report;
                Playbook learned;
                try (var harness = Sim.harness(home)) {
                    var evaluator = new Evaluator(env, Sim.agent(world), () -> new ScriptedUser(List.of("Hello.")), home.resolve("evals"), harness.store(), 2);
                    var loop = new LearningLoop(evaluator, Sim.session(harness, root), new ModelReflector(new ScriptedReflectorModel(world, seed)),
                            Playbook.Similarity.EXACT, harness.store(), harness.learned(),
                            new LearningLoop.Config("train", TRAIN, "dev", HOLDOUT, Gate.Options.of(1), budget, 4, seed, true, null));
                    report = loop.run(line -> { });
                    learned = harness.learned().playbook();
                }
                var m = measure(home.resolve("measure"), env, world, learned);
                int harmful = 0;
                for (var d : report.path("decisions")) if (d.path("accepted").asBoolean() && world.isHarmful(d.at("/edits/0/text").asText())) harmful++;
                harmfulAccepted += harmful;
                if (m[0] >= 0.9 * oracle[0]) reached++;
                if (report.at("/rollouts/total").asInt() > budget) overBudget++;
                sum1 += m[0];
                sum4 += m[1];
                loopMs += report.path("wall_ms").asDouble();
                rollouts += report.at("/rollouts/total").asLong();
                runs.add(Json.object().put("seed", seed).put("pass1", m[0]).put("pass4", m[1]).put("accepted", report.path("accepted").asInt())
                        .put("harmful_accepted", harmful).put("rollouts", report.at("/rollouts/total").asInt())
                        .put("playbook_tokens", report.path("playbook_tokens").asInt()).put("playbook_token_budget", report.path("playbook_token_budget").asInt()));
                cli.err().printf("seed %d: pass^1 %.3f pass^4 %.3f, %d accepted, %d harmful, %d rollouts%n", seed, m[0], m[1],
                        report.path("accepted").asInt(), harmful, report.at("/rollouts/total").asInt());
                Trees.deleteTree(home);
            }
            out.put("mean_pass1", sum1 / seeds).put("mean_pass4", sum4 / seeds).put("mean_pass1_over_oracle", sum1 / seeds / oracle[0])
                    .put("runs_within_90pct_of_oracle", reached).put("harmful_accepted", harmfulAccepted).put("runs_over_budget", overBudget);

            // The gate alone with a null change: a useless lesson against no lessons.
            int falseAccepts = 0;
            for (int run = 0; run < gateRuns; run++) {
                final int g = run;
                var home = root.resolve("gate" + g);
                try (var harness = Sim.harness(home)) {
                    var session = Sim.session(harness, root);
                    var evaluator = new Evaluator(env, Sim.agent(world), () -> new ScriptedUser(List.of("Hello.")), home.resolve("evals"), harness.store(), 2);
                    var nul = Playbook.empty().apply(List.of(Playbook.Delta.add(SimWorld.useless(g), Scopes.environment(envName))), List.of(),
                            Playbook.Similarity.EXACT).playbook();
                    var tasks = IntStream.range(0, 24).map(i -> (i * 7 + g) % 60).distinct().boxed().toList();
                    var r = GateRun.run(evaluator, session, session.withPlaybook(nul), "dev", tasks, Gate.Options.of(1), 1000L + g, null);
                    if (r.verdict().accepted()) falseAccepts++;
                    cli.err().printf("null gate %d: %s%n", g, r.verdict().reason());
                }
                Trees.deleteTree(home);
            }
            out.put("gate_runs", gateRuns).put("gate_null_accepted", falseAccepts).put("gate_null_acceptance_rate", gateRuns == 0 ? 0 : (double) falseAccepts / gateRuns);

            // Overhead: one more learning run, one trial at a time, so that its wall time minus its trials' own wall time is
            // what the learning machinery (proposing, gating, recording) costs; against a bare evaluation trial's wall time.
            var home = root.resolve("overhead");
            ObjectNode report;
            try (var harness = Sim.harness(home)) {
                var evaluator = new Evaluator(env, Sim.agent(world), () -> new ScriptedUser(List.of("Hello.")), home.resolve("evals"), harness.store(), 1);
                var loop = new LearningLoop(evaluator, Sim.session(harness, root), new ModelReflector(new ScriptedReflectorModel(world, 0)),
                        Playbook.Similarity.EXACT, harness.store(), harness.learned(),
                        new LearningLoop.Config("train", TRAIN, "dev", HOLDOUT, Gate.Options.of(1), budget, 4, 0, true, null));
                report = loop.run(line -> { });
            }
            double trialsMs = 0;
            try (var folders = Files.list(home.resolve("evals"))) {
                for (var f : folders.toList()) {
                    for (var line : Files.readAllLines(f.resolve("trials.jsonl"))) trialsMs += Json.read(line, TrialResult.class).wallMs();
                }
            }
            int n = report.at("/rollouts/total").asInt();
            double overhead = (report.path("wall_ms").asDouble() - trialsMs) / Math.max(1, n);
            double bare = bareTrialMs(root.resolve("bare"), env, world);
            out.put("overhead_rollouts", n).put("learning_overhead_ms_per_rollout", overhead).put("bare_trial_ms", bare)
                    .put("overhead_over_bare_trial", overhead / bare).put("loop_ms_per_rollout_at_concurrency_2", loopMs / Math.max(1, rollouts));
            cli.out().println(out.toPrettyString());
            return 0;
        } finally {
            Trees.deleteTree(root);
        }
    }

    /** pass^1 and pass^4 of a playbook on the measuring tasks, 4 trials each, in a fresh harness. */
    private static double[] measure(Path home, Environment env, SimWorld world, Playbook playbook) throws Exception {
        try (var harness = Sim.harness(home)) {
            var session = Sim.session(harness, home).withPlaybook(playbook);
            var runner = new EvalRunner(env, "dev", Sim.policy(session, world), () -> new ScriptedUser(List.of("Hello.")), null);
            var trials = runner.run(MEASURE, 4, 2, 4242, null);
            var s = Summary.json(env.name(), "dev", trials, 0);
            return new double[] {s.at("/pass_hat_k/1").asDouble(), s.at("/pass_hat_k/4").asDouble()};
        }
    }

    /** The mean wall time of an evaluation trial (the same simulated agent, store on, one at a time), as the trial records it. */
    private static double bareTrialMs(Path home, Environment env, SimWorld world) throws Exception {
        try (var harness = Sim.harness(home)) {
            var session = Sim.session(harness, home);
            new EvalRunner(env, "train", Sim.policy(session, world), () -> new ScriptedUser(List.of("Hello.")), null, harness.store())
                    .run(TRAIN, 1, 1, 1, null); // warm-up
            List<TrialResult> trials = new EvalRunner(env, "train", Sim.policy(session, world), () -> new ScriptedUser(List.of("Hello.")), null,
                    harness.store()).run(TRAIN, 2, 1, 2, null);
            return trials.stream().mapToLong(TrialResult::wallMs).average().orElse(0);
        }
    }
}
