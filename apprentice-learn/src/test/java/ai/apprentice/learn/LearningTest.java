package ai.apprentice.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.ScriptedUser;
import ai.apprentice.learn.sim.Sim;
import ai.apprentice.learn.sim.SimWorld;
import ai.apprentice.memory.playbook.LearnedStore;
import ai.apprentice.memory.playbook.Playbook;
import ai.apprentice.memory.playbook.Scopes;
import ai.apprentice.model.Message;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Gating one candidate, applying it, undoing it; everyday runs as trajectories; candidates from a file in the loop. */
class LearningTest {
    @TempDir Path home;
    @TempDir Path ws;

    static final List<Integer> TASKS = IntStream.range(0, 24).boxed().toList();

    private Evaluator evaluator(ai.apprentice.harness.Harness harness, SimWorld world) throws Exception {
        var env = EnvironmentProvider.byName(world.env(), home.resolve("data"));
        return new Evaluator(env, Sim.agent(world), () -> new ScriptedUser(List.of("Hello.")), harness.home().resolve("evals"), harness.store(), 2);
    }

    @Test
    void anAcceptedLessonGoesLiveAndUndoRestoresThePlaybookByteForByte() throws Exception {
        var world = SimWorld.of(EnvironmentProvider.byName("textworld", home.resolve("data")));
        try (var harness = Sim.harness(home.resolve("h"))) {
            var learning = new Learning(harness);
            var scope = Scopes.environment("textworld");
            // Something already live in another scope: learning here must leave it as it is.
            var before = Playbook.empty().apply(List.of(Playbook.Delta.add("Answer in British English.", Scopes.USER)), List.of(), Playbook.Similarity.EXACT).playbook();
            harness.learned().put(LearnedStore.PLAYBOOK, before.json(), "a person's lesson", null);
            String json = harness.learned().live(LearnedStore.PLAYBOOK).orElseThrow();

            var broad = world.trueLessons().getFirst().text();
            var session = Sim.session(harness, ws);
            var verdict = learning.gate(evaluator(harness, world), session, new Candidate("C-1", List.of(Playbook.Delta.add(broad, scope)), null, "", "file", List.of()),
                    "dev", TASKS, Gate.Options.of(2), 5, true);
            assertThat(verdict.path("accepted").asBoolean()).as(verdict.toString()).isTrue();
            assertThat(verdict.path("k").asInt()).isEqualTo(2);
            assertThat(verdict.path("delta").asDouble()).isPositive();
            assertThat(verdict.at("/ci95/0").asDouble()).isPositive();
            assertThat(verdict.path("incumbent_eval").asText()).startsWith("eval-");
            assertThat(Files.isRegularFile(harness.home().resolve("evals").resolve(verdict.path("candidate_eval").asText()).resolve("trials.jsonl"))).isTrue();
            var live = harness.learned().playbook();
            assertThat(live.in(List.of(scope))).extracting(l -> l.text()).containsExactly(broad);
            assertThat(live.in(List.of(Scopes.USER))).hasSize(1);
            // The everyday agent's instructions do not change; the environment's do.
            assertThat(session.agent().instructions()).doesNotContain(broad);

            var harmful = world.harmfulLessons().getFirst().text();
            var rejected = learning.gate(evaluator(harness, world), session, new Candidate("C-2", List.of(Playbook.Delta.add(harmful, scope)), null, "", "file", List.of()),
                    "dev", TASKS, Gate.Options.of(1), 5, true);
            assertThat(rejected.path("accepted").asBoolean()).isFalse();
            assertThat(harness.learned().playbook()).isEqualTo(live);
            assertThatThrownBy(() -> learning.undo(rejected.path("decision").asText())).hasMessageContaining("nothing to undo");

            learning.undo(verdict.path("decision").asText());
            assertThat(harness.learned().live(LearnedStore.PLAYBOOK)).contains(json);
            var status = learning.status();
            assertThat(status.path("decisions").asInt()).isEqualTo(2);
            assertThat(status.path("accepted").asInt()).isEqualTo(1);
        }
    }

    @Test
    void aCandidateThatChangesNothingIsRejectedWithoutARollout() throws Exception {
        var world = SimWorld.of(EnvironmentProvider.byName("sql", home.resolve("data")));
        try (var harness = Sim.harness(home.resolve("h"))) {
            var scope = Scopes.environment("sql");
            var live = Playbook.empty().apply(List.of(Playbook.Delta.add("Look at the tables first.", scope)), List.of(), Playbook.Similarity.EXACT).playbook();
            harness.learned().put(LearnedStore.PLAYBOOK, live.json(), "test", null);
            var verdict = new Learning(harness).gate(evaluator(harness, world), Sim.session(harness, ws),
                    new Candidate("C-1", List.of(Playbook.Delta.add("look at the tables first", scope)), null, "", "file", List.of()), "dev", TASKS,
                    Gate.Options.of(1), 1, true);
            assertThat(verdict.path("accepted").asBoolean()).isFalse();
            assertThat(verdict.path("reason").asText()).contains("changes nothing");
            assertThat(verdict.path("rollouts").asInt()).isZero();
            assertThat(verdict.path("incumbent_eval").isNull()).isTrue();
            assertThat(harness.store().list(10)).as("no trial ran").isEmpty();
        }
    }

    @Test
    void anAcceptedSkillIsInstalledAndUndoPutsBackWhatWasThere() throws Exception {
        var world = SimWorld.of(EnvironmentProvider.byName("textworld", home.resolve("data")));
        try (var harness = Sim.harness(home.resolve("h"))) {
            // The skill's description carries the broad true lesson: with skills on, the index in the instructions has it.
            var skill = ws.resolve("candidate/route-planning");
            Files.createDirectories(skill);
            String md = "---\nname: route-planning\ndescription: \"" + world.trueLessons().getFirst().text() + "\"\n---\nPlan the route.\n";
            Files.writeString(skill.resolve("SKILL.md"), md);
            var installed = harness.home().resolve("skills/route-planning");
            Files.createDirectories(installed);
            Files.writeString(installed.resolve("SKILL.md"), "---\nname: route-planning\ndescription: Walk around.\n---\nOld body.\n");
            var env = EnvironmentProvider.byName("textworld", home.resolve("data"));
            var skills = new Evaluator(env, s -> Sim.policyWithSkills(s, world), () -> new ScriptedUser(List.of("Hello.")),
                    harness.home().resolve("evals"), harness.store(), 2);
            var learning = new Learning(harness);
            var verdict = learning.gate(skills, Sim.session(harness, ws), Proposals.gateCandidate(skill, Scopes.environment("textworld")), "dev", TASKS,
                    Gate.Options.of(2), 3, true);
            assertThat(verdict.path("accepted").asBoolean()).as(verdict.toString()).isTrue();
            assertThat(Files.readString(installed.resolve("SKILL.md"))).isEqualTo(md);
            learning.undo(verdict.path("decision").asText());
            assertThat(Files.readString(installed.resolve("SKILL.md"))).contains("Old body.");
            assertThat(harness.learned().history("skill:route-planning")).hasSizeGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void everydayRunsPeopleJudgedAreTrajectoriesAndEvaluationTrialsAreNot() throws Exception {
        try (var harness = Sim.harness(home.resolve("h"))) {
            var store = harness.store();
            var t = Instant.now();
            for (var id : List.of("good", "bad", "fixed", "unjudged", "trial")) {
                store.onEvent(new Event.RunStarted(id, t, "task of " + id, "m", null, ws.toString(), List.of(Message.user("task of " + id))));
                store.onEvent(new Event.RunFinished(id, t, RunStatus.SUCCEEDED, null, "done", 1, 1, 1, 0));
            }
            store.append(Event.Feedback.of("good", "good", null, null, "ana"));
            store.append(Event.Feedback.of("bad", "bad", null, null, "ana"));
            store.append(Event.Feedback.of("fixed", null, null, "Use the staging database, not production.", "ana"));
            store.append(new Event.Reward("trial", t, 1, "environment", "solved", "textworld:dev/1"));
            var judged = StoredRuns.judged(store, null, 100);
            assertThat(judged).extracting(Trajectory::runId).containsExactlyInAnyOrder("good", "bad", "fixed");
            var fixed = judged.stream().filter(j -> j.runId().equals("fixed")).findFirst().orElseThrow();
            assertThat(fixed.reward()).isZero();
            assertThat(fixed.corrections()).anyMatch(c -> c.contains("staging database"));
            assertThat(fixed.transcript()).contains("user: task of fixed");
            assertThat(StoredRuns.judged(store, t.plusSeconds(60), 100)).isEmpty();
        }
    }

    @Test
    void candidatesFromAFileGoToTheGateOneARoundWithoutTrainingRollouts() throws Exception {
        var world = SimWorld.of(EnvironmentProvider.byName("textworld", home.resolve("data")));
        var file = ws.resolve("lessons.md");
        Files.writeString(file, "- " + world.harmfulLessons().getFirst().text() + "\n---\n- " + world.trueLessons().getFirst().text() + "\n");
        try (var harness = Sim.harness(home.resolve("h"))) {
            var loop = new LearningLoop(evaluator(harness, world), Sim.session(harness, ws), new FileProposer(Proposals.read(file, Scopes.environment("textworld"))),
                    Playbook.Similarity.EXACT, harness.store(), harness.learned(),
                    new LearningLoop.Config("train", List.of(0, 1, 2), "dev", TASKS, Gate.Options.of(1), 500, 4, 2, true, null));
            var report = loop.run(line -> { });
            assertThat(report.at("/rollouts/train").asInt()).isZero();
            assertThat(report.path("stop_reason").asText()).isEqualTo("no more proposals");
            assertThat(report.path("decisions")).hasSize(2);
            assertThat(report.at("/decisions/0/accepted").asBoolean()).isFalse();
            assertThat(report.at("/decisions/1/accepted").asBoolean()).isTrue();
            assertThat(harness.learned().playbook().lessons()).extracting(l -> l.text()).containsExactly(world.trueLessons().getFirst().text());
            // A second run on the same environment does not gate again what the gate rejected before.
            var again = new LearningLoop(evaluator(harness, world), Sim.session(harness, ws), new FileProposer(Proposals.read(file, Scopes.environment("textworld"))),
                    Playbook.Similarity.EXACT, harness.store(), harness.learned(),
                    new LearningLoop.Config("train", List.of(0, 1, 2), "dev", TASKS, Gate.Options.of(1), 500, 4, 2, true, null)).run(line -> { });
            assertThat(again.at("/decisions/0/reason").asText()).startsWith("rejected before (" + report.at("/decisions/0/id").asText());
            assertThat(again.at("/decisions/0/rollouts").asInt()).isZero();
            var html = ws.resolve("r/learn.html");
            LearnReport.write(html, report);
            assertThat(Files.readString(html)).contains("<svg").contains("accepted").contains("rejected").contains("eval compare");
            assertThat(Files.isRegularFile(ws.resolve("r/learn.json"))).isTrue();
        }
    }

    /** A model that answers as another but reports {@code factor} times its tokens: a dearer model of the same skill. */
    private static ai.apprentice.model.Model costing(ai.apprentice.model.Model inner, int factor) {
        return new ai.apprentice.model.Model() {
            @Override public String id() { return inner.id(); }

            @Override
            public ai.apprentice.model.ChatResponse chat(ai.apprentice.model.ChatRequest request, ai.apprentice.model.ModelListener listener)
                    throws InterruptedException {
                var r = inner.chat(request, listener);
                return new ai.apprentice.model.ChatResponse(r.message(), new ai.apprentice.model.Usage(r.usage().inputTokens() * factor,
                        r.usage().outputTokens() * factor), r.finishReason());
            }
        };
    }

    private static ai.apprentice.model.Model named(String id) {
        return new ai.apprentice.model.Model() {
            @Override public String id() { return id; }

            @Override
            public ai.apprentice.model.ChatResponse chat(ai.apprentice.model.ChatRequest request, ai.apprentice.model.ModelListener listener) {
                throw new AssertionError("the simulation plays " + id);
            }
        };
    }

    @Test
    void routingTakesACheaperModelThatDoesAsWellRefusesAWorseOneAndUndoPutsTheOldOneBack() throws Exception {
        var env = EnvironmentProvider.byName("textworld", home.resolve("data"));
        var strong = new SimWorld("textworld", 0.9, List.of(), List.of());
        var weak = new SimWorld("textworld", 0.3, List.of(), List.of());
        // The session's own model is a dear strong one; "small" is as strong at a tenth of the tokens; "weak" is cheap and bad.
        var episodeModel = new ai.apprentice.eval.AgentPolicy.EpisodeModel() {
            @Override
            public ai.apprentice.model.Model forEpisode(ai.apprentice.envs.Episode episode, long seed) {
                throw new AssertionError("the chosen model decides");
            }

            @Override
            public ai.apprentice.model.Model forEpisode(ai.apprentice.envs.Episode episode, long seed, ai.apprentice.model.Model chosen) {
                return switch (chosen.id()) {
                    case "simulated:small" -> new ai.apprentice.learn.sim.SimulatedModel(episode, seed ^ 0x5111L, strong);
                    case "simulated:weak" -> new ai.apprentice.learn.sim.SimulatedModel(episode, seed ^ 0x3ea4L, weak);
                    default -> costing(new ai.apprentice.learn.sim.SimulatedModel(episode, seed, strong), 10);
                };
            }
        };
        try (var harness = Sim.harness(home.resolve("h"))) {
            var session = Sim.session(harness, ws).useModel("simulated:small", named("simulated:small")).useModel("simulated:weak", named("simulated:weak"));
            java.util.function.Function<ai.apprentice.harness.Session, ai.apprentice.eval.Policy> agent = s -> new ai.apprentice.eval.AgentPolicy(
                    (policy, tools, max) -> s.builder(ai.apprentice.harness.AgentSpec.environment("textworld", policy, tools, max, false, false)), episodeModel);
            var evaluator = new Evaluator(env, agent, () -> new ScriptedUser(List.of("Hello.")), harness.home().resolve("evals"), harness.store(), 2);
            var learning = new Learning(harness);
            var all = IntStream.range(0, 60).boxed().toList();
            var result = learning.route(evaluator, session, List.of("simulated:weak", "simulated:small"), "dev", all, new Gate.Options(1, 0.15, 0.1, true), 7, true);
            assertThat(result.at("/decisions/0/accepted").asBoolean()).as(result.toString()).isFalse();
            assertThat(result.at("/decisions/1/accepted").asBoolean()).as(result.toString()).isTrue();
            assertThat(result.at("/decisions/1/reason").asText()).contains("cheaper");
            assertThat(result.path("chosen_model").asText()).isEqualTo("simulated:small");
            // Live: the environment's agents now run on it; the everyday agent does not.
            assertThat(harness.learned().routing().model(Scopes.environment("textworld"))).contains("simulated:small");
            var fresh = Sim.session(harness, ws).useModel("simulated:small", named("simulated:small"));
            assertThat(fresh.builder(ai.apprentice.harness.AgentSpec.environment("textworld", "p", List.of(), 5, false, false)).model().id()).isEqualTo("simulated:small");
            assertThat(fresh.builder(ai.apprentice.harness.AgentSpec.environment("sql", "p", List.of(), 5, false, false)).model().id()).isEqualTo("simulated:unused");
            assertThat(learning.status().at("/routes/environment:textworld").asText()).isEqualTo("simulated:small");
            learning.undo(result.at("/decisions/1/decision").asText());
            assertThat(harness.learned().routing().routes()).isEmpty();
        }
    }
}
