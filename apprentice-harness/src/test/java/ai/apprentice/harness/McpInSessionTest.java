package ai.apprentice.harness;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.Event;
import ai.apprentice.testkit.McpReferenceServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MCP servers in an agent's run: the session's workspace is their root, and their notices reach the person. */
class McpInSessionTest {
    @TempDir Path home;
    @TempDir Path ws;
    @TempDir Path other;

    @Test
    void theWorkspaceIsEachServersRootAndProgressGoesToStderr() throws Exception {
        var entry = McpReferenceServers.entry("server-everything").toString();
        Files.writeString(home.resolve("config.yaml"), "mcp_servers:\n  everything: {command: node, args: [\"" + entry + "\"]}\npermissions:\n  allow: [\"mcp__everything__*\"]\n");
        var err = new ByteArrayOutputStream();
        try (var harness = Harness.builder().home(home).env(Map.of()).err(new PrintStream(err, true, StandardCharsets.UTF_8)).build()) {
            for (var workspace : List.of(ws, other)) {
                var results = new CopyOnWriteArrayList<String>();
                var session = harness.session(workspace, Map.of("model", "scripted:s.jsonl", "approve", "auto", "memory", "off"));
                session.useModel(ScriptedModel.of(
                        ScriptedModel.toolTurn("", "mcp__everything__get-roots-list", "{}"),
                        ScriptedModel.toolTurn("", "mcp__everything__trigger-long-running-operation", "{\"duration\":1,\"steps\":2}"),
                        ScriptedModel.turn("done")));
                session.start("roots", e -> {
                    if (e instanceof Event.ToolResultEvent r) results.add(r.content());
                }).await();
                assertThat(results).hasSize(2);
                // Each workspace's servers see that workspace, not the first one's.
                assertThat(results.get(0)).contains(workspace.toUri().toString().replaceAll("/$", ""));
                if (workspace.equals(other)) assertThat(results.get(0)).doesNotContain(ws.toUri().toString().replaceAll("/$", ""));
            }
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("mcp [everything] progress 1/2")
                // its log message (notifications/message) when it has read the roots: level, logger and text
                .contains("mcp [everything] info everything-server: Roots updated: 1 root(s) received from client");
    }

    @Test
    void aServerThatCrashesMidCallIsAnErrorObservationNamingItAndTheRunGoesOnWithTheOtherServer() throws Exception {
        var flaky = ai.apprentice.testkit.McpReferenceServers.dir().resolve("flaky-server.mjs").toString();
        Files.writeString(home.resolve("config.yaml"), "mcp_servers:\n  flaky: {command: node, args: [\"" + flaky + "\"]}\n"
                + "  steady: {command: node, args: [\"" + flaky + "\"]}\npermissions:\n  allow: [\"mcp__*\"]\n");
        var err = new ByteArrayOutputStream();
        try (var harness = Harness.builder().home(home).env(Map.of()).err(new PrintStream(err, true, StandardCharsets.UTF_8)).build()) {
            var results = new CopyOnWriteArrayList<Event.ToolResultEvent>();
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "auto", "memory", "off"));
            session.useModel(ScriptedModel.of(
                    ScriptedModel.toolTurn("", "mcp__steady__add", "{\"a\":1,\"b\":1}"),
                    ScriptedModel.toolTurn("", "mcp__flaky__crash", "{}"),
                    ScriptedModel.toolTurn("", "mcp__steady__add", "{\"a\":2,\"b\":3}"),
                    ScriptedModel.turn("done despite flaky")));
            long start = System.nanoTime();
            var result = session.start("crash", e -> {
                if (e instanceof Event.ToolResultEvent r) results.add(r);
            }).await();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(results).hasSize(3);
            assertThat(results.get(0).content()).isEqualTo("2");
            var crashed = results.get(1);
            assertThat(crashed.error()).isTrue();
            assertThat(crashed.content()).contains("MCP server 'flaky'").contains("its process exited");
            // The run went on to its next step, where the other server answers, and finished.
            assertThat(results.get(2).step()).isGreaterThan(crashed.step());
            assertThat(results.get(2).error()).as(results.get(2).content()).isFalse();
            assertThat(results.get(2).content()).isEqualTo("5");
            assertThat(result.status()).isEqualTo(ai.apprentice.runtime.RunStatus.SUCCEEDED);
            assertThat(result.answer()).isEqualTo("done despite flaky");
            // Noticed when the process exited, not at the 60 s request timeout.
            assertThat(tookMs).as("the run's time in ms").isLessThan(30_000);
        }
    }

    @Test
    void inAutoModeAServersElicitationIsDeclinedWithoutAskingAnyone() throws Exception {
        var entry = McpReferenceServers.entry("server-everything").toString();
        Files.writeString(home.resolve("config.yaml"), "mcp_servers:\n  everything: {command: node, args: [\"" + entry + "\"]}\npermissions:\n  allow: [\"mcp__everything__*\"]\n");
        var err = new ByteArrayOutputStream();
        var asked = new CopyOnWriteArrayList<String>();
        Harness.Prompter person = new Harness.Prompter() {
            @Override public boolean confirm(String q) { asked.add(q); return false; }
            @Override public String line(String q) { asked.add(q); return "y"; }
        };
        try (var harness = Harness.builder().home(home).env(Map.of()).interactive(true).prompter(person)
                .err(new PrintStream(err, true, StandardCharsets.UTF_8)).build()) {
            var results = new CopyOnWriteArrayList<String>();
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "auto", "memory", "off"));
            session.useModel(ScriptedModel.of(
                    ScriptedModel.toolTurn("", "mcp__everything__trigger-elicitation-request", "{}"),
                    ScriptedModel.turn("done")));
            session.start("ask", e -> {
                if (e instanceof Event.ToolResultEvent r) results.add(r.content());
            }).await();
            // The capability is declared (else the tool would not exist), and the answer is a decline nobody was asked for.
            assertThat(results).singleElement().asString().contains("User declined");
            assertThat(asked).isEmpty();
        }
    }

    @Test
    void inAskModeTheElicitationIsAnsweredOnThePersonsTerminal() throws Exception {
        var entry = McpReferenceServers.entry("server-everything").toString();
        Files.writeString(home.resolve("config.yaml"), "mcp_servers:\n  everything: {command: node, args: [\"" + entry + "\"]}\npermissions:\n  allow: [\"mcp__everything__*\"]\n");
        var err = new ByteArrayOutputStream();
        var answers = new java.util.concurrent.ConcurrentLinkedQueue<>(List.of("y", "Ada"));
        var asked = new CopyOnWriteArrayList<String>();
        Harness.Prompter person = new Harness.Prompter() {
            @Override public boolean confirm(String q) { return false; }
            @Override public String line(String q) {
                asked.add(q);
                var a = answers.poll();
                return a == null ? "" : a; // the rest left empty: their defaults, or skipped
            }
        };
        try (var harness = Harness.builder().home(home).env(Map.of()).interactive(true).prompter(person)
                .approver((tool, subject, arguments) -> ai.apprentice.tools.PolicyGate.Approver.Answer.ONCE)
                .err(new PrintStream(err, true, StandardCharsets.UTF_8)).build()) {
            var results = new CopyOnWriteArrayList<String>();
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "ask", "memory", "off"));
            session.useModel(ScriptedModel.of(
                    ScriptedModel.toolTurn("", "mcp__everything__trigger-elicitation-request", "{}"),
                    ScriptedModel.turn("done")));
            session.start("ask", e -> {
                if (e instanceof Event.ToolResultEvent r) results.add(r.content());
            }).await();
            // The reference server's whole form (titled and multi-select choices among its fields) is asked and accepted.
            assertThat(results).singleElement().asString().contains("User provided the requested information").contains("- Name: Ada")
                    .contains("- Favorite Integer: 42");
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("mcp MCP server 'everything' asks for information");
            assertThat(asked).anyMatch(q -> q.contains("untitledMultipleSelectEnum (some of, separated by commas: Guitar|Piano"));
        }
    }

    /** The user's config: the reference server, allowed to sample ({@code extra} more of its entry), its tools allowed. */
    private void samplingAllowed(String extra) throws Exception {
        var entry = McpReferenceServers.entry("server-everything").toString();
        Files.writeString(home.resolve("config.yaml"), "mcp_servers:\n  everything: {command: node, args: [\"" + entry + "\"], sampling: allow" + extra + "}\n"
                + "permissions:\n  allow: [\"mcp__everything__*\"]\n");
    }

    /** The tool results of a run of {@code agent}. */
    private static List<String> toolResults(ai.apprentice.runtime.Agent agent) throws InterruptedException {
        var results = new CopyOnWriteArrayList<String>();
        agent.start("sample", e -> {
            if (e instanceof Event.ToolResultEvent r) results.add(r.content());
        }).await();
        return results;
    }

    private static final Map<String, Object> AUTO = Map.of("model", "scripted:s.jsonl", "approve", "auto", "memory", "off");

    /** Turn 1 calls the sampling tool and is also what the sampled call plays (it holds no assistant message); turn 2 ends. */
    private static ScriptedModel samplingScript() {
        var first = (com.fasterxml.jackson.databind.node.ObjectNode) ScriptedModel.toolTurn("Rain on the tin roof", "mcp__everything__trigger-sampling-request",
                "{\"prompt\":\"a haiku\",\"maxTokens\":50}");
        first.putObject("usage").put("input_tokens", 10).put("output_tokens", 5);
        var last = (com.fasterxml.jackson.databind.node.ObjectNode) ScriptedModel.turn("done");
        last.putObject("usage").put("input_tokens", 1).put("output_tokens", 1);
        return ScriptedModel.of(first, last);
    }

    private static Harness.Prompter answering(List<String> asked, String answer) {
        return new Harness.Prompter() {
            @Override public boolean confirm(String q) { asked.add(q); return false; }
            @Override public String line(String q) { asked.add(q); return answer; }
        };
    }

    @Test
    void inAskModeASamplingRequestIsApprovedByThePersonAndServedByTheSessionsModelWithinTheRunsBudget() throws Exception {
        var entry = McpReferenceServers.entry("server-everything").toString();
        Files.writeString(home.resolve("config.yaml"), "mcp_servers:\n  everything: {command: node, args: [\"" + entry + "\"]}\npermissions:\n  allow: [\"mcp__everything__*\"]\n");
        var err = new ByteArrayOutputStream();
        var asked = new CopyOnWriteArrayList<String>();
        try (var harness = Harness.builder().home(home).env(Map.of()).interactive(true).prompter(answering(asked, "y"))
                .approver((tool, subject, arguments) -> ai.apprentice.tools.PolicyGate.Approver.Answer.ONCE)
                .err(new PrintStream(err, true, StandardCharsets.UTF_8)).build()) {
            var results = new CopyOnWriteArrayList<String>();
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "ask", "memory", "off"));
            session.useModel(samplingScript());
            var usage = new CopyOnWriteArrayList<Event.UsageEvent>();
            var result = session.start("sample", e -> {
                if (e instanceof Event.ToolResultEvent r) results.add(r.content());
                if (e instanceof Event.UsageEvent u) usage.add(u);
            }).await();
            assertThat(results).singleElement().asString().contains("LLM sampling result").contains("Rain on the tin roof")
                    .contains("\"model\": \"scripted:inline\"").contains("endTurn");
            // The sampled call is recorded in the run, in the step whose tool call it came during, as the loop's own are.
            assertThat(usage).extracting(Event.UsageEvent::step).containsExactly(1, 1, 2);
            assertThat(usage.get(1).runId()).isEqualTo(result.runId());
            assertThat(usage.get(1).inputTokens() + usage.get(1).outputTokens()).isEqualTo(15);
            assertThat(usage.get(1).totalInputTokens() + usage.get(1).totalOutputTokens()).isEqualTo(30);
            assertThat(usage.getLast().totalInputTokens() + usage.getLast().totalOutputTokens()).isEqualTo(32);
            harness.store().flush();
            assertThat(harness.store().events(result.runId())).filteredOn(Event.UsageEvent.class::isInstance).hasSize(3);
            assertThat(asked).singleElement().asString().startsWith("Let it sample?");
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("mcp MCP server 'everything' asks to use apprentice's model")
                    .contains("system prompt: You are a helpful test server.").contains("a haiku");
            // The sampled call's tokens are the run's: its two model calls and the server's one.
            assertThat(result.usage().total()).isEqualTo(15 + 15 + 2);
        }
    }

    @Test
    void inAutoModeASamplingRequestIsRefusedWithoutAskingAnyone() throws Exception {
        var entry = McpReferenceServers.entry("server-everything").toString();
        Files.writeString(home.resolve("config.yaml"), "mcp_servers:\n  everything: {command: node, args: [\"" + entry + "\"]}\npermissions:\n  allow: [\"mcp__everything__*\"]\n");
        var asked = new CopyOnWriteArrayList<String>();
        try (var harness = Harness.builder().home(home).env(Map.of()).interactive(true).prompter(answering(asked, "y"))
                .err(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).build()) {
            var results = new CopyOnWriteArrayList<String>();
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "auto", "memory", "off"));
            session.useModel(samplingScript());
            var result = session.start("sample", e -> {
                if (e instanceof Event.ToolResultEvent r) results.add(r.content());
            }).await();
            assertThat(results).singleElement().asString().contains("sampling request rejected: the run is in auto mode")
                    .contains("sampling needs a person's approval").doesNotContain("Rain on the tin roof");
            assertThat(asked).isEmpty();
            assertThat(result.usage().total()).as("no model call for the server").isEqualTo(15 + 2);
        }
    }

    @Test
    void theUsersOwnConfigMayLetAServerSampleWithoutAPerson() throws Exception {
        samplingAllowed("");
        try (var harness = Harness.builder().home(home).env(Map.of()).err(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).build()) {
            var results = toolResults(harness.session(ws, AUTO).useModel(samplingScript()).agent());
            assertThat(results).singleElement().asString().contains("LLM sampling result").contains("Rain on the tin roof");
        }
    }

    @Test
    void samplingModelsThatAreNotModelSpecsAreIgnoredWithAWarningAndTheRunsModelServes() throws Exception {
        samplingAllowed(", sampling_models: [gpt-4]");
        var err = new ByteArrayOutputStream();
        try (var harness = Harness.builder().home(home).env(Map.of()).err(new PrintStream(err, true, StandardCharsets.UTF_8)).build()) {
            var results = toolResults(harness.session(ws, AUTO).useModel(samplingScript()).agent());
            assertThat(results).singleElement().asString().contains("Rain on the tin roof");
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("mcp_servers.everything.sampling_models in")
                    .contains("is ignored: it must be a list of PROVIDER:MODEL");
        }
    }

    @Test
    void samplingModelsMayRateEachModelsSpeedAndIntelligenceForTheServersPriorities() {
        var rated = Harness.samplingModels(List.of("openai:gpt-4.1", Map.of("model", "ollama:llama3", "speed", 3, "intelligence", 1.5)));
        assertThat(rated).containsExactly(ai.apprentice.mcp.ModelSampler.Rated.unrated("openai:gpt-4.1"),
                new ai.apprentice.mcp.ModelSampler.Rated("ollama:llama3", 3.0, 1.5));
        assertThat(Harness.samplingModels(List.of(Map.of("model", "openai:gpt-5")))).containsExactly(ai.apprentice.mcp.ModelSampler.Rated.unrated("openai:gpt-5"));
        for (var bad : List.<Object>of("openai:gpt-4.1", List.of("gpt-4"), List.of(Map.of("speed", 1)), List.of(Map.of("model", "openai:gpt-5", "speed", -1)),
                List.of(Map.of("model", "openai:gpt-5", "speed", "fast")), List.of(Map.of("model", "openai:gpt-5", "fast", true)), List.of(7))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Harness.samplingModels(bad)).as(String.valueOf(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Harness.samplingModels(List.of(Map.of("model", "openai:gpt-5", "cost", 1))))
                .hasMessageContaining("unknown key 'cost'").hasMessageContaining("prices:");
    }

    @Test
    void aSamplingRequestIsServedByTheModelOfTheRunWhoseCallItCameDuring() throws Exception {
        // Servers are shared by the harness's sessions: the request must go to its own run's model, not to the session
        // that connected last.
        samplingAllowed("");
        try (var harness = Harness.builder().home(home).env(Map.of()).err(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).build()) {
            var firstAgent = harness.session(ws, AUTO).useModel(samplingScript()).agent();
            harness.session(ws, AUTO).useModel(ScriptedModel.of(ScriptedModel.turn("Snow on the other roof"))).agent(); // connects the servers last
            assertThat(toolResults(firstAgent)).singleElement().asString().contains("Rain on the tin roof").doesNotContain("Snow");
        }
    }

    @Test
    void withNobodyToAskAndNoAllowSamplingIsNotDeclared() throws Exception {
        var entry = McpReferenceServers.entry("server-everything").toString();
        Files.writeString(home.resolve("config.yaml"), "mcp_servers:\n  everything: {command: node, args: [\"" + entry + "\"]}\n");
        try (var harness = Harness.builder().home(home).env(Map.of()).err(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).build()) {
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "auto", "memory", "off")).useModel(samplingScript());
            // The reference server registers its sampling tool only for a client that declares sampling.
            assertThat(session.agent().tools().specs().stream().map(ai.apprentice.model.ToolSpec::name)).contains("mcp__everything__echo")
                    .doesNotContain("mcp__everything__trigger-sampling-request");
        }
    }

    @Test
    void aWorkspacesConfigCannotLetAServerSampleWithoutAPerson() throws Exception {
        var entry = McpReferenceServers.entry("server-everything").toString();
        Files.writeString(home.resolve("config.yaml"), "mcp_servers:\n  everything: {command: node, args: [\"" + entry + "\"]}\n"
                + "permissions:\n  allow: [\"mcp__everything__*\"]\n");
        Files.createDirectories(ws.resolve(".apprentice"));
        Files.writeString(ws.resolve(".apprentice/config.yaml"), "mcp_servers:\n  everything: {command: node, args: [\"" + entry + "\"], sampling: allow}\n");
        var err = new ByteArrayOutputStream();
        var asked = new CopyOnWriteArrayList<String>();
        try (var harness = Harness.builder().home(home).env(Map.of()).interactive(true).prompter(answering(asked, "y"))
                .err(new PrintStream(err, true, StandardCharsets.UTF_8)).build()) {
            harness.trustWorkspace(ws); // even a trusted workspace file: the allow is the user's own to give
            var results = new CopyOnWriteArrayList<String>();
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "auto", "memory", "off"));
            session.useModel(samplingScript());
            session.start("sample", e -> {
                if (e instanceof Event.ToolResultEvent r) results.add(r.content());
            }).await();
            assertThat(results).singleElement().asString().contains("sampling request rejected: the run is in auto mode");
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("mcp_servers.everything.sampling: allow is ignored: only 'allow' in the user's config");
            assertThat(asked).isEmpty();
        }
    }
}
