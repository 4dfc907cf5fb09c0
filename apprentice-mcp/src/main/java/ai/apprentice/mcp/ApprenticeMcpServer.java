package ai.apprentice.mcp;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/**
 * apprentice as an MCP server: other agents can give it a task ({@code run_task}) and read its runs
 * ({@code list_runs}, {@code get_run}). Over stdio, with the official SDK.
 */
public final class ApprenticeMcpServer {
    private ApprenticeMcpServer() {}

    static List<SyncToolSpecification> tools(ApprenticeBackend backend) {
        var mapper = McpJsonDefaults.getMapper();
        var runTask = McpSchema.Tool.builder().name("run_task")
                .description("Run a task with an apprentice agent in a workspace; returns the answer and the run id.")
                .inputSchema(mapper, """
                        {"type":"object","properties":{
                          "task":{"type":"string","description":"what the agent should do"},
                          "workspace":{"type":"string","description":"directory to work in (default: the server's)"},
                          "model":{"type":"string","description":"PROVIDER:MODEL (default: configured)"},
                          "max_steps":{"type":"integer","description":"step budget"}},
                         "required":["task"]}""").build();
        var listRuns = McpSchema.Tool.builder().name("list_runs").description("List recent apprentice runs as JSON.")
                .inputSchema(mapper, "{\"type\":\"object\",\"properties\":{\"limit\":{\"type\":\"integer\"}}}").build();
        var getRun = McpSchema.Tool.builder().name("get_run").description("One apprentice run with its events, as JSON.")
                .inputSchema(mapper, "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]}").build();
        return List.of(
                spec(runTask, args -> {
                    var o = backend.runTask(str(args, "task"), str(args, "workspace"), str(args, "model"),
                            args.get("max_steps") instanceof Number n ? n.intValue() : null);
                    var text = (o.answer() != null ? o.answer() : "Run " + o.status() + ": " + o.error())
                            + "\n\nrun_id: " + o.runId() + "\nstatus: " + o.status();
                    return McpSchema.CallToolResult.builder().addTextContent(text).isError(!"succeeded".equals(o.status())).build();
                }),
                spec(listRuns, args -> text(backend.listRunsJson(args.get("limit") instanceof Number n ? n.intValue() : 20))),
                spec(getRun, args -> text(backend.getRunJson(str(args, "id")))));
    }

    private interface Handler {
        McpSchema.CallToolResult handle(Map<String, Object> args) throws Exception;
    }

    private static SyncToolSpecification spec(McpSchema.Tool tool, Handler handler) {
        return SyncToolSpecification.builder().tool(tool).callHandler((exchange, request) -> {
            try {
                return handler.handle(request.arguments() == null ? Map.of() : request.arguments());
            } catch (Exception e) {
                return McpSchema.CallToolResult.builder().addTextContent(
                        tool.name() + " failed: " + (e.getMessage() == null ? e.toString() : e.getMessage())).isError(true).build();
            }
        }).build();
    }

    private static McpSchema.CallToolResult text(String s) {
        return McpSchema.CallToolResult.builder().addTextContent(s).isError(false).build();
    }

    private static String str(Map<String, Object> args, String key) {
        var v = args.get(key);
        return v == null ? null : v.toString();
    }

    /** A running streamable HTTP server; close it to stop. */
    public record HttpServer(org.eclipse.jetty.server.Server jetty, McpSyncServer mcp, int port) implements AutoCloseable {
        public String url() {
            return "http://127.0.0.1:" + port + "/mcp";
        }

        @Override
        public void close() throws Exception {
            mcp.closeGracefully();
            jetty.stop();
        }
    }

    /**
     * Serves over streamable HTTP at {@code http://HOST:PORT/mcp} (port 0 picks a free one). Binds to the
     * given host only; 127.0.0.1 keeps it to this machine.
     */
    public static HttpServer http(ApprenticeBackend backend, String host, int port) throws Exception {
        var transport = io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(McpJsonDefaults.getMapper()).mcpEndpoint("/mcp").build();
        var mcp = McpServer.sync(transport).serverInfo("apprentice", "0.1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .tools(tools(backend)).build();
        var jetty = new org.eclipse.jetty.server.Server(new java.net.InetSocketAddress(host, port));
        var context = new org.eclipse.jetty.ee10.servlet.ServletContextHandler();
        var holder = new org.eclipse.jetty.ee10.servlet.ServletHolder(transport);
        holder.setAsyncSupported(true); // SSE responses stay open asynchronously
        context.addServlet(holder, "/*");
        jetty.setHandler(context);
        jetty.start();
        int actual = ((org.eclipse.jetty.server.NetworkConnector) jetty.getConnectors()[0]).getLocalPort();
        return new HttpServer(jetty, mcp, actual);
    }

    /** Serves over the given streams (stdin/stdout for a real server) until the client closes them. */
    public static McpSyncServer stdio(ApprenticeBackend backend, InputStream in, OutputStream out) {
        var provider = new StdioServerTransportProvider(McpJsonDefaults.getMapper(), in, out);
        return McpServer.sync(provider).serverInfo("apprentice", "0.1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .tools(tools(backend)).build();
    }
}
