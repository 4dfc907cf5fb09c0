package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.Model;
import ai.apprentice.providers.ProviderSettings;
import ai.apprentice.providers.Providers;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.RunHandle;
import ai.apprentice.runtime.RunResult;
import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.store.RunStore;
import ai.apprentice.testkit.MockOpenAiServer;
import ai.apprentice.testkit.MockReply;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.Tools;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's library example, against the mock OpenAI-compatible server, with a store. */
class LibraryApiTest {
    @TempDir Path home;

    @Test
    void theReadmeExampleWorks() throws Exception {
        try (var server = new MockOpenAiServer(); var store = RunStore.open(home.resolve("apprentice.db"))) {
            server.enqueue(MockReply.toolCalls(MockReply.call("add", "{\"a\": 17, \"b\": 25}")), MockReply.text("17 + 25 = 42"));
            Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-test", "OPENAI_BASE_URL", server.baseUrl());

            Tool add = Tools.builder("add").description("Adds two integers")
                    .param("a", "integer", "first").param("b", "integer", "second")
                    .execute((args, ctx) -> String.valueOf(args.get("a").asLong() + args.get("b").asLong()));
            Model model = Providers.resolve("openai:gpt-4.1-mini", ProviderSettings.defaults(), env::get);
            Agent agent = Agent.builder().model(model).tool(add).maxSteps(10).listener(store).build();

            var types = new CopyOnWriteArrayList<String>();
            RunHandle run = agent.start("What is 17 + 25?", event -> types.add(event.type()));
            RunResult result = run.await();

            assertThat(result.answer()).isEqualTo("17 + 25 = 42");
            assertThat(result.costUsd()).isGreaterThan(0); // gpt-4.1-mini is in the price table
            assertThat(types).contains("run_started", "tool_call", "tool_result", "run_finished");
            assertThat(server.requests().get(1).body().at("/messages/3/content").asText()).isEqualTo("42");
            assertThat(RunSnapshot.fromEvents(store.events(result.runId())).history()).hasSize(5);
            assertThat(List.of(store.get(result.runId()).orElseThrow().status().wireName())).containsExactly("succeeded");
        }
    }
}
