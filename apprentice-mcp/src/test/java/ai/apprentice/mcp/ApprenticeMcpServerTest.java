package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.ProtocolVersions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** apprentice's MCP server in a child JVM, driven by the official SDK's client over stdio. */
@Timeout(120)
class ApprenticeMcpServerTest {
    private static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().getFirst()).text();
    }

    @Test
    void otherClientsCanRunTasksAndReadRuns() {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var params = ServerParameters.builder(java).args("-cp", System.getProperty("java.class.path"), ServeMain.class.getName()).build();
        try (var client = McpClient.sync(new StdioClientTransport(params, McpJsonDefaults.getMapper()))
                .requestTimeout(Duration.ofSeconds(30)).initializationTimeout(Duration.ofSeconds(60)).build()) {
            assertThat(client.initialize().protocolVersion()).isEqualTo(ProtocolVersions.MCP_2025_11_25);
            assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name).containsExactlyInAnyOrder("run_task", "list_runs", "get_run");
            var ok = client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "tidy up", "max_steps", 5)));
            assertThat(ok.isError()).isFalse();
            assertThat(text(ok)).contains("did: tidy up (max_steps=5)").contains("run_id: run-1").contains("status: succeeded");
            var failed = client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "please fail")));
            assertThat(failed.isError()).isTrue();
            assertThat(text(failed)).contains("budget exhausted");
            assertThat(text(client.callTool(new McpSchema.CallToolRequest("list_runs", Map.of())))).contains("run-1").contains("run-2");
            assertThat(text(client.callTool(new McpSchema.CallToolRequest("get_run", Map.of("id", "run-1"))))).contains("tidy up");
            var missing = client.callTool(new McpSchema.CallToolRequest("get_run", Map.of("id", "nope")));
            assertThat(missing.isError()).isTrue();
            assertThat(text(missing)).contains("No run with id 'nope'");
        }
    }

    /** A client that only speaks the first revision still gets served, in that revision. */
    @Test
    void anOlderClientIsAnsweredInItsRevision() {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var params = ServerParameters.builder(java).args("-cp", System.getProperty("java.class.path"), ServeMain.class.getName()).build();
        var old = new StdioClientTransport(params, McpJsonDefaults.getMapper()) {
            @Override public List<String> protocolVersions() { return List.of(ProtocolVersions.MCP_2024_11_05); }
        };
        try (var client = McpClient.sync(old).requestTimeout(Duration.ofSeconds(30)).initializationTimeout(Duration.ofSeconds(60)).build()) {
            assertThat(client.initialize().protocolVersion()).isEqualTo(ProtocolVersions.MCP_2024_11_05);
            assertThat(text(client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "old times"))))).contains("did: old times");
        }
    }

    @Test
    void streamableHttpServesTheSameTools() throws Exception {
        var backend = new ApprenticeBackend() {
            @Override public Outcome runTask(String task, String workspace, String model, Integer maxSteps) {
                return new Outcome("run-h", "succeeded", "over http: " + task, null);
            }
            @Override public String listRunsJson(int limit) { return "[{\"id\":\"run-h\"}]"; }
            @Override public String getRunJson(String id) { return "{\"id\":\"" + id + "\"}"; }
        };
        try (var server = ApprenticeMcpServer.http(backend, "127.0.0.1", 0)) {
            var transport = io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport
                    .builder("http://127.0.0.1:" + server.port()).endpoint("/mcp").build();
            try (var client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build()) {
                assertThat(client.initialize().protocolVersion()).isEqualTo(ProtocolVersions.MCP_2025_11_25);
                assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name).contains("run_task");
                var r = client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "ping")));
                assertThat(text(r)).contains("over http: ping").contains("run_id: run-h");
            }
        }
    }
}
