package ai.apprentice.mcp;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The connection to one MCP server. It connects lazily, and after a failure (the process died, the
 * connection broke) it reconnects on the next use, waiting longer after each failure in a row (exponential
 * backoff, capped). Meanwhile calls fail fast with the reason, so the model is told instead of waiting.
 */
public final class McpConnection implements AutoCloseable {
    static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final McpServerConfig config;
    private final Duration requestTimeout;
    private final Consumer<McpConnection> onToolsChanged;
    private final List<java.nio.file.Path> roots;
    private final Consumer<String> notices;
    private final McpOAuth oauth;
    private final McpElicitor elicitor;
    private final McpSampler sampler;
    /** The runs' tool calls in flight on this server, by number (their progress token ends in it): see {@link #callFor}. */
    private final java.util.concurrent.ConcurrentSkipListMap<Long, ai.apprentice.tool.ToolContext> calling = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final java.util.concurrent.atomic.AtomicLong progressTokens = new java.util.concurrent.atomic.AtomicLong();
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private McpSyncClient client;
    private CancellingTransport transport;
    /** The stdio transport being connected (null over HTTP): its process is watched, see {@link #watchExit}. */
    private StdioClientTransport stdio;
    /** The server's tools and their output schemas, swapped together when the list changes. */
    private volatile Listing listing = new Listing(List.of(), OutputSchemas.NONE);
    private int failures;
    private Instant retryAt = Instant.MIN;
    private String lastError;

    public McpConnection(McpServerConfig config, Duration requestTimeout, Consumer<McpConnection> onToolsChanged) {
        this(config, requestTimeout, onToolsChanged, List.of(), notice -> { });
    }

    /**
     * @param roots what the server may work on (roots/list: the workspace)
     * @param notices where the server's log messages and progress go, one line each, prefixed with its name
     */
    public McpConnection(McpServerConfig config, Duration requestTimeout, Consumer<McpConnection> onToolsChanged,
                         List<java.nio.file.Path> roots, Consumer<String> notices) {
        this(config, requestTimeout, onToolsChanged, roots, notices, null);
    }

    /** @param oauth signs in to an HTTP server that asks for OAuth; null: a 401 is reported, not answered */
    public McpConnection(McpServerConfig config, Duration requestTimeout, Consumer<McpConnection> onToolsChanged,
                         List<java.nio.file.Path> roots, Consumer<String> notices, McpOAuth oauth) {
        this(config, requestTimeout, onToolsChanged, roots, notices, oauth, null);
    }

    /** @param elicitor answers the server's elicitation requests (a person); null: the capability is not declared */
    public McpConnection(McpServerConfig config, Duration requestTimeout, Consumer<McpConnection> onToolsChanged,
                         List<java.nio.file.Path> roots, Consumer<String> notices, McpOAuth oauth, McpElicitor elicitor) {
        this(config, requestTimeout, onToolsChanged, roots, notices, oauth, elicitor, null);
    }

    /** @param sampler serves the server's sampling requests (apprentice's model, once approved); null: the capability is not declared */
    public McpConnection(McpServerConfig config, Duration requestTimeout, Consumer<McpConnection> onToolsChanged,
                         List<java.nio.file.Path> roots, Consumer<String> notices, McpOAuth oauth, McpElicitor elicitor, McpSampler sampler) {
        this.elicitor = elicitor;
        this.sampler = sampler;
        this.oauth = oauth;
        this.config = config;
        this.requestTimeout = requestTimeout;
        this.onToolsChanged = onToolsChanged;
        this.roots = List.copyOf(roots);
        this.notices = notices;
    }

    public McpServerConfig config() {
        return config;
    }

    private record Listing(List<McpSchema.Tool> tools, OutputSchemas outputSchemas) {
        static Listing of(List<McpSchema.Tool> tools) {
            var all = List.copyOf(tools);
            return new Listing(all, new OutputSchemas(all));
        }
    }

    public List<McpSchema.Tool> tools() {
        return listing.tools();
    }

    /** Connects if needed; throws {@link McpUnavailableException} while backing off after failures. */
    public synchronized McpSyncClient client() {
        if (client != null) return client;
        if (Instant.now().isBefore(retryAt)) {
            throw new McpUnavailableException("MCP server '" + config.name() + "' is unavailable (" + lastError
                    + "); retrying in " + Duration.between(Instant.now(), retryAt).toMillis() + " ms");
        }
        McpSyncClient c = null;
        try {
            // What this client answers; anything else a server asks is refused by the SDK (JSON-RPC "method not found"),
            // and the person is told, since a server asking for what it was not offered is worth knowing about.
            var answers = new java.util.HashSet<>(List.of(McpSchema.METHOD_PING));
            if (!roots.isEmpty()) answers.add(McpSchema.METHOD_ROOTS_LIST);
            if (elicitor != null) answers.add(McpSchema.METHOD_ELICITATION_CREATE);
            if (sampler != null) answers.add(McpSchema.METHOD_SAMPLING_CREATE_MESSAGE);
            var t = new CancellingTransport(transport(), request -> {
                if (!answers.contains(request.method())) {
                    notices.accept("[" + config.name() + "] refused its request " + sanitize(request.method())
                            + ": apprentice did not declare that capability to it");
                }
            });
            transport = t;
            var spec = McpClient.sync(t).requestTimeout(requestTimeout).initializationTimeout(requestTimeout)
                    .clientInfo(new McpSchema.Implementation("apprentice", "0.1.0"))
                    .toolsChangeConsumer(list -> {
                        listing = Listing.of(list);
                        onToolsChanged.accept(this);
                    })
                    .loggingConsumer(m -> notices.accept("[" + config.name() + "] " + m.level().name().toLowerCase(java.util.Locale.ROOT)
                            + (m.logger() == null ? "" : " " + m.logger()) + ": " + m.data()))
                    .progressConsumer(p -> notices.accept("[" + config.name() + "] progress " + progressText(p)));
            var capabilities = McpSchema.ClientCapabilities.builder();
            if (!roots.isEmpty()) capabilities.roots(false);
            if (elicitor != null) {
                capabilities.elicitation(true, false); // form mode only; URL mode is not offered
                spec.elicitation(request -> elicitor.elicit(config.name(), request));
            }
            if (sampler != null) {
                capabilities.sampling();
                spec.sampling(request -> sampler.sample(config.name(), request, callFor(request)));
            }
            spec.capabilities(capabilities.build());
            if (!roots.isEmpty()) {
                spec.roots(roots.stream().map(r -> new McpSchema.Root(r.toUri().toString(), r.getFileName() == null ? r.toString() : r.getFileName().toString())).toList());
            }
            c = spec.build();
            c.initialize();
            // A server need not offer tools: one with only resources or prompts is connected all the same.
            listing = Listing.of(c.getServerCapabilities().tools() == null ? List.of() : listAll(c));
            client = c;
            failures = 0;
            if (stdio != null) watchExit(c, stdio);
            return c;
        } catch (RuntimeException e) {
            if (c != null) c.close();
            throw failed(e);
        }
    }

    /**
     * The run's tool call a sampling request is for, whose run is charged: MCP does not tie a server's request to the
     * client's request it serves, so
     * <ol>
     * <li>a request whose {@code _meta.progressToken} is the token of a call in flight is that call's (a server may pass
     * on the token of the call it works for);</li>
     * <li>else, when every call in flight is one run's, that run's (the latest call, for its step);</li>
     * <li>else several runs share this connection (the workspace's servers are shared between its runs, e.g. parallel
     * {@code run_task}s of {@code mcp serve}) and which one caused the request is ambiguous: it is refused rather than
     * charged to a run by guess, since a budget is a limit the person set for that run;</li>
     * <li>no call in flight (e.g. {@code apprentice mcp call}): null, no run's budget.</li>
     * </ol>
     */
    ai.apprentice.tool.ToolContext callFor(McpSchema.CreateMessageRequest request) {
        var inFlight = List.copyOf(calling.entrySet());
        if (inFlight.isEmpty()) return null;
        var token = request.meta() == null ? null : request.meta().get("progressToken");
        if (token != null) {
            for (var e : inFlight) {
                if (String.valueOf(token).equals(config.name() + "-" + e.getKey())) return e.getValue();
            }
        }
        var latest = inFlight.getLast().getValue();
        if (inFlight.stream().allMatch(e -> java.util.Objects.equals(e.getValue().runId(), latest.runId()))) return latest;
        throw McpSampler.refused("calls of several apprentice runs (" + String.join(", ", inFlight.stream().map(e -> e.getValue().runId()).distinct().toList())
                + ") are in flight on '" + config.name() + "' and the request does not say which it is for (give _meta.progressToken of that "
                + "tools/call); apprentice charges no run's budget by guess");
    }

    /**
     * A stdio server whose process exits is failed at once. The SDK's client would not notice: at the end of the
     * server's output its transport completes its inbound stream, and the session fails a pending request only when it
     * is closed, so a call in flight would wait for the request timeout. Dropping the client closes the session, which
     * fails the pending calls ("MCP session with server terminated"), and the next use reconnects after the backoff.
     */
    private void watchExit(McpSyncClient c, StdioClientTransport t) {
        Thread.ofVirtual().name("mcp-exit-" + config.name()).start(() -> {
            try {
                t.awaitForExit();
            } catch (RuntimeException e) {
                return; // interrupted, or never started
            }
            synchronized (this) {
                if (client == c) failed(new IllegalStateException("its process exited"));
            }
        });
    }

    /** Records a failure: the client is dropped and the next attempt waits (exponential backoff). */
    synchronized McpUnavailableException failed(Throwable e) {
        if (client != null) {
            try {
                client.close();
            } catch (RuntimeException ignored) {
                // it is broken already
            }
            client = null;
        }
        transport = null;
        stdio = null;
        failures++;
        long wait = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(failures - 1, 10));
        retryAt = Instant.now().plusMillis(wait);
        lastError = describe(e);
        return new McpUnavailableException("MCP server '" + config.name() + "' failed: " + lastError, e);
    }

    /** A server's method name for a line on the terminal: printable, and not too long. */
    private static String sanitize(String method) {
        if (method == null) return "(no method)";
        var s = method.replaceAll("[^\\x20-\\x7e]", "?");
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private static String progressText(McpSchema.ProgressNotification p) {
        var n = p.progress() == null ? "?" : String.valueOf(p.progress().longValue());
        return n + (p.total() == null ? "" : "/" + p.total().longValue()) + (p.message() == null ? "" : " " + p.message());
    }

    private String describe(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof McpAuthenticationRequiredException a) return a.getMessage();
        }
        for (var c = e; c != null; c = c.getCause()) {
            if (c instanceof io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException a) {
                int status = a.getResponseInfo() == null ? 401 : a.getResponseInfo().statusCode();
                return "authentication failed (HTTP " + status + "): the server at " + config.url() + " wants a valid token; give it with "
                        + "'apprentice mcp add " + config.name() + " --url " + config.url() + " -H \"Authorization=Bearer TOKEN\"'"
                        + (oauth == null ? "" : ", or sign in again: 'apprentice mcp login " + config.name() + "'")
                        + (config.headers().keySet().stream().anyMatch(h -> h.equalsIgnoreCase("Authorization"))
                                ? " (the configured Authorization header was refused: it is wrong, expired or revoked)" : "");
            }
        }
        var msg = e.getMessage();
        for (var c = e.getCause(); (msg == null || msg.isBlank()) && c != null; c = c.getCause()) msg = c.getMessage();
        String stderr;
        synchronized (stderrTail) {
            stderr = String.join(" | ", stderrTail);
        }
        return (msg == null ? e.getClass().getSimpleName() : msg) + (stderr.isEmpty() ? "" : "; its stderr: " + stderr);
    }

    private io.modelcontextprotocol.spec.McpClientTransport transport() {
        var mapper = McpJsonDefaults.getMapper();
        if (config.isStdio()) {
            // A command that does not exist would only show as a 60 s initialisation timeout, in every run.
            if (!executable(config.command(), withPath(config.env()).get("PATH"))) {
                throw new IllegalStateException("its command '" + config.command() + "' was not found (not an executable file, nor on PATH); "
                        + "fix mcp_servers." + config.name() + ".command in config, or install it");
            }
            var params = ServerParameters.builder(config.command()).args(config.args()).env(withPath(config.env())).build();
            var t = new StdioClientTransport(params, mapper);
            stdio = t;
            t.setStdErrorHandler(line -> {
                synchronized (stderrTail) {
                    stderrTail.addLast(line.length() > 300 ? line.substring(0, 300) : line);
                    while (stderrTail.size() > 5) stderrTail.removeFirst();
                }
            });
            return t; // its sends are serialised by CancellingTransport: the SDK retries a contended enqueue for 100 ms only
        }
        stdio = null;
        var uri = java.net.URI.create(config.url());
        String base = uri.getScheme() + "://" + uri.getAuthority();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/mcp" : uri.getRawPath();
        boolean ownAuthorization = config.headers().keySet().stream().anyMatch(h -> h.equalsIgnoreCase("Authorization"));
        // The SDK neither waits for retry: nor resumes a stream with Last-Event-ID: its HTTP client does (ResumingHttpClient).
        var builder = HttpClientStreamableHttpTransport.builder(base).endpoint(path).jsonMapper(mapper)
                .clientBuilder(ResumingHttpClient.builder(java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)))
                .httpRequestCustomizer((b, method, endpoint, body, context) -> {
                    config.headers().forEach(b::header);
                    if (oauth != null && !ownAuthorization) {
                        var token = oauth.accessToken();
                        if (token != null) b.setHeader("Authorization", "Bearer " + token);
                    }
                });
        if (oauth != null && !ownAuthorization) {
            // A 401 (or a 403 for too little scope) signs in or refreshes, then the SDK retries the request.
            builder.authorizationErrorHandler(io.modelcontextprotocol.client.transport.customizer.McpHttpClientTransportAuthorizationErrorHandler
                    .fromSync((request, response, context) -> {
                        var sent = request.headers().firstValue("Authorization").filter(v -> v.startsWith("Bearer ")).map(v -> v.substring(7)).orElse(null);
                        return oauth.unauthorized(response.statusCode(), response.headers().allValues("WWW-Authenticate"), sent);
                    }));
        }
        return builder.build();
    }

    static boolean executable(String command, String path) {
        if (command.contains("/")) return java.nio.file.Files.isExecutable(java.nio.file.Path.of(command));
        if (path == null) return false;
        for (var dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, command))) return true;
        }
        return false;
    }

    /** A server started by command sees our PATH (so npx and node resolve) plus its configured variables. */
    private static Map<String, String> withPath(Map<String, String> env) {
        var out = new java.util.HashMap<String, String>();
        for (var k : List.of("PATH", "HOME", "LANG", "NODE_PATH")) {
            var v = System.getenv(k);
            if (v != null) out.put(k, v);
        }
        out.putAll(env);
        return out;
    }

    private static List<McpSchema.Tool> listAll(McpSyncClient c) {
        var all = new java.util.ArrayList<McpSchema.Tool>();
        String cursor = null;
        do {
            var page = cursor == null ? c.listTools() : c.listTools(cursor);
            all.addAll(page.tools());
            cursor = page.nextCursor();
        } while (cursor != null && !cursor.isEmpty());
        return List.copyOf(all);
    }

    /** Calls a tool; a broken connection becomes an {@link McpUnavailableException} and a reconnect later. */
    public McpSchema.CallToolResult call(String tool, Map<String, Object> arguments) {
        return call(tool, arguments, (ai.apprentice.tool.ToolContext) null);
    }

    /**
     * As {@link #call(String, Map)}, for a run: what the server samples meanwhile counts against {@code spending} (the
     * run's, with its limits; null: no run's), with no event recorded.
     */
    public McpSchema.CallToolResult call(String tool, Map<String, Object> arguments, ai.apprentice.runtime.Spending spending) {
        return call(tool, arguments, spending == null ? null : new ai.apprentice.tool.ToolContext(spending.runId(), 0, null, 0, spending));
    }

    /**
     * As {@link #call(String, Map)}, as the tool call {@code context} of a run: what the server samples meanwhile counts
     * against that run's budget and is recorded as its usage (null: no run's).
     *
     * <p>Every caller (an agent's tool, {@code apprentice mcp call}) gets the result checked against the tool's output
     * schema, as the tool list had it when the call was made: a result that breaks it (or lacks the structured content
     * the schema promises) comes back as an error result that names the server, the tool and what failed, instead of
     * the server's content.
     */
    public McpSchema.CallToolResult call(String tool, Map<String, Object> arguments, ai.apprentice.tool.ToolContext context) {
        var c = client();
        var schemas = listing.outputSchemas();
        var result = callUnchecked(c, tool, arguments, context);
        var problem = schemas.problem(config.name(), tool, result);
        if (problem == null) return result;
        return McpSchema.CallToolResult.builder().addTextContent(problem).isError(true).build();
    }

    private McpSchema.CallToolResult callUnchecked(McpSyncClient c, String tool, Map<String, Object> arguments, ai.apprentice.tool.ToolContext context) {
        CancellingTransport t;
        synchronized (this) {
            t = transport;
        }
        // A progress token, so that a long call can say how it is doing (shown through the notices), and be cancelled.
        long n = progressTokens.incrementAndGet();
        var token = config.name() + "-" + n;
        if (context != null) calling.put(n, context);
        try {
            return c.callTool(McpSchema.CallToolRequest.builder().name(tool).arguments(arguments).progressToken(token).build());
        } catch (io.modelcontextprotocol.spec.McpError e) {
            throw e; // the server answered with an error: the connection is fine
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted() || hasCause(e, InterruptedException.class)) {
                // The run was cancelled mid-call: the server is told to stop, and the connection stays up.
                boolean interrupted = Thread.interrupted(); // else sending the notice would fail on the interrupt at once
                try {
                    if (t != null) t.cancel(token, "the apprentice run was cancelled");
                } catch (RuntimeException ignored) {
                    // the server is gone; nothing to stop
                } finally {
                    if (interrupted) Thread.currentThread().interrupt();
                }
                throw new McpUnavailableException("MCP server '" + config.name() + "': the call of " + tool + " was cancelled", e);
            }
            synchronized (this) {
                // Failed already (its process exited, or a parallel call failed it): one failure, counted once.
                if (client != c && lastError != null) throw new McpUnavailableException("MCP server '" + config.name() + "' failed: " + lastError, e);
            }
            throw failed(e);
        } finally {
            calling.remove(n);
            if (t != null) t.done(token);
        }
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (var c = e; c != null; c = c.getCause()) if (type.isInstance(c)) return true;
        return false;
    }

    /** The protocol revision agreed with the server at initialisation. */
    public String protocolVersion() {
        return client().getCurrentInitializationResult().protocolVersion();
    }

    /** The server's resources, every page; none when it offers no resources. */
    public List<McpSchema.Resource> resources() {
        var c = client();
        if (c.getServerCapabilities().resources() == null) return List.of();
        var all = new java.util.ArrayList<McpSchema.Resource>();
        String cursor = null;
        do {
            var page = cursor == null ? c.listResources() : c.listResources(cursor);
            all.addAll(page.resources());
            cursor = page.nextCursor();
        } while (cursor != null && !cursor.isEmpty());
        return all;
    }

    public boolean offersResources() {
        return client().getServerCapabilities().resources() != null;
    }

    public McpSchema.ReadResourceResult read(String uri) {
        return client().readResource(new McpSchema.ReadResourceRequest(uri));
    }

    /** The server's prompts; none when it offers no prompts. */
    public List<McpSchema.Prompt> prompts() {
        var c = client();
        return c.getServerCapabilities().prompts() == null ? List.of() : c.listPrompts().prompts();
    }

    public McpSchema.GetPromptResult prompt(String name, Map<String, Object> arguments) {
        return client().getPrompt(new McpSchema.GetPromptRequest(name, arguments));
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            try {
                client.closeGracefully();
            } catch (RuntimeException ignored) {
                // closing a dead server
            }
            client = null;
        }
    }
}
