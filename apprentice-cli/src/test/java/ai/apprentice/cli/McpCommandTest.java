package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.testkit.McpReferenceServers;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(180)
class McpCommandTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void anMcpPromptIsAReplSlashCommand() throws Exception {
        var cli = new CliHarness(home, ws);
        cli.env.put("APPRENTICE_MEMORY", "off");
        var everything = McpReferenceServers.entry("server-everything").toString();
        assertThat(cli.run("mcp", "add", "everything", "--", "node", everything).exit()).isEqualTo(0);
        Files.writeString(ws.resolve("m.jsonl"), "{\"text\": \"Sunny.\"}\n");
        var repl = cli.runWithInput("/mcp__everything__args-prompt\n/mcp__everything__args-prompt Paris Ile de France\n/mcp__everything__nope\n/exit\n",
                "--workspace", ws.toString(), "--model", "scripted:" + ws.resolve("m.jsonl"));
        assertThat(repl.exit()).as(repl.err()).isZero();
        assertThat(repl.err()).contains("/mcp__everything__args-prompt needs city");
        assertThat(repl.out()).contains("Sunny.").contains("unknown command /mcp__everything__nope");
        var runs = Json.tree(cli.run("runs", "list", "--json").out());
        assertThat(runs).hasSize(1);
        var messages = Json.tree(cli.run("runs", "show", runs.get(0).get("id").asText(), "--json").out()).toString();
        assertThat(messages).contains("What's weather in Paris, Ile de France?"); // the prompt, its arguments in order
    }

    @Test
    void loginSignsInThroughTheBrowserAndLaterCommandsUseTheToken() throws Exception {
        try (var fake = new ai.apprentice.testkit.FakeOAuthServer()) {
            var cli = new CliHarness(home, ws);
            // The "browser" is a real process: curl follows the authorization server's redirect to the loopback listener.
            var browser = Files.writeString(ws.resolve("browser.sh"), "#!/bin/sh\nexec curl -sfL -o /dev/null \"$1\"\n");
            browser.toFile().setExecutable(true);
            cli.env.put("BROWSER", browser.toString());
            assertThat(cli.run("mcp", "add", "remote", "--url", fake.mcpUrl()).exit()).isEqualTo(0);

            var before = cli.run("mcp", "tools", "remote"); // no terminal: no sign-in, but the command to run
            assertThat(before.exit()).isEqualTo(1);
            assertThat(before.err()).contains("authentication required").contains("apprentice mcp login remote");
            assertThat(fake.authorizations).isEmpty();

            var login = cli.run("mcp", "login", "remote");
            assertThat(login.exit()).as(login.err()).isEqualTo(0);
            assertThat(login.err()).contains("Sign in to MCP server 'remote' in your browser: " + fake.mcpUrl().replace("/mcp", "/authorize?"));
            assertThat(login.out()).contains("Signed in to MCP server 'remote'");
            var tokenFile = home.resolve("mcp-tokens/remote.json");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");

            var after = cli.run("mcp", "tools", "remote");
            assertThat(after.exit()).as(after.err()).isEqualTo(0);
            assertThat(fake.authorizations).hasSize(1);
            assertThat(cli.run("mcp", "login", "remote").out()).contains("already signed in");
        }
    }

    /**
     * A server whose structured content breaks its tool's output schema (a hand-written server: an SDK one would not send
     * it): `mcp call` fails naming the server, the tool, the JSON pointer and the schema rule; in a run the agent gets
     * that as an error observation and the run goes on to the next call and its end.
     */
    @Test
    void structuredContentThatBreaksTheOutputSchemaFailsMcpCallAndIsAnErrorObservationInARun() throws Exception {
        var cli = new CliHarness(home, ws);
        var add = new java.util.ArrayList<>(java.util.List.of("mcp", "add", "rogue", "--"));
        add.addAll(ai.apprentice.testkit.RogueMcpServer.command());
        assertThat(cli.run(add.toArray(String[]::new)).exit()).isEqualTo(0);

        var wrong = cli.run("mcp", "call", "rogue", "weather", "{\"give\": \"wrong\"}");
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.out()).isEmpty();
        assertThat(wrong.err()).contains("MCP server 'rogue'").contains("tool 'weather'")
                .contains("/celsius: string found, number expected (schema rule type at #/properties/celsius/type)").doesNotContain("Oslo");
        var missing = cli.run("mcp", "call", "rogue", "weather", "{\"give\": \"missing\"}");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("MCP server 'rogue'").contains("no structured content");
        var good = cli.run("mcp", "call", "rogue", "weather", "{\"give\": \"good\"}");
        assertThat(good.exit()).as(good.err()).isEqualTo(0);
        assertThat(Json.tree(good.out()).get("celsius").asDouble()).isEqualTo(21.5);

        Files.writeString(home.resolve("config.yaml"), Files.readString(home.resolve("config.yaml")) + "permissions:\n  allow: [\"mcp__rogue__*\"]\n");
        Files.writeString(ws.resolve("s.jsonl"),
                "{\"tool_calls\": [{\"name\": \"mcp__rogue__weather\", \"arguments\": {\"give\": \"wrong\"}}]}\n"
                        + "{\"tool_calls\": [{\"name\": \"mcp__rogue__weather\", \"arguments\": {\"give\": \"good\"}}]}\n"
                        + "{\"text\": \"it is 21.5 in Oslo\"}\n");
        var run = cli.run("run", "--json", "--model", "scripted:s.jsonl", "the weather");
        assertThat(run.exit()).as(run.err()).isEqualTo(0);
        var results = new java.util.ArrayList<com.fasterxml.jackson.databind.JsonNode>();
        for (var line : run.out().strip().split("\n")) {
            var e = Json.tree(line);
            if (e.path("type").asText().equals("tool_result")) results.add(e);
        }
        assertThat(results).as(run.out()).hasSize(2);
        assertThat(results.get(0).get("error").asBoolean()).isTrue();
        assertThat(results.get(1).get("error").asBoolean()).isFalse();
        assertThat(results.get(0).get("content").asText()).contains("MCP server 'rogue'").contains("tool 'weather'")
                .contains("/celsius: string found, number expected (schema rule type at #/properties/celsius/type)");
        assertThat(Json.tree(results.get(1).get("content").asText()).get("celsius").asDouble()).isEqualTo(21.5);
        assertThat(run.out()).contains("it is 21.5 in Oslo");
    }

    /**
     * A server that asks for what apprentice did not declare to it (sampling without a person or `sampling: allow`, a
     * method nobody has): the request is refused with a JSON-RPC error, the person is told on stderr, and the run goes on,
     * its other server untouched.
     */
    @Test
    void aRequestForACapabilityApprenticeDidNotDeclareIsRefusedAndTheRunGoesOn() throws Exception {
        var cli = new CliHarness(home, ws);
        for (var name : java.util.List.of("rogue", "other")) {
            var add = new java.util.ArrayList<>(java.util.List.of("mcp", "add", name, "--"));
            add.addAll(ai.apprentice.testkit.RogueMcpServer.command());
            assertThat(cli.run(add.toArray(String[]::new)).exit()).isEqualTo(0);
        }
        var sampling = "{\"method\": \"sampling/createMessage\", \"params\": {\"messages\": [{\"role\": \"user\", "
                + "\"content\": {\"type\": \"text\", \"text\": \"hi\"}}], \"maxTokens\": 10}}";
        var call = cli.run("mcp", "call", "rogue", "ask", sampling);
        assertThat(call.exit()).as(call.err()).isEqualTo(0);
        assertThat(Json.tree(call.out().strip().substring("ANSWER ".length())).at("/error/code").asInt()).isEqualTo(-32601);
        assertThat(call.err()).contains("[rogue] refused its request sampling/createMessage: apprentice did not declare that capability to it")
                .as("the log message (notifications/message) the server sends first, on stderr").contains("[rogue] warning: about to ask");

        Files.writeString(home.resolve("config.yaml"), Files.readString(home.resolve("config.yaml"))
                + "permissions:\n  allow: [\"mcp__rogue__*\", \"mcp__other__*\"]\n");
        Files.writeString(ws.resolve("s.jsonl"),
                "{\"tool_calls\": [{\"name\": \"mcp__rogue__ask\", \"arguments\": " + sampling + "}]}\n"
                        + "{\"tool_calls\": [{\"name\": \"mcp__rogue__ask\", \"arguments\": {\"method\": \"apprentice/secrets\"}}]}\n"
                        + "{\"tool_calls\": [{\"name\": \"mcp__other__weather\", \"arguments\": {\"give\": \"good\"}}]}\n"
                        + "{\"tool_calls\": [{\"name\": \"mcp__rogue__weather\", \"arguments\": {\"give\": \"good\"}}]}\n"
                        + "{\"text\": \"carried on\"}\n");
        var run = cli.run("run", "--json", "--model", "scripted:s.jsonl", "ask around");
        assertThat(run.exit()).as(run.err()).isEqualTo(0);
        var results = new java.util.ArrayList<String>();
        for (var line : run.out().strip().split("\n")) {
            var e = Json.tree(line);
            if (e.path("type").asText().equals("tool_result")) results.add(e.get("content").asText());
        }
        assertThat(results).as(run.out()).hasSize(4);
        assertThat(Json.tree(results.get(0).substring("ANSWER ".length())).at("/error/code").asInt()).isEqualTo(-32601);
        assertThat(Json.tree(results.get(1).substring("ANSWER ".length())).at("/error/code").asInt()).isEqualTo(-32601);
        assertThat(Json.tree(results.get(2)).get("celsius").asDouble()).isEqualTo(21.5);
        assertThat(Json.tree(results.get(3)).get("celsius").asDouble()).isEqualTo(21.5);
        assertThat(run.out()).contains("carried on");
        assertThat(run.err()).contains("mcp [rogue] refused its request sampling/createMessage")
                .contains("mcp [rogue] refused its request apprentice/secrets").doesNotContain("mcp [other] refused")
                .contains("mcp [rogue] warning: about to ask").doesNotContain("mcp [other] warning");
    }

    @Test
    void addListToolsCallRemoveAndUseInARun() throws Exception {
        var cli = new CliHarness(home, ws);
        var everything = McpReferenceServers.entry("server-everything").toString();
        var add = cli.run("mcp", "add", "everything", "--", "node", everything);
        assertThat(add.exit()).as(add.err()).isEqualTo(0);
        assertThat(Files.readString(home.resolve("config.yaml"))).contains("mcp_servers").contains("everything");
        assertThat(cli.run("mcp", "list").out()).contains("everything").contains("stdio: node");
        var tools = cli.run("mcp", "tools", "everything");
        assertThat(tools.exit()).as(tools.err()).isEqualTo(0);
        assertThat(tools.out()).contains("mcp__everything__echo");
        assertThat(cli.run("mcp", "resources", "everything").out()).contains("://");
        assertThat(cli.run("mcp", "prompts", "everything").out()).isNotBlank();
        var call = cli.run("mcp", "call", "everything", "echo", "{\"message\": \"hi\"}");
        assertThat(call.out().strip()).isEqualTo("Echo: hi");
        var bad = cli.run("mcp", "call", "everything", "echo", "{\"message\": ");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("not a JSON object");

        Files.writeString(ws.resolve("s.jsonl"),
                "{\"tool_calls\": [{\"name\": \"mcp__everything__echo\", \"arguments\": {\"message\": \"from the agent\"}}]}\n"
                        + "{\"text\": \"done\"}\n");
        var denied = cli.run("run", "--json", "--model", "scripted:s.jsonl", "echo something");
        assertThat(denied.out()).contains("Permission denied").contains("mcp__everything__echo");
        Files.createDirectories(ws.resolve(".apprentice"));
        Files.writeString(ws.resolve(".apprentice/config.yaml"), "permissions:\n  allow: [\"mcp__everything__*\"]\n");
        // A workspace's allow rule widens what the agent may do: it counts once a person trusts the file.
        var untrusted = cli.run("run", "--json", "--model", "scripted:s.jsonl", "echo something");
        assertThat(untrusted.out()).contains("Permission denied");
        assertThat(untrusted.err()).contains("ignored permissions.allow until you trust this workspace's config");
        var allowed = cli.run("run", "--json", "--trust-workspace", "--model", "scripted:s.jsonl", "echo something");
        assertThat(allowed.exit()).as(allowed.err()).isEqualTo(0);
        assertThat(allowed.out()).contains("Echo: from the agent");

        assertThat(cli.run("mcp", "remove", "everything").exit()).isEqualTo(0);
        assertThat(cli.run("mcp", "remove", "everything").exit()).isEqualTo(2);
    }

    @Test
    void serveLetsAnotherMcpClientRunTasks() throws Exception {
        Files.writeString(ws.resolve("s.jsonl"), "{\"text\": \"served answer\"}\n");
        // Skills as prompts: only those a person may invoke, their arguments completed from the skill's argument-hint.
        Files.createDirectories(ws.resolve(".apprentice/skills/bump"));
        Files.writeString(ws.resolve(".apprentice/skills/bump/SKILL.md"),
                "---\nname: bump\ndescription: Bump the version.\nargument-hint: \"[major|minor|patch]\"\n---\nBump it.\n");
        Files.createDirectories(ws.resolve(".apprentice/skills/inner"));
        Files.writeString(ws.resolve(".apprentice/skills/inner/SKILL.md"),
                "---\nname: inner\ndescription: For the model only.\nuser-invocable: false\n---\nDo it.\n");
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var params = ServerParameters.builder(java)
                .args("-cp", System.getProperty("java.class.path"), "ai.apprentice.cli.Main", "mcp", "serve", "--workspace", ws.toString())
                .env(Map.of("APPRENTICE_HOME", home.toString(), "PATH", System.getenv("PATH"))).build();
        try (var client = McpClient.sync(new StdioClientTransport(params, McpJsonDefaults.getMapper()))
                .requestTimeout(Duration.ofSeconds(60)).initializationTimeout(Duration.ofSeconds(60)).build()) {
            client.initialize();
            var r = client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "answer please", "model", "scripted:s.jsonl")));
            var text = ((McpSchema.TextContent) r.content().getFirst()).text();
            assertThat(r.isError()).as(text).isFalse();
            assertThat(text).contains("served answer").contains("status: succeeded");
            var list = ((McpSchema.TextContent) client.callTool(new McpSchema.CallToolRequest("list_runs", Map.of())).content().getFirst()).text();
            var runs = Json.tree(list);
            assertThat(runs).hasSize(1);
            assertThat(runs.get(0).get("task").asText()).isEqualTo("answer please");
            var id = runs.get(0).get("id").asText();
            var run = ((McpSchema.TextContent) client.callTool(new McpSchema.CallToolRequest("get_run", Map.of("id", id))).content().getFirst()).text();
            assertThat(Json.tree(run).get("events")).isNotEmpty();
            assertThat(client.listPrompts().prompts()).extracting(McpSchema.Prompt::name).contains("bump", "code-review").doesNotContain("inner");
            var bump = client.completeCompletion(new McpSchema.CompleteRequest(new McpSchema.PromptReference("bump"),
                    new McpSchema.CompleteRequest.CompleteArgument("arguments", "m"))).completion();
            assertThat(bump.values()).containsExactly("major", "minor");
        }
    }

    /** Over HTTP the server's own tokens guard it: the first start creates one and prints it once. */
    @Test
    void serveOverHttpTakesTheServersBearerTokens() throws Exception {
        var javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "ai.apprentice.cli.Main", "mcp", "serve",
                "--http", "0", "--workspace", ws.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("APPRENTICE_HOME", home.toString());
        var server = pb.start();
        try (var err = new java.io.BufferedReader(new java.io.InputStreamReader(server.getErrorStream()))) {
            String url = null, token = null, line;
            while ((url == null || token == null) && (line = err.readLine()) != null) {
                var m = java.util.regex.Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)/mcp").matcher(line);
                if (m.find()) url = m.group(1);
                if (line.contains("created a token")) token = line.substring(line.lastIndexOf(' ') + 1);
            }
            assertThat(url).isNotNull();
            assertThat(token).startsWith("apt_");
            var raw = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/mcp"))
                    .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(raw.statusCode()).isEqualTo(401);
            var bearer = token;
            var transport = io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport.builder(url).endpoint("/mcp")
                    .httpRequestCustomizer((b, method, uri, body, ctx) -> b.header("Authorization", "Bearer " + bearer)).build();
            try (var client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60)).build()) {
                client.initialize();
                var list = client.callTool(new McpSchema.CallToolRequest("list_runs", Map.of()));
                assertThat(list.isError()).isFalse();
                assertThat((Object) list.structuredContent()).isEqualTo(Map.of("runs", java.util.List.of()));
            }
        } finally {
            server.destroy();
            server.waitFor();
        }
    }
}
