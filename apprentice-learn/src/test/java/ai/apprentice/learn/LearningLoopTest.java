package ai.apprentice.learn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.ScriptedUser;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.Summary;
import ai.apprentice.learn.sim.ScriptedReflectorModel;
import ai.apprentice.learn.sim.Sim;
import ai.apprentice.learn.sim.SimWorld;
import ai.apprentice.memory.playbook.LearnedStore;
import ai.apprentice.memory.playbook.Playbook;
import ai.apprentice.memory.playbook.Scopes;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real loop, gate, evaluation and harness, with a simulated agent whose behaviour is fixed in advance and a
 * scripted reflector model that proposes through the real reflector prompt and parser.
 */
class LearningLoopTest {
    @TempDir Path home;
    @TempDir Path ws;

    static final List<Integer> TRAIN = IntStream.range(0, 60).boxed().toList();
    static final List<Integer> HOLDOUT = IntStream.range(0, 24).boxed().toList();

    record Run(ObjectNode report, Playbook playbook, SimWorld world, Environment env) {}

    private Run learn(String envName, long seed, int budget, boolean apply) throws Exception {
        return learn(envName, seed, budget, apply, "h" + seed);
    }

    /** In a fresh home named {@code homeName}: a home keeps what earlier runs rejected. */
    private Run learn(String envName, long seed, int budget, boolean apply, String homeName) throws Exception {
        var env = EnvironmentProvider.byName(envName, home.resolve("data"));
        var world = SimWorld.of(env);
        try (var harness = Sim.harness(home.resolve(homeName))) {
            var session = Sim.session(harness, ws);
            var evaluator = new Evaluator(env, Sim.agent(world), () -> new ScriptedUser(List.of("Hello.")),
                    harness.home().resolve("evals"), harness.store(), 2);
            var loop = new LearningLoop(evaluator, session, new ModelReflector(new ScriptedReflectorModel(world, seed)), Playbook.Similarity.EXACT,
                    harness.store(), harness.learned(), new LearningLoop.Config("train", TRAIN, "dev", HOLDOUT, Gate.Options.of(1), budget, 4, seed, apply, null));
            var report = loop.run(line -> { });
            return new Run(report, harness.learned().playbook(), world, env);
        }
    }

    /** Held-out pass^1 of a playbook's lessons, measured afresh (not by the loop) on the whole dev split. */
    private static double measure(Run run, Path home, Path ws) throws Exception {
        try (var harness = Sim.harness(home)) {
            var session = Sim.session(harness, ws).withPlaybook(run.playbook());
            var runner = new EvalRunner(run.env(), "dev", Sim.policy(session, run.world()), () -> new ScriptedUser(List.of("Hello.")), null);
            var trials = runner.run(IntStream.range(0, 60).boxed().toList(), 2, 2, 99, null);
            return Summary.json(run.env().name(), "dev", trials, 0).at("/pass_hat_k/1").asDouble();
        }
    }

    @Test
    void keepsTrueLessonsRejectsHarmfulOnesAndTheHeldOutCurveRisesWithinTheBudget() throws Exception {
        var run = learn("textworld", 3, 300, true);
        var r = run.report();
        assertThat(r.at("/rollouts/total").asInt()).isLessThanOrEqualTo(300);
        assertThat(r.at("/rollouts/total").asInt()).isEqualTo(r.at("/rollouts/train").asInt() + r.at("/rollouts/gate").asInt());
        assertThat(r.at("/rollout_cost/input_tokens").asLong()).as("what the rollouts cost is reported").isPositive();
        assertThat(r.at("/reflector/input_tokens").asLong()).isPositive();
        var accepted = new ArrayList<String>();
        int harmfulProposed = 0;
        for (JsonNode d : r.path("decisions")) {
            String text = d.at("/edits/0/text").asText();
            if (run.world().isHarmful(text)) {
                harmfulProposed++;
                assertThat(d.path("accepted").asBoolean()).as("harmful: " + text).isFalse();
            }
            if (d.path("accepted").asBoolean()) accepted.add(text);
        }
        assertThat(harmfulProposed).as("the reflector planted harmful lessons").isPositive();
        assertThat(accepted).isNotEmpty().allMatch(run.world()::isTrue);
        // What the loop made live is what it accepted, in the environment's scope, within the token budget.
        var live = run.playbook().in(List.of(Scopes.environment("textworld")));
        assertThat(live).extracting(l -> l.text()).containsExactlyInAnyOrderElementsOf(accepted);
        assertThat(run.playbook().tokens(Scopes.environment("textworld"))).isLessThanOrEqualTo(run.playbook().tokenBudget());

        var curve = r.path("curve");
        assertThat(curve.size()).isGreaterThanOrEqualTo(2);
        assertThat(curve.get(curve.size() - 1).path("pass_hat_k").asDouble()).isGreaterThan(curve.get(0).path("pass_hat_k").asDouble());
        // Measured afresh on all 60 dev tasks, not by the loop: near the oracle (every true lesson present: 0.9).
        double after = measure(run, home.resolve("measure"), ws);
        assertThat(after).isGreaterThanOrEqualTo(0.9 * 0.9 - 0.05);
    }

    /** Across seeds and environments, no planted harmful lesson the reflector proposes is ever accepted. */
    @Test
    void noPlantedHarmfulLessonIsAcceptedAcrossSeeds() throws Exception {
        int harmfulGated = 0;
        for (var envName : List.of("textworld", "shop", "sql")) {
            for (long seed = 100; seed < 104; seed++) {
                var run = learn(envName, seed, 150, true, envName + seed);
                for (JsonNode d : run.report().path("decisions")) {
                    String text = d.at("/edits/0/text").asText();
                    if (!run.world().isHarmful(text)) continue;
                    if (d.path("rollouts").asInt() > 0) harmfulGated++;
                    assertThat(d.path("accepted").asBoolean()).as(envName + " seed " + seed + ": " + text).isFalse();
                }
                assertThat(run.playbook().lessons()).as(envName + " seed " + seed).allMatch(l -> !run.world().isHarmful(l.text()));
            }
        }
        assertThat(harmfulGated).as("harmful lessons were proposed and gated").isGreaterThanOrEqualTo(6);
    }

    @Test
    void theSameSeedGivesTheSameDecisionsAndABadReflectorReplyChangesNothing() throws Exception {
        var a = learn("sql", 11, 80, false, "first");
        var b = learn("sql", 11, 80, false, "second");
        assertThat(decisions(a.report())).isEqualTo(decisions(b.report())).isNotEmpty();
        assertThat(a.playbook().lessons()).as("a dry run makes nothing live").isEmpty();

        var env = EnvironmentProvider.byName("sql", home.resolve("data"));
        var world = SimWorld.of(env);
        try (var harness = Sim.harness(home.resolve("garbage"))) {
            var evaluator = new Evaluator(env, Sim.agent(world), () -> new ScriptedUser(List.of("Hello.")), harness.home().resolve("evals"), harness.store(), 2);
            var loop = new LearningLoop(evaluator, Sim.session(harness, ws), new ModelReflector(ScriptedReflectorModel.garbage(world)),
                    Playbook.Similarity.EXACT, harness.store(), harness.learned(),
                    new LearningLoop.Config("train", TRAIN, "dev", HOLDOUT, Gate.Options.of(1), 12, 4, 1, true, null));
            var report = loop.run(line -> { });
            assertThat(report.path("problems")).isNotEmpty();
            assertThat(report.path("decisions")).isEmpty();
            assertThat(report.at("/rollouts/gate").asInt()).isZero();
            assertThat(harness.learned().live(LearnedStore.PLAYBOOK)).isEmpty();
        }
    }

    @Test
    void skillsProposedByTheReflectorAreGatedAndOnlyTrueOnesAreInstalled() throws Exception {
        var env = EnvironmentProvider.byName("shop", home.resolve("data"));
        var world = SimWorld.of(env);
        try (var harness = Sim.harness(home.resolve("skills"))) {
            var evaluator = new Evaluator(env, Sim.agentWithSkills(world), () -> new ScriptedUser(List.of("Hello.")), harness.home().resolve("evals"), harness.store(), 2);
            var loop = new LearningLoop(evaluator, Sim.session(harness, ws), new ModelReflector(new ScriptedReflectorModel(world, 21).proposingSkills()).proposingSkills(),
                    Playbook.Similarity.EXACT, harness.store(), harness.learned(),
                    new LearningLoop.Config("train", TRAIN, "dev", HOLDOUT, Gate.Options.of(1), 300, 4, 21, true, null))
                    .withSkills(harness.home().resolve("skills"));
            var report = loop.run(line -> { });
            int skillsGated = 0;
            for (JsonNode d : report.path("decisions")) {
                if (!d.path("kind").asText().equals("skill") || d.path("rollouts").asInt() == 0) continue;
                skillsGated++;
                var description = Json.tree(d.path("key").asText()).at("/files/SKILL.md").asText();
                boolean harmful = world.harmfulLessons().stream().anyMatch(l -> description.contains(l.text()));
                if (harmful) assertThat(d.path("accepted").asBoolean()).as(description).isFalse();
                if (d.path("accepted").asBoolean()) assertThat(world.trueLessons().stream().anyMatch(l -> description.contains(l.text()))).as(description).isTrue();
            }
            assertThat(skillsGated).as("the reflector proposed skills and the gate judged them").isPositive();
            var installed = harness.learned().artifacts().stream().filter(a -> a.startsWith("skill:")).toList();
            assertThat(installed).as(report.path("decisions").toString()).isNotEmpty();
            for (var a : installed) {
                var dir = harness.home().resolve("skills").resolve(a.substring(6));
                assertThat(dir.resolve("SKILL.md")).isRegularFile();
                var text = java.nio.file.Files.readString(dir.resolve("SKILL.md"));
                assertThat(world.trueLessons().stream().anyMatch(l -> text.contains(l.text()))).as(text).isTrue();
            }
            assertThat(report.path("accepted").asInt()).isPositive();
        }
    }

    /** In the simulation an example is "other text": it must never be kept, and offering it must cost only its gate. */
    @Test
    void examplesAreOfferedFromSuccessesAndKeptOnlyIfTheGateSaysSo() throws Exception {
        var env = EnvironmentProvider.byName("sql", home.resolve("data"));
        var world = SimWorld.of(env);
        try (var harness = Sim.harness(home.resolve("examples"))) {
            var evaluator = new Evaluator(env, Sim.agent(world), () -> new ScriptedUser(List.of("Hello.")), harness.home().resolve("evals"), harness.store(), 2);
            var nothing = new ModelReflector(ai.apprentice.model.scripted.ScriptedModel.of(ai.apprentice.model.scripted.ScriptedModel.turn("{\"candidates\": []}")));
            var loop = new LearningLoop(evaluator, Sim.session(harness, ws), nothing, Playbook.Similarity.EXACT, harness.store(),
                    harness.learned(), new LearningLoop.Config("train", TRAIN, "dev", HOLDOUT, Gate.Options.of(1), 120, 4, 5, true, null)).withExamples();
            var report = loop.run(line -> { });
            var kinds = new ArrayList<String>();
            for (JsonNode d : report.path("decisions")) {
                kinds.add(d.path("kind").asText());
                if (d.path("rollouts").asInt() > 0) assertThat(d.path("accepted").asBoolean()).as(d.toString()).isFalse();
            }
            assertThat(kinds).isNotEmpty().containsOnly("example");
            assertThat(harness.learned().examples().examples()).isEmpty();
        }
    }

    private static List<String> decisions(ObjectNode report) {
        var out = new ArrayList<String>();
        report.path("decisions").forEach(d -> out.add(d.path("candidate").asText() + " " + d.path("accepted").asBoolean() + " " + d.path("delta").asText()));
        return out;
    }
}
