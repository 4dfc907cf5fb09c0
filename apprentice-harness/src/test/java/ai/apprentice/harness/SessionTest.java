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
}
