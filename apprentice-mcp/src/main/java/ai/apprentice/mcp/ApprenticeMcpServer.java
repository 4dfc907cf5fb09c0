package ai.apprentice.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.DispatcherType;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * apprentice as an MCP server: other agents can give it a task ({@code run_task}) and read its runs
 * ({@code list_runs}, {@code get_run}, resources {@code apprentice://runs/{id}}), and use its skills as prompts; a run's id
 * and a prompt's argument can be completed ({@code completion/complete}).
 * Over stdio or streamable HTTP, with the official SDK; {@link HttpGuard} and {@link StdioGuard} add what the SDK's
 * transports leave out.
 */
public final class ApprenticeMcpServer {
    static final ObjectMapper PLAIN = new ObjectMapper();

    private ApprenticeMcpServer() {}

    /**
     * How to serve: the directory tasks are confined to, who may call (null: anyone who reaches the port, only
     * allowed on loopback), and the browser origins allowed besides this server's own.
     */
    public record Options(Path root, McpAuthenticator authenticator, List<String> allowedOrigins) {
        public Options {
            allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
        }

        public static Options confinedTo(Path root) {
            return new Options(root, null, List.of());
        }
    }

    private static McpSyncServer build(McpServer.SyncSpecification<?> spec, ServerFeatures features) {
        return spec.serverInfo("apprentice", "0.1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).resources(false, false).prompts(false).completions().logging().build())
                .tools(features.tools())
                .resources(features.runResources())
                .resourceTemplates(features.runTemplate())
                .prompts(features.prompts())
                .completions(features.completions())
                .build();
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
     * Serves over streamable HTTP at {@code http://HOST:PORT/mcp} (port 0 picks a free one). Binds to the given host
     * only; 127.0.0.1 keeps it to this machine. Without an authenticator it must be a loopback address.
     */
    public static HttpServer http(ApprenticeBackend backend, Options options, String host, int port) throws Exception {
        if (options.authenticator() == null && !HttpGuard.loopback(host)) {
            throw new IllegalArgumentException("Serving MCP on " + host + " without authentication would let anyone on the network run tasks; "
                    + "keep --host 127.0.0.1 or drop --no-auth");
        }
        var transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(McpJsonDefaults.getMapper()).mcpEndpoint("/mcp").build();
        var cancels = new Cancellations();
        var features = new ServerFeatures(backend, new WorkspaceRoot(options.root()), cancels);
        var mcp = build(McpServer.sync(transport), features);
        var jetty = new org.eclipse.jetty.server.Server(new java.net.InetSocketAddress(host, port));
        var context = new org.eclipse.jetty.ee10.servlet.ServletContextHandler();
        var holder = new org.eclipse.jetty.ee10.servlet.ServletHolder(transport);
        holder.setAsyncSupported(true); // SSE responses stay open asynchronously
        context.addServlet(holder, "/*");
        var bound = new int[1];
        var guard = new org.eclipse.jetty.ee10.servlet.FilterHolder(new HttpGuard(host, () -> bound[0], options.authenticator(), options.allowedOrigins(), cancels, features::completionRefusal));
        guard.setAsyncSupported(true);
        context.addFilter(guard, "/*", EnumSet.of(DispatcherType.REQUEST));
        jetty.setHandler(context);
        jetty.start();
        bound[0] = ((org.eclipse.jetty.server.NetworkConnector) jetty.getConnectors()[0]).getLocalPort();
        return new HttpServer(jetty, mcp, bound[0]);
    }

    /** A server on a pair of streams; {@link #awaitEnd()} returns when the client closes its end. */
    public record StdioServer(McpSyncServer mcp, StdioGuard guard) implements AutoCloseable {
        public void awaitEnd() throws InterruptedException {
            guard.awaitEnd();
        }

        @Override
        public void close() {
            mcp.closeGracefully();
        }
    }

    /** Serves over the given streams (stdin/stdout for a real server) until the client closes them. */
    public static StdioServer stdio(ApprenticeBackend backend, Options options, InputStream in, OutputStream out) throws java.io.IOException {
        var cancels = new Cancellations();
        var features = new ServerFeatures(backend, new WorkspaceRoot(options.root()), cancels);
        var guard = new StdioGuard(in, out, cancels, features::completionRefusal);
        var provider = new StdioServerTransportProvider(McpJsonDefaults.getMapper(), guard.sdkInput(), guard.sdkOutput());
        var mcp = build(McpServer.sync(provider), features);
        guard.start();
        return new StdioServer(mcp, guard);
    }

    /** Counts progress for one request; sends nothing when the client asked for none (no progressToken). */
    static final class Progress {
        private final io.modelcontextprotocol.server.McpSyncServerExchange exchange;
        private final Object token;
        private final AtomicInteger n = new AtomicInteger();

        Progress(io.modelcontextprotocol.server.McpSyncServerExchange exchange, Object token) {
            this.exchange = exchange;
            this.token = token;
        }

        void report(String message) {
            if (token == null) return;
            try {
                exchange.progressNotification(new McpSchema.ProgressNotification(token, (double) n.incrementAndGet(), null, message));
            } catch (RuntimeException e) {
                // the client went away; the run goes on and its result is stored
            }
        }
    }
}
