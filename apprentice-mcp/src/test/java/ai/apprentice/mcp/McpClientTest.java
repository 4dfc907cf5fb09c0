package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.testkit.McpReferenceServers;

import ai.apprentice.json.Json;
import ai.apprentice.tool.Tool;
import io.modelcontextprotocol.spec.ProtocolVersions;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The MCP client against the official reference servers (real node processes), over stdio and streamable HTTP. */
@Timeout(300)
class McpClientTest {
    @TempDir Path tmp;

    private static Tool tool(List<Tool> tools, String name) {
        return tools.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in " + tools.stream().map(Tool::name).toList()));
    }

    @Test
    void everythingServerOverStdio() throws Exception {
        var config = McpServerConfig.stdio("everything", "node", List.of(McpReferenceServers.entry("server-everything").toString()), Map.of());
        try (var mcp = new McpClientManager(List.of(config), Duration.ofSeconds(30))) {
            var tools = mcp.tools();
            assertThat(mcp.problems()).isEmpty();
            assertThat(mcp.connection("everything").protocolVersion()).isEqualTo(ProtocolVersions.MCP_2025_11_25);
            var echo = tool(tools, "mcp__everything__echo");
            assertThat(echo.parameters().at("/properties/message/type").asText()).isEqualTo("string");
            var result = echo.execute(Json.object().put("message", "hello"), null);
            assertThat(result.error()).isFalse();
            assertThat(result.content()).isEqualTo("Echo: hello");
            assertThat(mcp.connection("everything").resources()).isNotEmpty();
            assertThat(mcp.connection("everything").prompts()).isNotEmpty();
        }
    }

    /** Parallel calls on one stdio connection: the SDK's unserialised enqueue used to drop one now and then. */
    @Test
    void concurrentCallsOnOneStdioConnectionAllArrive() throws Exception {
        var config = McpServerConfig.stdio("everything", "node", List.of(McpReferenceServers.entry("server-everything").toString()), Map.of());
        try (var mcp = new McpClientManager(List.of(config), Duration.ofSeconds(30));
                var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            var echo = tool(mcp.tools(), "mcp__everything__echo");
            var calls = new java.util.ArrayList<java.util.concurrent.Future<String>>();
            for (int i = 0; i < 400; i++) {
                var message = "m" + i;
                calls.add(pool.submit(() -> echo.execute(Json.object().put("message", message), null).content()));
            }
            for (int i = 0; i < calls.size(); i++) assertThat(calls.get(i).get()).isEqualTo("Echo: m" + i);
        }
    }

    @Test
    void filesystemServerReadsAnAllowedFile() throws Exception {
        Files.writeString(tmp.resolve("note.txt"), "from the filesystem server");
        var config = McpServerConfig.stdio("fs", "node", List.of(McpReferenceServers.entry("server-filesystem").toString(), tmp.toString()), Map.of());
        try (var mcp = new McpClientManager(List.of(config), Duration.ofSeconds(30))) {
            var read = tool(mcp.tools(), "mcp__fs__read_text_file");
            var ok = read.execute(Json.object().put("path", tmp.resolve("note.txt").toString()), null);
            assertThat(ok.content()).contains("from the filesystem server");
            var denied = read.execute(Json.object().put("path", "/etc/hostname"), null);
            assertThat(denied.error()).isTrue();
        }
    }

    @Test
    void everythingServerOverStreamableHttp() throws Exception {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var pb = new ProcessBuilder("node", McpReferenceServers.entry("server-everything").toString(), "streamableHttp")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("server.log").toFile());
        pb.environment().put("PORT", String.valueOf(port));
        var server = pb.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                try (var probe = new Socket("127.0.0.1", port)) {
                    break;
                } catch (java.io.IOException e) {
                    assertThat(server.isAlive()).as(Files.readString(tmp.resolve("server.log"))).isTrue();
                    assertThat(System.nanoTime()).as("server did not start listening").isLessThan(deadline);
                    Thread.sleep(100);
                }
            }
            var config = McpServerConfig.http("remote", "http://127.0.0.1:" + port + "/mcp", Map.of("X-Test", "1"));
            try (var mcp = new McpClientManager(List.of(config), Duration.ofSeconds(30))) {
                var echo = tool(mcp.tools(), "mcp__remote__echo");
                assertThat(mcp.connection("remote").protocolVersion()).isEqualTo(ProtocolVersions.MCP_2025_11_25);
                assertThat(echo.execute(Json.object().put("message", "over http"), null).content()).isEqualTo("Echo: over http");
            }
        } finally {
            server.destroyForcibly();
        }
    }

    @Test
    void aServerThatDiesIsReportedThenRestarted() throws Exception {
        var dir = McpReferenceServers.dir();
        var config = McpServerConfig.stdio("flaky", "node", List.of(dir.resolve("flaky-server.mjs").toString()), Map.of());
        var changes = new AtomicInteger();
        try (var mcp = new McpClientManager(List.of(config), Duration.ofSeconds(20))) {
            mcp.onToolsChanged(m -> changes.incrementAndGet());
            var tools = mcp.tools();
            var add = tool(tools, "mcp__flaky__add");
            assertThat(add.execute(Json.object().put("a", 2).put("b", 3), null).content()).isEqualTo("5");

            long sent = System.nanoTime();
            var crash = tool(tools, "mcp__flaky__crash").execute(Json.object(), null);
            assertThat(crash.error()).isTrue();
            assertThat(crash.content()).contains("MCP server 'flaky' failed: its process exited");
            // When the process exits, not at the request timeout (20 s here).
            assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(10));
            var meanwhile = add.execute(Json.object().put("a", 1).put("b", 1), null);
            assertThat(meanwhile.error()).isTrue();
            assertThat(meanwhile.content()).contains("unavailable").contains("retrying in");

            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            var again = meanwhile;
            while (again.error() && System.nanoTime() < deadline) {
                Thread.sleep(100);
                again = add.execute(Json.object().put("a", 1).put("b", 1), null);
            }
            assertThat(again.error()).as(again.content()).isFalse();
            assertThat(again.content()).isEqualTo("2");

            assertThat(tool(mcp.tools(), "mcp__flaky__grow").execute(Json.object(), null).content()).isEqualTo("grown");
            deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (changes.get() == 0 && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(changes.get()).as("tools/list_changed received").isPositive();
            assertThat(tool(mcp.tools(), "mcp__flaky__extra").execute(Json.object(), null).content()).isEqualTo("extra works");
        }
    }

    @Test
    void aServerThatCannotStartIsAProblemNotACrash() {
        var config = McpServerConfig.stdio("ghost", "/nonexistent/mcp-server", List.of(), Map.of());
        try (var mcp = new McpClientManager(List.of(config), Duration.ofSeconds(5))) {
            assertThat(mcp.tools()).isEmpty();
            assertThat(mcp.problems()).singleElement().asString().contains("MCP server 'ghost' failed");
        }
    }

    @Test
    void aMissingCommandFailsAtOnceNamingTheCommand() {
        // Before, a command not on PATH only showed as the initialisation timeout (60 s in every run); the message
        // below comes from the check made before anything is started.
        var config = McpServerConfig.stdio("nocmd", "apprentice-no-such-mcp-server", List.of(), Map.of());
        try (var mcp = new McpClientManager(List.of(config), Duration.ofSeconds(60))) {
            assertThat(mcp.tools()).isEmpty();
            assertThat(mcp.problems()).singleElement().asString().contains("'apprentice-no-such-mcp-server' was not found")
                    .contains("mcp_servers.nocmd.command");
        }
    }

    private static McpServerConfig tiny(String mode) {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return McpServerConfig.stdio("tiny", java, List.of("-cp", System.getProperty("java.class.path"), TinyServerMain.class.getName(), mode), Map.of());
    }

    @Test
    void aServerWithoutToolsIsConnectedForItsResourcesAndPrompts() throws Exception {
        try (var mcp = new McpClientManager(List.of(tiny("no-tools")), Duration.ofSeconds(60))) {
            var tools = mcp.tools();
            assertThat(mcp.problems()).isEmpty();
            assertThat(tools).extracting(Tool::name).containsExactly("mcp__tiny__resources");
            assertThat(tool(tools, "mcp__tiny__resources").effect()).isEqualTo(Tool.Effect.READ_ONLY);
            var listing = tool(tools, "mcp__tiny__resources").execute(Json.object(), null);
            assertThat(listing.content()).contains("tiny://note");
            var read = tool(tools, "mcp__tiny__resources").execute(Json.object().put("uri", "tiny://note"), null);
            assertThat(read.error()).isFalse();
            assertThat(read.content()).isEqualTo("a note from tiny");
            var missing = tool(tools, "mcp__tiny__resources").execute(Json.object().put("uri", "tiny://none"), null);
            assertThat(missing.error()).isTrue();
            assertThat(missing.content()).contains("MCP server 'tiny'");
            assertThat(mcp.connection("tiny").prompts()).extracting(p -> p.name()).containsExactly("greet");
        }
    }

    @Test
    void toolAnnotationsChooseTheEffectButNeverNotTwice() throws Exception {
        try (var mcp = new McpClientManager(List.of(tiny("annotated")), Duration.ofSeconds(60))) {
            var tools = mcp.tools();
            assertThat(mcp.problems()).isEmpty();
            assertThat(tool(tools, "mcp__tiny__lookup").effect()).isEqualTo(Tool.Effect.READ_ONLY);
            assertThat(tool(tools, "mcp__tiny__put").effect()).isEqualTo(Tool.Effect.IDEMPOTENT);
            // destructiveHint asks for nothing stricter: only the user's tool_effects can make a tool not_twice
            assertThat(tool(tools, "mcp__tiny__pay").effect()).isEqualTo(Tool.Effect.AT_LEAST_ONCE);
            assertThat(tool(tools, "mcp__tiny__plain").effect()).isEqualTo(Tool.Effect.AT_LEAST_ONCE);
            assertThat(tool(tools, "mcp__tiny__put").execute(Json.object(), null).content()).isEqualTo("put done");
        }
    }

    @Test
    void aResultWithOnlyStructuredContentReachesTheModelAsJson() throws Exception {
        try (var mcp = new McpClientManager(List.of(tiny("structured")), Duration.ofSeconds(60))) {
            var r = tool(mcp.tools(), "mcp__tiny__weather").execute(Json.object(), null);
            assertThat(r.error()).as(r.content()).isFalse();
            assertThat(Json.tree(r.content()).get("celsius").asDouble()).isEqualTo(21.5);
        }
    }

    @Test
    void theWorkspaceIsTheRootAndProgressAndLogsAreShown() throws Exception {
        var config = McpServerConfig.stdio("everything", "node", List.of(McpReferenceServers.entry("server-everything").toString()), Map.of());
        var notices = new java.util.concurrent.CopyOnWriteArrayList<String>();
        try (var mcp = new McpClientManager(List.of(config), Duration.ofSeconds(30), List.of(tmp), notices::add)) {
            var tools = mcp.tools();
            // The server registers get-roots-list only for a client that declares roots.
            var roots = tool(tools, "mcp__everything__get-roots-list").execute(Json.object(), null);
            assertThat(roots.content()).contains(tmp.toUri().toString().replaceAll("/$", ""));
            var longOne = tool(tools, "mcp__everything__trigger-long-running-operation").execute(Json.object().put("duration", 1).put("steps", 2), null);
            assertThat(longOne.error()).as(longOne.content()).isFalse();
            assertThat(notices).anyMatch(n -> n.startsWith("[everything] progress 1/2"));
            // A log message (notifications/message), sent when the server has read the roots: its level, logger and text.
            assertThat(notices).contains("[everything] info everything-server: Roots updated: 1 root(s) received from client");
        }
    }

    @Test
    void a401IsExplainedAsAnAuthenticationProblem() throws Exception {
        McpAuthenticator auth = t -> t.equals("apt_right-token-0123456789") ? java.util.Optional.of("t") : java.util.Optional.empty();
        try (var server = ApprenticeMcpServer.http(new ServeMain.Backend(), new ApprenticeMcpServer.Options(tmp, auth, List.of()), "127.0.0.1", 0);
                var mcp = new McpClientManager(List.of(McpServerConfig.http("guarded", server.url(), Map.of())), Duration.ofSeconds(20))) {
            assertThat(mcp.tools()).isEmpty();
            assertThat(mcp.problems()).singleElement().asString().contains("authentication failed (HTTP 401)").contains("Authorization=Bearer TOKEN");
        }
        try (var server = ApprenticeMcpServer.http(new ServeMain.Backend(), new ApprenticeMcpServer.Options(tmp, auth, List.of()), "127.0.0.1", 0);
                var mcp = new McpClientManager(List.of(McpServerConfig.http("guarded", server.url(),
                        Map.of("Authorization", "Bearer apt_right-token-0123456789"))), Duration.ofSeconds(20))) {
            assertThat(tool(mcp.tools(), "mcp__guarded__list_runs").execute(Json.object(), null).error()).isFalse();
            assertThat(tool(mcp.tools(), "mcp__guarded__resources").execute(Json.object(), null).content()).contains("apprentice://runs");
        }
    }

    /** Calls the tool until it answers (the server is restarted after the backoff), failing on errors that do not name it. */
    private static ai.apprentice.tool.ToolResult onceRestarted(ai.apprentice.tool.Tool tool, String server) throws Exception {
        var r = tool.execute(Json.object(), null);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (r.error() && System.nanoTime() < deadline) {
            assertThat(r.content()).contains("MCP server '" + server + "'").contains("unavailable");
            Thread.sleep(100);
            r = tool.execute(Json.object(), null);
        }
        return r;
    }

    /**
     * A server that answers too much or writes garbage: the agent gets an error observation naming it, the others go on,
     * and it is started again. The SDK's stdio reader stops at such a line and tells nobody (decision 0017), so each shows
     * only as the request timeout (10 s here): named, and saying it timed out.
     */
    @Test
    void aMisbehavingServerGivesErrorsNamingItAndLeavesTheOthersAlone() throws Exception {
        var misbehaving = McpServerConfig.stdio("bad", tiny("misbehaving").command(), tiny("misbehaving").args(), Map.of());
        var good = McpServerConfig.stdio("good", tiny("structured").command(), tiny("structured").args(), Map.of());
        try (var mcp = new McpClientManager(List.of(misbehaving, good), Duration.ofSeconds(10))) {
            var tools = mcp.tools();
            assertThat(mcp.problems()).isEmpty();
            var ok = tool(tools, "mcp__bad__ok");
            assertThat(ok.execute(Json.object(), null).content()).isEqualTo("ok");

            var huge = tool(tools, "mcp__bad__huge").execute(Json.object(), null);
            assertThat(huge.error()).isTrue();
            assertThat(huge.content()).contains("MCP server 'bad' failed").contains("within 10000ms");
            assertThat(tool(tools, "mcp__good__weather").execute(Json.object(), null).content()).contains("21.5");
            var back = onceRestarted(ok, "bad");
            assertThat(back.error()).as(back.content()).isFalse();
            assertThat(back.content()).isEqualTo("ok");

            long sent = System.nanoTime();
            var garbage = tool(tools, "mcp__bad__garbage").execute(Json.object(), null);
            assertThat(garbage.error()).isTrue();
            assertThat(garbage.content()).contains("MCP server 'bad' failed").contains("within 10000ms");
            assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("sent to the server, not refused while it backed off").isGreaterThan(Duration.ofSeconds(9));
            assertThat(tool(tools, "mcp__good__weather").execute(Json.object(), null).error()).isFalse();
            // The timeout dropped the session (and its process): after the backoff the server is started again and answers.
            var again = onceRestarted(ok, "bad");
            assertThat(again.error()).as(again.content()).isFalse();
            assertThat(again.content()).isEqualTo("ok");
        }
    }
}
