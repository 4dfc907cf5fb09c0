package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.ProtocolVersions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** apprentice's MCP server in a child JVM, driven over stdio by the official SDK's client and by hand. */
@Timeout(120)
class ApprenticeMcpServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INIT = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
            + "\"capabilities\":{},\"clientInfo\":{\"name\":\"by-hand\",\"version\":\"1\"}}}";
    @TempDir Path root;

    static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().getFirst()).text();
    }

    private ServerParameters serveMain() {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return ServerParameters.builder(java).args("-cp", System.getProperty("java.class.path"), ServeMain.class.getName(), root.toString()).build();
    }

    /** The server with {@code stored} runs in its store already: run-1 (the oldest) to run-{@code stored}. */
    private ServerParameters serveMain(int stored) {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return ServerParameters.builder(java).args("-cp", System.getProperty("java.class.path"), ServeMain.class.getName(), root.toString(),
                String.valueOf(stored)).build();
    }

    private static McpSchema.CompleteResult.CompleteCompletion completeRunId(McpSyncClient client, String typed) {
        return client.completeCompletion(new McpSchema.CompleteRequest(new McpSchema.ResourceReference("apprentice://runs/{id}"),
                new McpSchema.CompleteRequest.CompleteArgument("id", typed))).completion();
    }

    /** The JSON-RPC error a request is answered with (it must be one). */
    private static McpSchema.JSONRPCResponse.JSONRPCError errorOf(Runnable request) {
        try {
            request.run();
        } catch (McpError e) {
            return e.getJsonRpcError();
        }
        throw new AssertionError("the request succeeded");
    }

    private McpSyncClient client(StdioClientTransport transport) {
        return McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).initializationTimeout(Duration.ofSeconds(60)).build();
    }

    @Test
    void otherClientsCanRunTasksAndReadRuns() throws Exception {
        Files.createDirectories(root.resolve("project"));
        try (var client = client(new StdioClientTransport(serveMain(), McpJsonDefaults.getMapper()))) {
            assertThat(client.initialize().protocolVersion()).isEqualTo(ProtocolVersions.MCP_2025_11_25);
            var tools = client.listTools().tools();
            assertThat(tools).extracting(McpSchema.Tool::name).containsExactlyInAnyOrder("run_task", "list_runs", "get_run");
            var runTask = tools.stream().filter(t -> t.name().equals("run_task")).findFirst().orElseThrow();
            assertThat(runTask.annotations().destructiveHint()).isTrue();
            assertThat(runTask.annotations().readOnlyHint()).isFalse();
            assertThat(runTask.outputSchema()).containsKey("properties");
            assertThat(runTask.annotations().idempotentHint()).as("a second run_task is a second run").isFalse();
            for (var reader : List.of("get_run", "list_runs")) {
                var a = tools.stream().filter(t -> t.name().equals(reader)).findFirst().orElseThrow().annotations();
                assertThat(a.readOnlyHint()).as(reader).isTrue();
                assertThat(a.destructiveHint()).as(reader).isFalse();
                assertThat(a.idempotentHint()).as(reader).isTrue();
            }

            var ok = client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "tidy up", "max_steps", 5, "workspace", "project")));
            assertThat(ok.isError()).isFalse();
            assertThat(text(ok)).contains("did: tidy up (max_steps=5, in project)").contains("run_id: run-1").contains("status: succeeded");
            assertThat(ok.structuredContent()).isEqualTo(Map.of("run_id", "run-1", "status", "succeeded", "answer", "did: tidy up (max_steps=5, in project)"));
            var failed = client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "please fail")));
            assertThat(failed.isError()).isTrue();
            assertThat(text(failed)).contains("budget exhausted");
            assertThat((Object) client.callTool(new McpSchema.CallToolRequest("list_runs", Map.of())).structuredContent()).isEqualTo(Map.of("runs", List.of(Map.of("id", "run-1"), Map.of("id", "run-2"))));
            assertThat(text(client.callTool(new McpSchema.CallToolRequest("get_run", Map.of("id", "run-1"))))).contains("tidy up");
            var missing = client.callTool(new McpSchema.CallToolRequest("get_run", Map.of("id", "nope")));
            assertThat(missing.isError()).isTrue();
            assertThat(text(missing)).contains("No run with id 'nope'");

            // Bad input: named, and nothing is run or looked up.
            var noTask = client.callTool(new McpSchema.CallToolRequest("run_task", Map.of()));
            assertThat(noTask.isError()).isTrue();
            assertThat(text(noTask)).contains("task").doesNotContain("SQLITE");
            var noId = client.callTool(new McpSchema.CallToolRequest("get_run", Map.of()));
            assertThat(noId.isError()).isTrue();
            assertThat(text(noId)).contains("id").doesNotContain("'null'");
            var outside = client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "x", "workspace", "../")));
            assertThat(outside.isError()).isTrue();
            assertThat(text(outside)).contains("outside the served root");
            assertThat(text(client.callTool(new McpSchema.CallToolRequest("list_runs", Map.of())))).doesNotContain("run-3");

            // Runs as resources, skills as prompts.
            assertThat(client.listResources().resources()).extracting(McpSchema.Resource::uri).contains("apprentice://runs");
            assertThat(client.listResourceTemplates().resourceTemplates()).extracting(McpSchema.ResourceTemplate::uriTemplate).contains("apprentice://runs/{id}");
            var run = client.readResource(new McpSchema.ReadResourceRequest("apprentice://runs/run-1"));
            assertThat(((McpSchema.TextResourceContents) run.contents().getFirst()).text()).contains("tidy up");
            try {
                client.readResource(new McpSchema.ReadResourceRequest("apprentice://runs/none"));
                throw new AssertionError("reading a run that does not exist succeeded");
            } catch (McpError e) {
                assertThat(e.getJsonRpcError().code()).isEqualTo(McpSchema.ErrorCodes.RESOURCE_NOT_FOUND);
            }
            assertThat(client.listPrompts().prompts()).extracting(McpSchema.Prompt::name).containsExactlyInAnyOrder("review", "release", "tags", "explain", "lint");
            var prompt = client.getPrompt(new McpSchema.GetPromptRequest("review", Map.of("arguments", "only src/")));
            assertThat(((McpSchema.TextContent) prompt.messages().getFirst().content()).text()).contains("Review the staged changes").contains("only src/");
        }
    }

    /** A tool error (isError) the model can read: it names the argument and what is wrong, with no Java in it. */
    private static void refusedNaming(McpSchema.CallToolResult r, String... named) {
        assertThat(r.isError()).as(String.valueOf(r.content())).isTrue();
        assertThat(text(r)).contains(named).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("java.");
    }

    @Test
    void argumentsOfTheWrongTypeOrNotInTheSchemaAreToolErrorsNamingThemAndNothingRuns() throws Exception {
        try (var client = client(new StdioClientTransport(serveMain(), McpJsonDefaults.getMapper()))) {
            client.initialize();
            refusedNaming(client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", 5))), "task", "string");
            refusedNaming(client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "x", "max_steps", "ten"))), "max_steps", "integer");
            refusedNaming(client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "x", "max_steps", 2.5))), "max_steps", "integer");
            refusedNaming(client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "x", "workspace", List.of("a")))), "workspace", "string");
            refusedNaming(client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "x", "colour", "red"))), "colour");
            refusedNaming(client.callTool(new McpSchema.CallToolRequest("get_run", Map.of("id", 7))), "id", "string");
            refusedNaming(client.callTool(new McpSchema.CallToolRequest("get_run", Map.of("id", "run-1", "verbose", true))), "verbose");
            refusedNaming(client.callTool(new McpSchema.CallToolRequest("list_runs", Map.of("limit", "all"))), "limit", "integer");
            refusedNaming(client.callTool(new McpSchema.CallToolRequest("list_runs", Map.of("since", "yesterday"))), "since");
            // Nothing was run, and the session goes on.
            assertThat((Object) client.callTool(new McpSchema.CallToolRequest("list_runs", Map.of())).structuredContent()).isEqualTo(Map.of("runs", List.of()));
            assertThat(client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "fine"))).isError()).isFalse();
        }
    }

    @Test
    void aWorkspaceThatLeavesTheRootThroughASymbolicLinkIsRefusedAndNothingRuns(@TempDir Path elsewhere) throws Exception {
        Files.createDirectories(root.resolve("project/sub"));
        Files.createDirectories(elsewhere.resolve("secrets"));
        Files.createSymbolicLink(root.resolve("escape"), elsewhere);
        Files.createSymbolicLink(root.resolve("project/up"), root.getParent());
        Files.createSymbolicLink(root.resolve("alias"), root.resolve("project/sub"));
        try (var client = client(new StdioClientTransport(serveMain(), McpJsonDefaults.getMapper()))) {
            client.initialize();
            for (var ws : List.of("escape", "escape/secrets", "escape/", "project/up", "project/up/" + elsewhere.getFileName(), root.resolve("escape").toString())) {
                var r = client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "read the secrets", "workspace", ws)));
                assertThat(r.isError()).as(ws).isTrue();
                assertThat(text(r)).as(ws).contains("outside the served root").doesNotContain("Exception");
            }
            // A path under the link that does not exist yet is refused too (it is no directory under the root).
            assertThat(client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "x", "workspace", "escape/new"))).isError()).isTrue();
            assertThat((Object) client.callTool(new McpSchema.CallToolRequest("list_runs", Map.of())).structuredContent()).as("nothing ran")
                    .isEqualTo(Map.of("runs", List.of()));
            // A link that stays inside the root is fine: the run works in where it points.
            var inside = client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "tidy", "workspace", "alias")));
            assertThat(inside.isError()).as(text(inside)).isFalse();
            assertThat(text(inside)).contains("in sub");
        }
    }

    @Test
    void runIdsAndPromptArgumentsCompleteAndUnknownReferencesAreInvalidParams() {
        try (var client = client(new StdioClientTransport(serveMain(150), McpJsonDefaults.getMapper()))) {
            assertThat(client.initialize().capabilities().completions()).as("declared").isNotNull();
            // Newest first, by prefix; all that match when they are few.
            var some = completeRunId(client, "run-14");
            assertThat(some.values()).containsExactly("run-149", "run-148", "run-147", "run-146", "run-145", "run-144", "run-143",
                    "run-142", "run-141", "run-140", "run-14");
            assertThat(some.total()).isEqualTo(11);
            assertThat(some.hasMore()).isFalse();
            // At most 100, with the total and hasMore.
            var all = completeRunId(client, "");
            assertThat(all.values()).hasSize(100).startsWith("run-150", "run-149").endsWith("run-52", "run-51");
            assertThat(all.total()).isEqualTo(150);
            assertThat(all.hasMore()).isTrue();
            assertThat(completeRunId(client, "run-1").values()).hasSize(62).startsWith("run-150").endsWith("run-10", "run-1");
            var none = completeRunId(client, "nope");
            assertThat(none.values()).isEmpty();
            assertThat(none.total()).isZero();
            // A prompt's argument is free text: nothing to offer, and no error.
            var review = client.completeCompletion(new McpSchema.CompleteRequest(new McpSchema.PromptReference("review"),
                    new McpSchema.CompleteRequest.CompleteArgument("arguments", "on"))).completion();
            assertThat(review.values()).isEmpty();
            assertThat(review.hasMore()).isFalse();

            // What the server does not complete is invalid params, with the reason, never a stack trace.
            var unknownPrompt = errorOf(() -> client.completeCompletion(new McpSchema.CompleteRequest(new McpSchema.PromptReference("nope"),
                    new McpSchema.CompleteRequest.CompleteArgument("arguments", ""))));
            assertThat(unknownPrompt.code()).isEqualTo(McpSchema.ErrorCodes.INVALID_PARAMS);
            assertThat(unknownPrompt.message()).contains("no prompt named 'nope'").contains("review").doesNotContain("Exception");
            var unknownArgument = errorOf(() -> client.completeCompletion(new McpSchema.CompleteRequest(new McpSchema.PromptReference("review"),
                    new McpSchema.CompleteRequest.CompleteArgument("file", ""))));
            assertThat(unknownArgument.code()).isEqualTo(McpSchema.ErrorCodes.INVALID_PARAMS);
            assertThat(unknownArgument.message()).contains("has no argument 'file'");
            for (var uri : List.of("apprentice://nope/{x}", "apprentice://runs", "apprentice://runs/run-1")) {
                var unknownTemplate = errorOf(() -> client.completeCompletion(new McpSchema.CompleteRequest(new McpSchema.ResourceReference(uri),
                        new McpSchema.CompleteRequest.CompleteArgument("id", ""))));
                assertThat(unknownTemplate.code()).as(uri).isEqualTo(McpSchema.ErrorCodes.INVALID_PARAMS);
                assertThat(unknownTemplate.message()).contains("no resource template '" + uri + "'");
            }
            var unknownVariable = errorOf(() -> client.completeCompletion(new McpSchema.CompleteRequest(new McpSchema.ResourceReference("apprentice://runs/{id}"),
                    new McpSchema.CompleteRequest.CompleteArgument("name", ""))));
            assertThat(unknownVariable.code()).isEqualTo(McpSchema.ErrorCodes.INVALID_PARAMS);
            assertThat(unknownVariable.message()).contains("no variable 'name'");
            // The connection is fine after the errors.
            assertThat(completeRunId(client, "run-150").values()).containsExactly("run-150");
        }
    }

    private static McpSchema.CompleteResult.CompleteCompletion completePrompt(McpSyncClient client, String prompt, String typed) {
        return client.completeCompletion(new McpSchema.CompleteRequest(new McpSchema.PromptReference(prompt),
                new McpSchema.CompleteRequest.CompleteArgument("arguments", typed))).completion();
    }

    @Test
    void promptArgumentsCompleteFromTheSkillsHintTheirChoicesAndPathsUnderTheRoot(@TempDir Path elsewhere) throws Exception {
        Files.createDirectories(root.resolve("src/main"));
        Files.writeString(root.resolve("src/App.java"), "");
        Files.writeString(root.resolve("src/my notes.md"), "");
        Files.writeString(root.resolve("README.md"), "");
        Files.writeString(root.resolve(".env"), "SECRET=1");
        Files.createDirectories(root.resolve("many"));
        for (int i = 0; i < 150; i++) Files.writeString(root.resolve("many/f%03d.txt".formatted(i)), "");
        Files.writeString(elsewhere.resolve("passwd"), "");
        Files.createSymbolicLink(root.resolve("outside"), elsewhere);
        try (var client = client(new StdioClientTransport(serveMain(), McpJsonDefaults.getMapper()))) {
            client.initialize();
            var release = client.listPrompts().prompts().stream().filter(p -> p.name().equals("release")).findFirst().orElseThrow();
            assertThat(release.arguments()).singleElement().satisfies(a -> assertThat(a.description()).endsWith(": [major|minor|patch] [notes]"));

            // Choices a placeholder lists, by prefix; the free-text word after them gets nothing.
            var all = completePrompt(client, "release", "");
            assertThat(all.values()).containsExactly("major", "minor", "patch");
            assertThat(all.total()).isEqualTo(3);
            assertThat(all.hasMore()).isFalse();
            assertThat(completePrompt(client, "release", "mi").values()).containsExactly("minor");
            assertThat(completePrompt(client, "release", "minor ").values()).isEmpty();
            assertThat(completePrompt(client, "release", "huge ").values()).as("not a choice: no alternative fits").isEmpty();
            // The usage's own words, in each alternative where they stand.
            assertThat(completePrompt(client, "tags", "").values()).containsExactly("add", "remove", "list");
            assertThat(completePrompt(client, "tags", "re").values()).containsExactly("remove");
            assertThat(completePrompt(client, "tags", "add ").values()).isEmpty();

            // A placeholder named as a path (here the skill's first declared argument, "file"): files and folders under the
            // served root, folders with a slash, hidden ones only when asked, nothing outside the root or through a link.
            assertThat(completePrompt(client, "explain", "").values()).containsExactly("README.md", "many/", "src/");
            assertThat(completePrompt(client, "explain", ".").values()).containsExactly(".env");
            assertThat(completePrompt(client, "explain", "src/").values()).containsExactly("src/App.java", "src/main/", "'src/my notes.md'");
            assertThat(completePrompt(client, "explain", "src/my").values()).containsExactly("'src/my notes.md'");
            assertThat(completePrompt(client, "explain", "src/App.java ").values()).as("the question is free text").isEmpty();
            for (var out : List.of("../", "src/../../", "/etc/", "~/", "outside/", "outs")) {
                var none = completePrompt(client, "explain", out);
                assertThat(none.values()).as(out).isEmpty();
                assertThat(none.total()).as(out).isZero();
            }
            // At most 100, with the total and hasMore; a repeating placeholder completes every word.
            var many = completePrompt(client, "lint", "many/");
            assertThat(many.values()).hasSize(100).startsWith("many/f000.txt").endsWith("many/f099.txt");
            assertThat(many.total()).isEqualTo(150);
            assertThat(many.hasMore()).isTrue();
            var second = completePrompt(client, "lint", "README.md many/f14");
            assertThat(second.values()).hasSize(10).startsWith("README.md many/f140.txt").endsWith("README.md many/f149.txt");
            assertThat(second.hasMore()).isFalse();

            // A skill that says nothing of its arguments still gets nothing, and an unknown argument is still invalid params.
            assertThat(completePrompt(client, "review", "").values()).isEmpty();
            var unknownArgument = errorOf(() -> client.completeCompletion(new McpSchema.CompleteRequest(new McpSchema.PromptReference("explain"),
                    new McpSchema.CompleteRequest.CompleteArgument("file", ""))));
            assertThat(unknownArgument.code()).isEqualTo(McpSchema.ErrorCodes.INVALID_PARAMS);
        }
    }

    @Test
    void usageLinesParseIntoAlternativesWordsChoicesAndPaths() throws Exception {
        Files.writeString(root.resolve("README.md"), "");
        var r = new WorkspaceRoot(root);
        assertThat(PromptArguments.of("ISSUE [--force]", List.of()).complete("", r, 100).values()).as("a word in capitals is a placeholder").isEmpty();
        var flags = PromptArguments.of("ISSUE --force | --dry-run", List.of());
        assertThat(flags.complete("", r, 100).values()).containsExactly("--dry-run");
        assertThat(flags.complete("12 --", r, 100).values()).containsExactly("12 --force");
        assertThat(PromptArguments.of("[a|b]...", List.of()).complete("a b ", r, 100).values()).containsExactly("a b a", "a b b");
        assertThat(PromptArguments.of(null, List.of("srcDir")).complete("R", r, 100).values()).as("srcDir names a path").containsExactly("README.md");
        assertThat(PromptArguments.of("the issue to fix", List.of()).complete("", r, 100).values()).as("prose").isEmpty();
        assertThat(PromptArguments.of(null, List.of()).complete("x", r, 100).values()).isEmpty();
        assertThat(PromptArguments.written("it's here")).isEqualTo("'it'\"'\"'s here'");
    }

    /** A client that only speaks the first revision still gets served, in that revision. */
    @Test
    void anOlderClientIsAnsweredInItsRevision() {
        var old = new StdioClientTransport(serveMain(), McpJsonDefaults.getMapper()) {
            @Override public List<String> protocolVersions() { return List.of(ProtocolVersions.MCP_2024_11_05); }
        };
        try (var client = client(old)) {
            assertThat(client.initialize().protocolVersion()).isEqualTo(ProtocolVersions.MCP_2024_11_05);
            assertThat(text(client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "old times"))))).contains("did: old times");
        }
    }

    /** The server by hand over its stdin and stdout. */
    private final class Raw implements AutoCloseable {
        final Process process;
        final Writer in;
        final BufferedReader out;
        final List<JsonNode> seen = new ArrayList<>();

        Raw() throws Exception {
            var p = serveMain();
            var cmd = new ArrayList<String>();
            cmd.add(p.getCommand());
            cmd.addAll(p.getArgs());
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        void send(String line) throws Exception {
            in.write(line + "\n");
            in.flush();
        }

        /** Reads messages until one matches (the test's timeout bounds the wait). */
        JsonNode until(Predicate<JsonNode> wanted) throws Exception {
            String line;
            while ((line = out.readLine()) != null) {
                var m = JSON.readTree(line);
                seen.add(m);
                if (wanted.test(m)) return m;
            }
            throw new AssertionError("the server closed its output; it sent " + seen);
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    @Test
    void aMalformedLineIsAParseErrorAndEndOfInputEndsTheServer() throws Exception {
        try (var raw = new Raw()) {
            raw.send("{nope");
            var parse = raw.until(m -> m.has("error"));
            assertThat(parse.at("/error/code").asInt()).isEqualTo(-32700);
            assertThat(parse.get("id").isNull()).isTrue();
            raw.send("[1, 2]");
            assertThat(raw.until(m -> m.has("error")).at("/error/code").asInt()).isEqualTo(-32600);
            raw.send(INIT);
            var init = raw.until(m -> m.path("id").asInt() == 1);
            assertThat(init.at("/result/protocolVersion").asText()).isEqualTo("2025-11-25");
            raw.in.close();
            assertThat(raw.process.waitFor(30, TimeUnit.SECONDS)).as("exited after the end of its input").isTrue();
            assertThat(raw.process.exitValue()).isZero();
        }
    }

    @Test
    void runTaskReportsProgressAndStopsWhenCancelled() throws Exception {
        try (var raw = new Raw()) {
            raw.send(INIT);
            raw.until(m -> m.path("id").asInt() == 1);
            raw.send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            raw.send("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"run_task\","
                    + "\"arguments\":{\"task\":\"slow work\"},\"_meta\":{\"progressToken\":\"p7\"}}}");
            var first = raw.until(m -> "notifications/progress".equals(m.path("method").asText()));
            assertThat(first.at("/params/progressToken").asText()).isEqualTo("p7");
            assertThat(first.at("/params/message").asText()).isEqualTo("step 1");
            raw.until(m -> "notifications/progress".equals(m.path("method").asText()) && m.at("/params/progress").asInt() >= 2);
            raw.send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":7,\"reason\":\"changed my mind\"}}");
            var result = raw.until(m -> m.path("id").asInt() == 7);
            assertThat(result.at("/result/structuredContent/status").asText()).isEqualTo("cancelled");
            assertThat(result.at("/result/structuredContent/error").asText()).contains("cancelled by the client");
            assertThat(raw.seen).anyMatch(m -> "notifications/message".equals(m.path("method").asText())
                    && m.at("/params/data").asText().contains("run_task started"));
        }
    }

    @Test
    void streamableHttpServesTheSameTools() throws Exception {
        try (var server = ApprenticeMcpServer.http(new ServeMain.Backend(), ApprenticeMcpServer.Options.confinedTo(root), "127.0.0.1", 0)) {
            var transport = io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport
                    .builder("http://127.0.0.1:" + server.port()).endpoint("/mcp").build();
            try (var client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build()) {
                assertThat(client.initialize().protocolVersion()).isEqualTo(ProtocolVersions.MCP_2025_11_25);
                assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name).contains("run_task");
                var r = client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "ping")));
                assertThat(text(r)).contains("did: ping").contains("run_id: run-1");
                refusedNaming(client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", List.of("ping")))), "task", "string");
                refusedNaming(client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "ping", "priority", 1))), "priority");
                assertThat(completeRunId(client, "run").values()).containsExactly("run-1");
                var unknown = errorOf(() -> client.completeCompletion(new McpSchema.CompleteRequest(new McpSchema.PromptReference("nope"),
                        new McpSchema.CompleteRequest.CompleteArgument("arguments", ""))));
                assertThat(unknown.code()).isEqualTo(McpSchema.ErrorCodes.INVALID_PARAMS);
                assertThat(unknown.message()).contains("no prompt named 'nope'");
                var template = errorOf(() -> client.completeCompletion(new McpSchema.CompleteRequest(new McpSchema.ResourceReference("apprentice://nope/{x}"),
                        new McpSchema.CompleteRequest.CompleteArgument("x", ""))));
                assertThat(template.code()).isEqualTo(McpSchema.ErrorCodes.INVALID_PARAMS);
                assertThat(client.listTools().tools()).as("the session goes on").isNotEmpty();
            }
        }
    }
}
