package ai.apprentice.harness;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.scripted.ScriptedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings are resolved once per session: a config file changed meanwhile counts from the next session on. */
class SessionTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void aSettingsFileChangedDuringASessionHasNoEffectUntilTheNextOne() throws Exception {
        Files.writeString(home.resolve("config.yaml"), "max_steps: 5\nmemory: \"off\"\n");
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl"));
            session.useModel(ScriptedModel.of(ScriptedModel.turn("ok")));
            assertThat(session.agent().budget().maxSteps()).isEqualTo(5);

            // Someone changes the user's config mid-session: a bigger budget, another model.
            Files.writeString(home.resolve("config.yaml"), "max_steps: 99\nmodel: openai:gpt-other\nmemory: \"off\"\n");
            assertThat(session.agent().budget().maxSteps()).as("agents of the running session").isEqualTo(5);
            assertThat(session.settings().model()).contains("scripted:s.jsonl");
            var child = session.builder(new AgentSpec("sub", java.util.List.of(), true, true, false, false, true,
                    java.util.List.of(), null, null, null)).build();
            assertThat(child.budget().maxSteps()).as("and its subagents").isEqualTo(5);

            var next = harness.session(ws, Map.of());
            assertThat(next.settings().maxSteps()).as("the next session reads the file").isEqualTo(99);
            assertThat(next.settings().model()).contains("openai:gpt-other");
        }
    }

    @Test
    void lessonsGoIntoTheInstructionsOfTheAgentsTheyApplyTo() throws Exception {
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            var env = ai.apprentice.memory.playbook.Scopes.environment("shop");
            var live = ai.apprentice.memory.playbook.Playbook.empty().apply(java.util.List.of(
                    ai.apprentice.memory.playbook.Playbook.Delta.add("Compare prices before buying.", env),
                    ai.apprentice.memory.playbook.Playbook.Delta.add("Answer in British English.", ai.apprentice.memory.playbook.Scopes.USER)),
                    java.util.List.of(), ai.apprentice.memory.playbook.Playbook.Similarity.EXACT).playbook();
            harness.learned().put(ai.apprentice.memory.playbook.LearnedStore.PLAYBOOK, live.json(), "test", null);
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "memory", "off"));
            session.useModel(ScriptedModel.of(ScriptedModel.turn("ok")));

            var shop = session.builder(AgentSpec.environment("shop", "Shop policy.", java.util.List.of(), 5, false, false)).build();
            assertThat(shop.instructions()).startsWith("Shop policy.").contains("Compare prices before buying.").doesNotContain("British");
            var sql = session.builder(AgentSpec.environment("sql", "SQL policy.", java.util.List.of(), 5, false, false)).build();
            assertThat(sql.instructions()).doesNotContain("Lessons learned");
            assertThat(session.agent().instructions()).contains("Answer in British English.").doesNotContain("Compare prices");

            // A session with another playbook (the gate's candidate arm) uses it instead; the live one is untouched.
            var candidate = session.withPlaybook(ai.apprentice.memory.playbook.Playbook.empty());
            assertThat(candidate.builder(AgentSpec.environment("shop", "Shop policy.", java.util.List.of(), 5, false, false)).build().instructions())
                    .isEqualTo("Shop policy.");
            assertThat(candidate.model()).as("models are shared").isSameAs(session.model());
            assertThat(harness.learned().playbook()).isEqualTo(live);
        }
    }

    @Test
    void aLearnedExampleLikeTheTaskIsShownAsContextAndNotStored() throws Exception {
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            var requests = new java.util.concurrent.CopyOnWriteArrayList<ai.apprentice.model.ChatRequest>();
            var model = new ai.apprentice.model.Model() {
                @Override public String id() { return "scripted:recording"; }

                @Override
                public ai.apprentice.model.ChatResponse chat(ai.apprentice.model.ChatRequest request, ai.apprentice.model.ModelListener listener) {
                    requests.add(request);
                    return new ai.apprentice.model.ChatResponse(ai.apprentice.model.Message.assistant("done"), ai.apprentice.model.Usage.ZERO, "stop");
                }
            };
            var env = ai.apprentice.memory.playbook.Scopes.environment("sql");
            var examples = ai.apprentice.memory.playbook.Examples.empty().with(new ai.apprentice.memory.playbook.Examples.Example("E-1", env,
                    "How many orders are in the store database?", "assistant calls query {\"sql\": \"SELECT COUNT(*) FROM orders\"}", "run-0"));
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "memory", "off")).withExamples(examples);
            session.useModel(model);
            var agent = session.builder(AgentSpec.environment("sql", "SQL policy.", java.util.List.of(), 5, false, false)).build();
            var result = agent.start("r1", "How many customers are in the store database?", null).await();
            var system = requests.getFirst().messages().stream().filter(m -> m.role() == ai.apprentice.model.Role.SYSTEM).toList();
            assertThat(system).hasSize(2);
            assertThat(system.get(1).text()).startsWith("## A similar task done before").contains("SELECT COUNT(*) FROM orders");
            assertThat(harness.store().events(result.runId()).toString()).as("context, not history").doesNotContain("SELECT COUNT(*) FROM orders");
            // An unlike task gets none; nor does another environment's agent.
            requests.clear();
            agent.start("r2", "Write a poem about autumn.", null).await();
            assertThat(requests.getFirst().messages().stream().filter(m -> m.role() == ai.apprentice.model.Role.SYSTEM)).hasSize(1);
            requests.clear();
            session.builder(AgentSpec.environment("shop", "Shop policy.", java.util.List.of(), 5, false, false)).build()
                    .start("r3", "How many customers are in the store database?", null).await();
            assertThat(requests.getFirst().messages().stream().filter(m -> m.role() == ai.apprentice.model.Role.SYSTEM)).hasSize(1);
        }
    }
}
