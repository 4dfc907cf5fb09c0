package ai.apprentice.learn.dataset;

import static ai.apprentice.learn.dataset.DatasetFixtures.DB_PASSWORD;
import static ai.apprentice.learn.dataset.DatasetFixtures.problems;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.redact.Redactor;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.store.RunStore;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.Tools;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs of the real agent loop (a scripted model, a real tool) recorded by the real store, exported. */
@Timeout(120)
class DatasetAgentRunTest {
    @TempDir Path dir;

    static final Tool LOOKUP = Tools.builder("lookup").description("Look a setting up by name.")
            .param("name", "string", "the setting's name")
            .execute((args, ctx) -> args.get("name").asText().equals("db") ? "host=db.internal; the operator note says " + DB_PASSWORD : "unknown");

    private static Agent agent(RunStore store, String answer) {
        return Agent.builder().model(ScriptedModel.of(ScriptedModel.toolTurn(null, "lookup", "{\"name\": \"db\"}"), ScriptedModel.turn(answer)))
                .instructions("You answer questions about the deployment.").tool(LOOKUP).listener(store).build();
    }

    @Test
    void aRunOfTheAgentLoopBecomesATrainingLineAndTwoTrialsAPair() throws Exception {
        try (var store = RunStore.open(dir.resolve("apprentice.db"), Redactor.PATTERNS)) {
            var good = agent(store, "The database is db.internal.").run("Where is the database?");
            var bad = agent(store, "I do not know.").run("Where is the database?");
            assertThat(good.status()).isEqualTo(RunStatus.SUCCEEDED);
            store.append(new Event.Reward(good.runId(), Instant.now(), 1, "environment", "right host", "deploy:test/0"));
            store.append(new Event.Reward(bad.runId(), Instant.now(), 0, "environment", "no host", "deploy:test/0"));

            var exporter = new DatasetExporter(store, Redactor.of(Map.of("DB_PASSWORD", DB_PASSWORD)), ToolCatalog.of(List.of(LOOKUP.spec())));
            var sft = exporter.export(DatasetExporter.Options.of(DatasetFormat.OPENAI_SFT).withValidFraction(0).withEnv("deploy"));
            assertThat(sft.train()).hasSize(1);
            var line = Json.tree(sft.train().getFirst());
            assertThat(problems(DatasetFormat.OPENAI_SFT, line)).isEmpty();
            assertThat(line.get("messages")).extracting(m -> m.get("role").asText()).containsExactly("system", "user", "assistant", "tool", "assistant");
            assertThat(line.at("/messages/0/content").asText()).isEqualTo("You answer questions about the deployment.");
            assertThat(line.at("/messages/1/content").asText()).isEqualTo("Where is the database?");
            assertThat(line.at("/messages/2/tool_calls/0/function/arguments").asText()).isEqualTo("{\"name\":\"db\"}");
            assertThat(line.at("/messages/3/content").asText()).contains("host=db.internal").contains("[REDACTED:env:DB_PASSWORD]");
            assertThat(line.at("/messages/4/content").asText()).isEqualTo("The database is db.internal.");
            assertThat(line.at("/tools/0/function/description").asText()).isEqualTo("Look a setting up by name.");
            assertThat(line.at("/tools/0/function/parameters/properties/name/type").asText()).isEqualTo("string");
            assertThat(sft.train().getFirst()).doesNotContain(DB_PASSWORD);

            var dpo = exporter.export(DatasetExporter.Options.of(DatasetFormat.OPENAI_DPO).withValidFraction(0));
            assertThat(dpo.train()).hasSize(1);
            var pair = Json.tree(dpo.train().getFirst());
            assertThat(problems(DatasetFormat.OPENAI_DPO, pair)).isEmpty();
            assertThat(pair.at("/input/messages")).hasSize(4); // instructions, question, the same lookup and its result
            assertThat(pair.at("/preferred_output/0/content").asText()).isEqualTo("The database is db.internal.");
            assertThat(pair.at("/non_preferred_output/0/content").asText()).isEqualTo("I do not know.");
        }
    }
}
