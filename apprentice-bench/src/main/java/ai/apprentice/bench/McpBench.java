package ai.apprentice.bench;

import ai.apprentice.cli.CliContext;
import ai.apprentice.json.Json;
import ai.apprentice.mcp.McpClientManager;
import ai.apprentice.mcp.McpServerConfig;
import ai.apprentice.testkit.McpReferenceServers;
import ai.apprentice.tool.Tool;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A trivial tool (the reference server's {@code echo}) called through apprentice's MCP client, as the agent calls
 * it, against the SDK's raw client calling the same server in the same run: over stdio and over streamable HTTP.
 */
@Command(name = "mcp", description = "MCP tool calls per second and p99 latency over stdio and streamable HTTP, against the SDK's raw client.")
final class McpBench implements Callable<Integer> {
    private final CliContext cli;
    @Option(names = "--calls", defaultValue = "2000", description = "Timed calls per client and transport (default ${DEFAULT-VALUE}).") int calls;
    @Option(names = "--warmup", defaultValue = "200", description = "Untimed calls first (default ${DEFAULT-VALUE}).") int warmup;

    McpBench(CliContext cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        var everything = McpReferenceServers.entry("server-everything").toString();
        var out = Json.object().put("benchmark", "mcp_tool_calls").put("calls", calls);
        var stdio = McpServerConfig.stdio("everything", "node", List.of(everything), Map.of());
        out.set("stdio", compare(stdio, new StdioClientTransport(ServerParameters.builder("node").args(everything).build(), McpJsonDefaults.getMapper())));

        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var pb = new ProcessBuilder("node", everything, "streamableHttp").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PORT", String.valueOf(port));
        var server = pb.start();
        try {
            awaitPort(port, server);
            var http = McpServerConfig.http("everything", "http://127.0.0.1:" + port + "/mcp", Map.of());
            out.set("streamable_http", compare(http, HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + port).endpoint("/mcp").build()));
        } finally {
            server.destroyForcibly();
        }
        cli.out().println(out.toPrettyString());
        return 0;
    }

    private ObjectNode compare(McpServerConfig config, McpClientTransport raw) throws Exception {
        var node = Json.object();
        try (var mcp = new McpClientManager(List.of(config), Duration.ofSeconds(30))) {
            Tool echo = mcp.tools().stream().filter(t -> t.name().equals("mcp__everything__echo")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no echo tool: " + mcp.problems()));
            node.set("apprentice", measure(i -> {
                ai.apprentice.tool.ToolResult r;
                try {
                    r = echo.execute(Json.object().put("message", "m" + i), null);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                if (r.error()) throw new IllegalStateException(r.content());
            }));
        }
        try (var client = McpClient.sync(raw).requestTimeout(Duration.ofSeconds(30)).initializationTimeout(Duration.ofSeconds(60)).build()) {
            client.initialize();
            node.set("sdk_raw", measure(i -> client.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "m" + i)))));
        }
        node.put("overhead_ratio", node.at("/apprentice/p50_ms").asDouble() / node.at("/sdk_raw/p50_ms").asDouble());
        return node;
    }

    private ObjectNode measure(IntConsumer call) {
        for (int i = 0; i < warmup; i++) call.accept(i);
        var ms = new ArrayList<Double>(calls);
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            long t0 = System.nanoTime();
            call.accept(i);
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return Json.object().put("calls_per_s", calls / seconds).put("p50_ms", BenchCommand.median(ms))
                .put("p99_ms", BenchCommand.percentile(ms, 99));
    }

    private static void awaitPort(int port, Process server) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (var probe = new Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException e) {
                if (!server.isAlive()) throw new IllegalStateException("the reference server exited with " + server.exitValue());
                if (System.nanoTime() > deadline) throw new IllegalStateException("the reference server did not listen on " + port);
                Thread.sleep(100);
            }
        }
    }
}
