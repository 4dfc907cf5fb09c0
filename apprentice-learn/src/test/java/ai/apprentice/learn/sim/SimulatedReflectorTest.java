package ai.apprentice.learn.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.learn.ModelReflector;
import ai.apprentice.learn.Trajectory;
import ai.apprentice.memory.playbook.Playbook;
import ai.apprentice.memory.playbook.Scopes;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The scripted reflector through the real {@link ModelReflector}: what it proposes, and how often it is right. */
class SimulatedReflectorTest {
    static final String SCOPE = Scopes.environment("textworld");
    static Environment textworld;
    static SimWorld world;

    @BeforeAll
    static void open() {
        textworld = EnvironmentProvider.byName("textworld", null);
        world = SimWorld.of(textworld);
    }

    /** A batch of {@code n} attempts at random test tasks, each failed with probability {@code failure}. */
    static List<Trajectory> batch(Random random, int n, double failure) {
        var out = new ArrayList<Trajectory>();
        for (int i = 0; i < n; i++) {
            int task = random.nextInt(60);
            boolean failed = random.nextDouble() < failure;
            out.add(new Trajectory("R-" + random.nextInt(1_000_000), "textworld:test/" + task, failed ? 0 : 1,
                    failed ? "goal not reached" : "goal reached", "user: Your goal: ...\nassistant: " + SimulatedModel.GIVE_UP, List.of()));
        }
        return out;
    }

    @Test
    void proposalsAreTrueAboutThreeTimesInTen() throws Exception {
        var model = new ScriptedReflectorModel(world, 5);
        var reflector = new ModelReflector(model);
        var random = new Random(3);
        int batches = 600, trueOnes = 0, harmful = 0, useless = 0;
        for (int b = 0; b < batches; b++) {
            var batch = batch(random, 4, 0.6);
            var p = reflector.propose(batch, Playbook.empty(), SCOPE);
            assertThat(p.problem()).isNull();
            if (batch.stream().allMatch(Trajectory::success)) {
                assertThat(p.candidates()).isEmpty();
                continue;
            }
            var c = p.candidates().getFirst();
            assertThat(p.candidates()).hasSize(1);
            assertThat(c.source()).isEqualTo("reflector");
            assertThat(c.edits()).singleElement().satisfies(d -> assertThat(d.scope()).isEqualTo(SCOPE));
            String text = c.edits().getFirst().text();
            var failedRuns = batch.stream().filter(t -> !t.success()).map(Trajectory::runId).toList();
            assertThat(failedRuns).containsAll(c.fromRuns());
            if (world.isTrue(text)) {
                trueOnes++;
                // it applies to a failed task of the batch
                assertThat(batch.stream().filter(t -> !t.success()))
                        .anyMatch(t -> world.trueFor(t.task()).stream().anyMatch(l -> l.text().equals(text)));
            } else if (world.isHarmful(text)) {
                harmful++;
            } else {
                useless++;
            }
        }
        int proposals = trueOnes + harmful + useless;
        assertThat(proposals).isGreaterThan(batches * 8 / 10); // batches of 4 at 0.6 failure all succeed 2.6% of the time
        double t = trueOnes / (double) proposals, h = harmful / (double) proposals, u = useless / (double) proposals;
        // three standard errors at about 580 proposals: 0.057 at 0.3, 0.059 at 0.35
        assertThat(t).isCloseTo(0.3, within(0.057));
        assertThat(h).isCloseTo(0.35, within(0.059));
        assertThat(u).isCloseTo(0.35, within(0.059));
        assertThat(reflector.usage().inputTokens()).isPositive();
        assertThat(reflector.calls()).isEqualTo(batches);
        System.out.printf("scripted reflector, %d proposals: true %.3f, harmful %.3f, useless %.3f%n", proposals, t, h, u);
    }

    @Test
    void itDoesNotProposeWhatThePlaybookHasAndNothingWithoutFailures() throws Exception {
        var all = Playbook.empty().apply(world.trueLessons().stream().map(l -> Playbook.Delta.add(l.text(), SCOPE)).toList(),
                List.of(), Playbook.Similarity.EXACT).playbook();
        var reflector = new ModelReflector(new ScriptedReflectorModel(world, 9));
        var random = new Random(4);
        for (int b = 0; b < 100; b++) {
            var p = reflector.propose(batch(random, 3, 1.0), all, SCOPE);
            assertThat(p.candidates()).singleElement().satisfies(c -> assertThat(world.isTrue(c.edits().getFirst().text())).isFalse());
        }
        var none = reflector.propose(batch(random, 5, 0.0), Playbook.empty(), SCOPE);
        assertThat(none.problem()).isNull();
        assertThat(none.candidates()).isEmpty();
    }

    @Test
    void aReplyWithoutTheJsonChangesNothing() throws Exception {
        var reflector = new ModelReflector(ScriptedReflectorModel.garbage(world));
        var p = reflector.propose(batch(new Random(1), 4, 1.0), Playbook.empty(), SCOPE);
        assertThat(p.candidates()).isEmpty();
        assertThat(p.tags()).isEmpty();
        assertThat(p.problem()).contains("no JSON object").contains("try harder");
    }
}
