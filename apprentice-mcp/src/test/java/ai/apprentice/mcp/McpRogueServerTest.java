package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.testkit.RogueMcpServer;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that breaks the protocol's promises (a hand-written one: an SDK server would not let its tools): structured
 * content against its tool's output schema, requests for capabilities apprentice did not declare. The agent gets an
 * error observation naming the server, the connection and the other servers go on.
 */
@Timeout(120)
class McpRogueServerTest {
    @TempDir Path tmp;

    private static McpServerConfig rogue(String name) {
        var command = RogueMcpServer.command();
        return McpServerConfig.stdio(name, command.get(0), command.subList(1, command.size()), Map.of());
    }

    private static Tool tool(List<Tool> tools, String name) {
        return tools.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in " + tools.stream().map(Tool::name).toList()));
    }

    private static ToolResult weather(List<Tool> tools, String server, String give) throws Exception {
        return tool(tools, "mcp__" + server + "__weather").execute(Json.object().put("give", give), null);
    }

    @Test
    void structuredContentIsCheckedAgainstTheToolsOutputSchemaPerServerAndToolList() throws Exception {
        var changes = new java.util.concurrent.atomic.AtomicInteger();
        try (var mcp = new McpClientManager(List.of(rogue("rogue"), rogue("other")), Duration.ofSeconds(30))) {
            mcp.onToolsChanged(m -> changes.incrementAndGet());
            var tools = mcp.tools();
            assertThat(mcp.problems()).isEmpty();

            var good = weather(tools, "rogue", "good");
            assertThat(good.error()).as(good.content()).isFalse();
            assertThat(Json.tree(good.content()).get("celsius").asDouble()).isEqualTo(21.5);

            // The text content looks fine; the structured content breaks the schema, and the model gets neither.
            var wrong = weather(tools, "rogue", "wrong");
            assertThat(wrong.error()).isTrue();
            assertThat(wrong.content()).contains("MCP server 'rogue'").contains("tool 'weather'")
                    .contains("/celsius: string found, number expected (schema rule type at #/properties/celsius/type)")
                    .doesNotContain("Oslo");

            var missing = weather(tools, "rogue", "missing");
            assertThat(missing.error()).isTrue();
            assertThat(missing.content()).contains("MCP server 'rogue'").contains("tool 'weather'").contains("no structured content");

            // An error result carries no structured result: it is passed on as the server's error.
            var failed = weather(tools, "rogue", "error");
            assertThat(failed.error()).isTrue();
            assertThat(failed.content()).isEqualTo("no weather today");

            var loose = tool(tools, "mcp__rogue__loose").execute(Json.object(), null);
            assertThat(loose.error()).as(loose.content()).isFalse();
            assertThat(Json.tree(loose.content()).get("anything").size()).isEqualTo(2);

            // The connection is fine after all that: no reconnect, the same server answers.
            assertThat(weather(tools, "rogue", "good").error()).isFalse();

            // A new tool list brings new schemas, for that server only.
            assertThat(tool(tools, "mcp__rogue__reschema").execute(Json.object(), null).content()).isEqualTo("changed");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (changes.get() == 0 && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(changes.get()).as("tools/list_changed received").isPositive();
            assertThat(weather(tools, "rogue", "wrong").error()).isFalse();
            assertThat(weather(tools, "rogue", "good").content()).contains("MCP server 'rogue'")
                    .contains("/celsius: number found, string expected");
            assertThat(weather(tools, "other", "good").error()).isFalse();
            assertThat(weather(tools, "other", "wrong").content()).contains("MCP server 'other'").contains("number expected");
        }
    }

    @Test
    void theSameCheckServesApprenticeMcpCall() {
        // The CLI's `mcp call` goes through McpConnection.call, not the agent's tool: the check is there.
        try (var c = new McpConnection(rogue("rogue"), Duration.ofSeconds(30), x -> { })) {
            var r = c.call("weather", Map.of("give", "wrong"));
            assertThat(r.isError()).isTrue();
            assertThat(McpClientManager.render(r).content()).contains("MCP server 'rogue'").contains("/celsius");
            assertThat(c.call("weather", Map.of("give", "good")).isError()).isNotEqualTo(Boolean.TRUE);
        }
    }

    private static String ask(List<Tool> tools, String server, String method, String params) throws Exception {
        var args = Json.object().put("method", method);
        if (params != null) args.set("params", Json.tree(params));
        var r = tool(tools, "mcp__" + server + "__ask").execute(args, null);
        assertThat(r.error()).as(r.content()).isFalse();
        assertThat(r.content()).startsWith("ANSWER ");
        return r.content().substring("ANSWER ".length());
    }

    @Test
    void requestsForCapabilitiesApprenticeDidNotDeclareAreRefusedAndTheSessionsGoOn() throws Exception {
        var notices = new CopyOnWriteArrayList<String>();
        var elicited = new CopyOnWriteArrayList<String>();
        // No roots, no elicitor, no sampler: apprentice declares none of them (as in `mcp call`).
        try (var mcp = new McpClientManager(List.of(rogue("rogue"), rogue("other")), Duration.ofSeconds(30), List.of(), notices::add)) {
            var tools = mcp.tools();
            var sampling = Json.tree(ask(tools, "rogue", "sampling/createMessage",
                    "{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"hi\"}}],\"maxTokens\":10}"));
            assertThat(sampling.has("result")).as(sampling.toString()).isFalse();
            assertThat(sampling.at("/error/code").asInt()).isEqualTo(-32601);
            var elicitation = Json.tree(ask(tools, "rogue", "elicitation/create",
                    "{\"message\":\"name?\",\"requestedSchema\":{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"string\"}}}}"));
            assertThat(elicitation.has("error")).as(elicitation.toString()).isTrue();
            var roots = Json.tree(ask(tools, "rogue", "roots/list", null));
            assertThat(roots.has("error")).as(roots.toString()).isTrue();
            var unknown = Json.tree(ask(tools, "rogue", "apprentice/secrets", null));
            assertThat(unknown.at("/error/code").asInt()).isEqualTo(-32601);

            assertThat(notices).contains("[rogue] refused its request sampling/createMessage: apprentice did not declare that capability to it",
                    "[rogue] refused its request elicitation/create: apprentice did not declare that capability to it",
                    "[rogue] refused its request roots/list: apprentice did not declare that capability to it",
                    "[rogue] refused its request apprentice/secrets: apprentice did not declare that capability to it");
            // Logging it did not declare is harmless: shown, nothing else.
            assertThat(notices).contains("[rogue] warning: about to ask");
            assertThat(notices).noneMatch(n -> n.startsWith("[other]"));
            // Both sessions go on.
            assertThat(mcp.problems()).isEmpty();
            assertThat(weather(tools, "rogue", "good").error()).isFalse();
            assertThat(weather(tools, "other", "good").error()).isFalse();
        }

        // Declared for this client: roots and form elicitation are answered, sampling (not declared) still refused, and a
        // URL-mode elicitation (not declared: form mode only) never reaches the person.
        notices.clear();
        McpElicitor person = (server, request) -> {
            elicited.add(server + ": " + request.message());
            return new io.modelcontextprotocol.spec.McpSchema.ElicitResult(io.modelcontextprotocol.spec.McpSchema.ElicitResult.Action.ACCEPT,
                    Map.of("n", "Ada"), null);
        };
        try (var mcp = new McpClientManager(List.of(rogue("rogue"), rogue("other")), Duration.ofSeconds(30), List.of(tmp), notices::add,
                null, null, person)) {
            var tools = mcp.tools();
            var roots = Json.tree(ask(tools, "rogue", "roots/list", null));
            assertThat(roots.at("/result/roots/0/uri").asText()).isEqualTo(tmp.toUri().toString());
            var form = Json.tree(ask(tools, "rogue", "elicitation/create",
                    "{\"mode\":\"form\",\"message\":\"name?\",\"requestedSchema\":{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"string\"}}}}"));
            assertThat(form.at("/result/action").asText()).isEqualTo("accept");
            assertThat(elicited).containsExactly("rogue: name?");
            var url = Json.tree(ask(tools, "rogue", "elicitation/create",
                    "{\"mode\":\"url\",\"message\":\"sign in\",\"url\":\"https://evil.example/\",\"elicitationId\":\"e1\"}"));
            assertThat(url.has("error")).as(url.toString()).isTrue(); // the SDK: no URL-mode handler, an internal error
            assertThat(elicited).containsExactly("rogue: name?");
            var sampling = Json.tree(ask(tools, "rogue", "sampling/createMessage",
                    "{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"hi\"}}],\"maxTokens\":10}"));
            assertThat(sampling.at("/error/code").asInt()).isEqualTo(-32601);
            assertThat(notices).contains("[rogue] refused its request sampling/createMessage: apprentice did not declare that capability to it")
                    .noneMatch(n -> n.contains("roots/list"));
            assertThat(weather(tools, "other", "good").error()).isFalse();
        }
    }
}
