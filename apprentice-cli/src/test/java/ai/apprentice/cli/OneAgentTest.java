package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import ai.apprentice.testkit.MockOpenAiServer;
import ai.apprentice.testkit.MockReply;
import ai.apprentice.testkit.MockServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One agent, assembled once: run, eval, subagents and the REPL get their agent from the same harness, so the same
 * settings reach the model the same way (checked at a mock OpenAI-compatible server, through the real client).
 */
@Timeout(180)
class OneAgentTest {
    @TempDir Path home;
    @TempDir Path ws;
    CliHarness cli;
    MockOpenAiServer mock;

    @BeforeEach
    void setUp() {
        cli = new CliHarness(home, ws);
        cli.env.put("OPENAI_API_KEY", "sk-test");
        cli.env.put("APPRENTICE_MEMORY", "off"); // no extraction calls between the requests compared here
        mock = new MockOpenAiServer();
    }

    @AfterEach
    void tearDown() {
        mock.close();
    }

    private List<String> model(String... rest) {
        var args = new ArrayList<>(List.of("--model", "openai:gpt-test", "--base-url", mock.baseUrl()));
        args.addAll(List.of(rest));
        return args;
    }

    private CliHarness.Result run(String... rest) {
        var args = new ArrayList<>(List.of("run"));
        args.addAll(model("--approve", "auto"));
        args.addAll(List.of(rest));
        return cli.run(args.toArray(String[]::new));
    }

    private static String args(Object... kv) {
        var o = Json.object();
        for (int i = 0; i < kv.length; i += 2) o.set((String) kv[i], Json.MAPPER.valueToTree(kv[i + 1]));
        return o.toString();
    }

    private static String system(MockServer.Request r) {
        return r.body().get("messages").get(0).get("content").asText();
    }

    /** The request without its messages and tools: the model parameters. */
    private static ObjectNode parameters(MockServer.Request r) {
        var o = r.body().deepCopy();
        ((ObjectNode) o).remove(List.of("messages", "tools"));
        return (ObjectNode) o;
    }

    private JsonNode runs() {
        return Json.tree(cli.run("runs", "list", "--json").out());
    }

    @Test
    void subagentsUseTheSessionsModelAndEndpoint() throws Exception {
        mock.enqueue(
                MockReply.toolCalls(MockReply.call("spawn_agent", args("instructions", "write hello to out.md", "output_path", "out.md"))),
                MockReply.toolCalls(MockReply.call("write_file", args("path", "out.md", "content", "hello"))),
                MockReply.text("wrote out.md"),
                MockReply.text("The subagent wrote out.md."));
        var r = run("delegate", "the", "writing");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("The subagent wrote out.md.");
        assertThat(Files.readString(ws.resolve("out.md"))).isEqualTo("hello");
        // Before the harness the child re-read config and fell back to the default local model.
        assertThat(mock.requests()).hasSize(4).allSatisfy(q -> assertThat(q.body().get("model").asText()).isEqualTo("gpt-test"));
        var list = runs();
        assertThat(list).hasSize(2);
        assertThat(list).filteredOn(x -> x.has("parent_id")).singleElement()
                .satisfies(child -> assertThat(child.get("model").asText()).isEqualTo("openai:gpt-test"));
    }

    @Test
    void aSubagentMayNotPickAModelTheSettingsDoNotAllow() throws Exception {
        Files.writeString(ws.resolve("secret.txt"), "hunter2 is the password\n");
        mock.enqueue(
                MockReply.toolCalls(MockReply.call("spawn_agent", args("instructions", "x", "output_path", "o.md", "model", "scripted:secret.txt"))),
                MockReply.text("could not"));
        var r = run("try", "it");
        assertThat(r.exit()).as(r.err()).isZero();
        var result = mock.requests().get(1).body().get("messages");
        var observation = result.get(result.size() - 1).get("content").asText();
        assertThat(observation).contains("not allowed for subagents").contains("openai:gpt-test").doesNotContain("hunter2");
        assertThat(runs()).hasSize(1);
    }

    @Test
    void aLoopingSubagentCannotSpendPastTheParentsBudget() throws Exception {
        // 20 input tokens per call at $10,000 per million: $0.20 a step; the tree may spend $0.50.
        Files.writeString(home.resolve("config.yaml"), "prices:\n  \"openai:gpt-test\": {input: 10000, output: 0}\n");
        mock.enqueue(MockReply.toolCalls(MockReply.call("spawn_agent", args("instructions", "loop", "output_path", "o.md"))))
                .fallback(MockReply.toolCalls(MockReply.call("list_files", "{}")));
        var r = run("--max-cost", "0.50", "spend");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("max_cost");
        var list = runs();
        var parent = list.findValues("id").stream().map(JsonNode::asText).toList();
        JsonNode top = null, child = null;
        for (var x : list) {
            if (x.has("parent_id")) child = x; else top = x;
        }
        assertThat(parent).hasSize(2);
        assertThat(child.get("status").asText()).isEqualTo("failed");
        assertThat(child.get("stop_reason").asText()).isEqualTo("max_cost");
        assertThat(top.get("status").asText()).isEqualTo("failed");
        assertThat(top.get("stop_reason").asText()).isEqualTo("max_cost");
        // The parent's cost includes its child's, and the tree stays within the budget plus one step.
        assertThat(top.get("cost_usd").asDouble()).isGreaterThanOrEqualTo(child.get("cost_usd").asDouble() + 0.2 - 1e-9)
                .isLessThanOrEqualTo(0.50 + 0.20 + 1e-9);
        assertThat(mock.requests().size()).isLessThanOrEqualTo(4);
    }

    @Test
    void runAndEvalSendTheSameParametersAndInstructionSections() throws Exception {
        Files.writeString(ws.resolve("APPRENTICE.md"), "Project rule: answer in French.\n");
        mock.fallback(MockReply.text("Je ne sais pas."));
        assertThat(run("bonjour").exit()).isZero();
        var e = cli.run(evalArgs("--skills"));
        assertThat(e.exit()).as(e.err()).isZero();
        var reqs = mock.requests();
        var fromRun = reqs.getFirst();
        var fromEval = reqs.get(1);
        assertThat(parameters(fromEval)).isEqualTo(parameters(fromRun));
        // Everything after the agent's own instructions (project files, the skills index) is the same text.
        var sections = system(fromRun).substring(Harness.INSTRUCTIONS.length());
        assertThat(sections).contains("Project rule: answer in French.").contains("use_skill");
        assertThat(system(fromEval)).endsWith(sections).doesNotStartWith(Harness.INSTRUCTIONS);
        assertThat(fromRun.body().has("tools")).isTrue();
        assertThat(fromEval.body().get("tools")).extracting(t -> t.at("/function/name").asText()).contains("act", "use_skill")
                .doesNotContain("run_shell", "write_file");

        // Text tool mode reaches both the same way: no native tools in either request.
        int before = mock.requests().size();
        assertThat(run("--tool-mode", "text", "bonjour").exit()).isZero();
        assertThat(cli.run(evalArgs("--tool-mode", "text")).exit()).isZero();
        var textReqs = mock.requests().subList(before, mock.requests().size());
        assertThat(textReqs).hasSizeGreaterThanOrEqualTo(2).allSatisfy(q -> assertThat(q.body().path("tools").isEmpty()).isTrue());
    }

    @Test
    void evalTrialsGoThroughTheSessionsRulesAndCarryTheirReward() throws Exception {
        Files.createDirectories(ws.resolve(".apprentice"));
        Files.writeString(ws.resolve(".apprentice/config.yaml"), "permissions:\n  deny: [\"act\"]\n");
        mock.enqueue(MockReply.toolCalls(MockReply.call("act", args("command", "look")))).fallback(MockReply.text("I give up."));
        var e = cli.run(evalArgs());
        assertThat(e.exit()).as(e.err()).isZero();
        var trial = runs().get(0);
        assertThat(trial.at("/reward/source").asText()).isEqualTo("environment");
        assertThat(trial.at("/reward/value").asDouble()).isZero();
        var events = Json.tree(cli.run("runs", "show", trial.get("id").asText(), "--json").out()).get("events");
        assertThat(events).filteredOn(x -> x.get("type").asText().equals("permission")).singleElement()
                .satisfies(p -> {
                    assertThat(p.get("allowed").asBoolean()).isFalse();
                    assertThat(p.get("decided_by").asText()).startsWith("rule");
                });
        assertThat(events).filteredOn(x -> x.get("type").asText().equals("reward")).singleElement()
                .satisfies(x -> assertThat(x.get("explanation").asText()).isNotBlank());
    }

    private String[] evalArgs(String... more) {
        var args = new ArrayList<>(List.of("eval", "textworld", "--tasks", "0", "-k", "1", "--workspace", ws.toString()));
        args.addAll(model(more));
        return args.toArray(String[]::new);
    }

    @Test
    void eachReplLineRecallsItsOwnMemoriesIntoThatCallOnly() throws Exception {
        cli.env.remove("APPRENTICE_MEMORY");
        assertThat(cli.run("memory", "add", "The user's cat is called Miso.").exit()).isZero();
        assertThat(cli.run("memory", "add", "The deploy script lives in tools/deploy.sh and needs VPN access.").exit()).isZero();
        mock.enqueue(MockReply.text("Miso."), MockReply.text("tools/deploy.sh")).fallback(MockReply.text("{\"memories\": []}"));
        var args = new ArrayList<>(model("--approve", "auto", "--workspace", ws.toString()));
        var r = cli.runWithInput("What is my cat called?\nWhere is the deploy script?\n/exit\n", args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        var first = recalled(mock.requests().get(0));
        var second = recalled(mock.requests().get(1));
        assertThat(first.indexOf("Miso")).isGreaterThanOrEqualTo(0).isLessThan(first.indexOf("deploy.sh"));
        assertThat(second.indexOf("deploy.sh")).isGreaterThanOrEqualTo(0).isLessThan(second.indexOf("Miso"));
        // The recall is context for those calls, not part of the instructions or the stored history.
        var id = runs().get(1).get("id").asText();
        var events = Json.tree(cli.run("runs", "show", id, "--json").out()).get("events");
        assertThat(events.get(0).get("messages").toString()).doesNotContain("Miso");
        // What the model saw is in the log: which memories were recalled for this run.
        assertThat(events).filteredOn(e -> e.get("type").asText().equals("memory_recalled")).singleElement()
                .satisfies(e -> assertThat(e.get("texts").get(0).asText()).contains("Miso"));
    }

    /** The text of the system messages after the instructions: where the hooks put their context. */
    private static String recalled(MockServer.Request r) {
        var sb = new StringBuilder();
        var messages = r.body().get("messages");
        for (int i = 1; i < messages.size(); i++) {
            if (messages.get(i).get("role").asText().equals("system")) sb.append(messages.get(i).get("content").asText());
        }
        return sb.toString();
    }
}
