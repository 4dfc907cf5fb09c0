package ai.apprentice.learn.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.ScriptedUser;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.TrialResult;
import ai.apprentice.harness.Harness;
import ai.apprentice.harness.Session;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulated agent through the real evaluation: {@link EvalRunner}, {@link ai.apprentice.eval.AgentPolicy}, a
 * harness session's environment agent and the environment's own reward. Seeds are fixed, so the measured rates are
 * the same on every run; the tolerances are what the number of rollouts allows (about three standard errors).
 */
class SimulatedAgentTest {
    @TempDir static Path home;
    @TempDir static Path workspace;
    static Harness harness;
    static Session session;
    static Environment textworld;

    @BeforeAll
    static void open() {
        harness = Sim.harness(home);
        session = Sim.session(harness, workspace);
        textworld = EnvironmentProvider.byName("textworld", null);
    }

    @AfterAll
    static void close() {
        harness.close();
    }

    static List<Integer> tasks(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    static List<TrialResult> evaluate(Environment env, SimWorld world, String extra, List<Integer> tasks, int k, long seed) throws Exception {
        var runner = new EvalRunner(env, "test", Sim.policy(session, world, extra), () -> new ScriptedUser(List.of("Hello.")), null);
        return runner.run(tasks, k, 8, seed, null);
    }

    static double rate(List<TrialResult> results, Predicate<String> taskFilter) {
        var chosen = results.stream().filter(r -> taskFilter.test(r.taskId())).toList();
        assertThat(chosen).isNotEmpty();
        return chosen.stream().mapToDouble(TrialResult::reward).average().orElseThrow();
    }

    @Test
    void theEnvironmentScoresTheSimulatedAgent() throws Exception {
        for (var name : List.of("textworld", "shop", "sql")) {
            var env = name.equals("textworld") ? textworld : EnvironmentProvider.byName(name, null);
            var always = new SimWorld(name, 1.0, List.of(), List.of());
            var never = new SimWorld(name, 0.0, List.of(), List.of());
            var wins = evaluate(env, always, "", tasks(6), 1, 1);
            assertThat(wins).as(name).hasSize(6).allSatisfy(r -> {
                assertThat(r.error()).as(name + " " + r.taskId()).isNull();
                assertThat(r.reward()).as(name + " " + r.taskId() + ": " + r.explanation()).isEqualTo(1.0);
                assertThat(r.inputTokens()).isPositive();
                assertThat(r.outputTokens()).isPositive();
                assertThat(r.runId()).isNotNull();
            });
            var losses = evaluate(env, never, "", tasks(6), 1, 1);
            assertThat(losses).as(name).hasSize(6).allSatisfy(r -> {
                assertThat(r.error()).isNull();
                assertThat(r.reward()).as(name + " " + r.taskId() + ": " + r.explanation()).isEqualTo(0.0);
                assertThat(r.actions()).as("it gives up at once: its one message ends the episode").isLessThanOrEqualTo(1);
            });
        }
    }

    @Test
    void successFollowsTheLessonsInTheInstructions() throws Exception {
        var world = SimWorld.of(textworld);
        var put = world.trueLessons().get(1);
        var dark = world.harmfulLessons().get(0);
        var all = tasks(60);
        int k = 3; // 180 rollouts a condition; the model-level test below measures the rates more finely

        var none = evaluate(textworld, world, "", all, k, 7);
        double base = expectRate(none, t -> true, 0.4, "no lessons");

        // A true lesson for the tasks whose goal is to put something somewhere, and a harmful one for the medium tasks.
        var both = evaluate(textworld, world, Sim.lessons(put.text(), dark.text()), all, k, 7);
        double helped = expectRate(both, put.appliesTo().and(dark.appliesTo().negate()), 0.9, "where only the true lesson applies");
        double harmed = expectRate(both, dark.appliesTo(), 0.1, "where the harmful one applies, true or not");
        double neither = expectRate(both, put.appliesTo().negate().and(dark.appliesTo().negate()), 0.4, "where neither applies");
        System.out.printf("textworld through the harness, 180 rollouts each: no lessons %.3f; with a true and a harmful lesson %.3f "
                + "where only the true one applies, %.3f where the harmful one does, %.3f where neither%n", base, helped, harmed, neither);
    }

    /** The success rate over the trials of the chosen tasks, checked to be within three standard errors of {@code p}. */
    static double expectRate(List<TrialResult> results, Predicate<String> tasks, double p, String what) {
        var chosen = results.stream().filter(r -> tasks.test(r.taskId())).toList();
        double rate = rate(results, tasks);
        assertThat(rate).as(what + " (" + chosen.size() + " rollouts)").isCloseTo(p, within(3 * Math.sqrt(p * (1 - p) / chosen.size())));
        return rate;
    }

    @Test
    void theSameSeedGivesTheSameOutcomesAndOtherTextOnlyOtherDraws() throws Exception {
        var world = SimWorld.of(textworld);
        var some = tasks(20);
        var a = evaluate(textworld, world, "", some, 2, 11);
        var b = evaluate(textworld, world, "", some, 2, 11);
        assertThat(outcomes(b)).isEqualTo(outcomes(a));
        assertThat(outcomes(evaluate(textworld, world, "", some, 2, 12))).as("another seed").isNotEqualTo(outcomes(a));

        // Text that is no lesson of the world changes the draws: a null change is not coupled to the incumbent.
        var c = evaluate(textworld, world, Sim.lessons(SimWorld.useless(1)), some, 2, 11);
        long differ = IntStream.range(0, a.size()).filter(i -> outcomes(a).get(i).charAt(0) != outcomes(c).get(i).charAt(0)).count();
        assertThat(differ).as("outcomes that differ, of 40").isGreaterThan(9); // independent draws at 0.4 differ 48% of the time
        System.out.printf("textworld through the harness, 40 rollouts: %d outcomes differ with a useless lesson%n", differ);
    }

    @Test
    void theDrawsHaveTheWorldsRatesAndOtherTextKeepsThem() throws Exception {
        // The model alone, many draws: the first call decides the episode.
        var world = SimWorld.of(textworld);
        var put = world.trueLessons().get(1);
        var dark = world.harmfulLessons().get(0);
        var episodes = IntStream.range(0, 60).mapToObj(i -> textworld.start("test", i, 0, null)).toList();
        String policy = episodes.getFirst().policy();
        var conditions = List.of(policy, policy + "\n\n" + Sim.lessons(SimWorld.useless(1)), policy + "\n\n" + Sim.lessons(put.text()),
                policy + "\n\n" + Sim.lessons(put.text(), dark.text()));
        int seeds = 120;
        var wins = new int[conditions.size()][60];
        int differ = 0;
        for (int s = 0; s < seeds; s++) {
            for (int t = 0; t < 60; t++) {
                boolean first = false;
                for (int c = 0; c < conditions.size(); c++) {
                    var model = new SimulatedModel(episodes.get(t), s * 1_000_003L + t * 131L, world);
                    model.chat(ai.apprentice.model.ChatRequest.of(List.of(ai.apprentice.model.Message.system(conditions.get(c)),
                            ai.apprentice.model.Message.user("go")), List.of()), ai.apprentice.model.ModelListener.NONE);
                    assertThat(model.probability()).isEqualTo(world.probability("test/" + t, conditions.get(c)));
                    if (model.success()) wins[c][t]++;
                    if (c == 0) first = model.success();
                    if (c == 1 && model.success() != first) differ++;
                }
            }
        }
        var ids = IntStream.range(0, 60).mapToObj(i -> "test/" + i).toList();
        java.util.function.BiFunction<Integer, Predicate<String>, Double> rate = (c, p) -> {
            int n = 0, w = 0;
            for (int t = 0; t < 60; t++) if (p.test(ids.get(t))) {
                n += seeds;
                w += wins[c][t];
            }
            return w / (double) n;
        };
        // 7,200 draws a condition; three standard errors: 0.017 at 0.4; 0.017 at 0.9 over 3,000; 0.018 at 0.1 over 2,400
        assertThat(rate.apply(0, t -> true)).isCloseTo(0.4, within(0.017));
        assertThat(rate.apply(1, t -> true)).as("useless text keeps the rate").isCloseTo(0.4, within(0.017));
        assertThat(differ / 7_200.0).as("but draws anew").isCloseTo(0.48, within(0.018));
        assertThat(rate.apply(2, put.appliesTo())).isCloseTo(0.9, within(0.017));
        assertThat(rate.apply(2, put.appliesTo().negate())).isCloseTo(0.4, within(0.023));
        assertThat(rate.apply(3, dark.appliesTo())).isCloseTo(0.1, within(0.018));
        System.out.printf("simulated model, 7,200 draws a condition: %.3f none, %.3f useless (%.3f of outcomes differ), %.3f/%.3f with a "
                        + "true lesson where it applies/elsewhere, %.3f with a harmful one where it applies%n", rate.apply(0, t -> true),
                rate.apply(1, t -> true), differ / 7_200.0, rate.apply(2, put.appliesTo()), rate.apply(2, put.appliesTo().negate()),
                rate.apply(3, dark.appliesTo()));
    }

    /** Each trial's outcome, in task and trial order. */
    static List<String> outcomes(List<TrialResult> results) {
        return results.stream().sorted(java.util.Comparator.comparing(TrialResult::taskId).thenComparing(TrialResult::trial))
                .map(r -> (r.success() ? "1" : "0") + " " + r.taskId() + "#" + r.trial()).toList();
    }

    @Test
    void theWorldsFollowTheirDesign() {
        for (var name : List.of("textworld", "shop", "sql")) {
            var env = name.equals("textworld") ? textworld : EnvironmentProvider.byName(name, null);
            var world = SimWorld.of(env);
            var ids = IntStream.range(0, env.size("test")).mapToObj(i -> env.taskId("test", i)).toList();
            assertThat(world.trueLessons()).hasSize(3);
            assertThat(world.harmfulLessons()).hasSize(2);
            assertThat(ids).as(name + ": the broad lesson applies everywhere").allMatch(world.trueLessons().get(0).appliesTo());
            double half = ids.stream().filter(world.trueLessons().get(1).appliesTo()).count() / (double) ids.size();
            assertThat(half).as(name + ": the narrow lessons split the tasks").isBetween(0.3, 0.7);
            assertThat(ids).as(name + ": complementary halves")
                    .allMatch(t -> world.trueLessons().get(1).appliesTo().test(t) != world.trueLessons().get(2).appliesTo().test(t));
            for (var h : world.harmfulLessons()) {
                double share = ids.stream().filter(h.appliesTo()).count() / (double) ids.size();
                assertThat(share).as(name + ": " + h.text()).isBetween(0.2, 0.45);
            }
            assertThat(world.oracle(ids)).isEqualTo(0.9);
            assertThat(world.expected(ids, "")).isEqualTo(0.4);
            assertThat(world.expected(ids, "- [L-1] " + SimWorld.useless(3))).isEqualTo(0.4);
            var t0 = ids.stream().filter(world.harmfulLessons().get(0).appliesTo()).findFirst().orElseThrow();
            var everything = String.join("\n", world.trueLessons().stream().map(SimWorld.SimLesson::text).toList()) + "\n"
                    + world.harmfulLessons().get(0).text();
            assertThat(world.probability(t0, everything)).as("harmful wins over true").isEqualTo(0.1);
            assertThat(world.probability(name + ":" + t0, everything)).as("an ENV: prefix is understood").isEqualTo(0.1);
            System.out.printf("%s: narrow halves %.2f / %.2f, harmful %.2f and %.2f of the test tasks%n", name, half, 1 - half,
                    ids.stream().filter(world.harmfulLessons().get(0).appliesTo()).count() / (double) ids.size(),
                    ids.stream().filter(world.harmfulLessons().get(1).appliesTo()).count() / (double) ids.size());
        }
    }
}
