package ai.apprentice.server;

import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;

/**
 * apprentice as a service: one process serving the REST API (with server-sent events), the OpenAI-compatible endpoints
 * and the web UI, over one {@link Harness}, so that its runs are the CLI's runs: the same assembly, the same run store
 * and memory. Every route but {@code /health} and the sign-in page needs a token; every request's Host and Origin are
 * checked; errors are JSON with the right status, never a stack trace.
 * <pre>{@code
 * try (var server = ApprenticeServer.start(harness, ServerOptions.defaults(8080, root).withToken(token), System.err)) {
 *     server.awaitShutdown();
 * }
 * }</pre>
 */
public final class ApprenticeServer implements AutoCloseable {
    /** Connections the kernel may queue before the server accepts them (it caps this at net.core.somaxconn). */
    static final int ACCEPT_QUEUE = 4096;
    /** How often a server on a durable engine reads the store for its streams' runs' new events. */
    static final Duration STORE_WATCH = Duration.ofMillis(200);
    private final Harness harness;
    private final ServerOptions options;
    private final ServerDb db;
    private final RunEvents events;
    private final Tokens tokens;
    private final Runs runs;
    private final Auth auth;
    private final Javalin app;
    private final AgentService agents;
    /** Routes that check their own signatures (chat deliveries, webhooks), by path; mounted after the server starts. */
    private final java.util.Map<String, Inbound> inbound = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    /**
     * Open once the runs the last stop left are picked up again. The server listens before that (a second server on a
     * taken port must fail before it touches the first one's runs), so requests wait for it: an answer given in between
     * said 'interrupted' of a run about to resume.
     */
    private final java.util.concurrent.CountDownLatch recovered = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean closed;

    private final java.util.List<ServerExtension> extensions;

    private ApprenticeServer(Harness harness, ServerOptions options, PrintStream log, java.util.List<ServerExtension> extensions,
                             RunExecutor.Factory engine) {
        this.extensions = java.util.List.copyOf(extensions);
        this.harness = harness;
        this.options = options;
        this.db = ServerDb.open(harness);
        this.tokens = new Tokens(db);
        if (options.token() != null) tokens.ensure(options.token(), "serve --token");
        var events = new RunEvents();
        var approvals = new Approvals(options.approvalTimeout(), events);
        this.runs = new Runs(harness, options, db, events, approvals, engine);
        // runs on a durable engine store their events from the workers: look for them in the store, not only at heartbeats
        if (runs.executor().runsOutliveTheServer()) events.watchStore(harness.store(), STORE_WATCH, runs.executor()::beforeStoreRead);
        this.events = events;
        this.auth = new Auth(tokens, options);
        var conversations = new Conversations(db);
        var api = new Api(runs, conversations, approvals, new EventStream(harness.store(), events, options.heartbeat()));
        this.agents = new AgentService(runs, conversations);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = options.maxBodyBytes();
            config.jetty.host = options.host();
            config.jetty.port = options.port();
            // the listen backlog: Jetty leaves it at the JDK's 50, so a burst of clients (a thousand streams opening at
            // once) overflowed it and the kernel dropped their connects, each retried a second or more later
            config.jetty.modifyServer(server -> server.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
                @Override
                public void lifeCycleStarting(org.eclipse.jetty.util.component.LifeCycle event) {
                    for (var c : server.getConnectors()) if (c instanceof org.eclipse.jetty.server.ServerConnector sc) sc.setAcceptQueueSize(ACCEPT_QUEUE);
                }
            }));
            config.routes.before(this::guard);
            config.routes.get("/health", ctx -> Api.json(ctx, 200, Json.object().put("status", "ok")
                    .put("running", runs.executor().running()).put("queued", runs.executor().queued())));
            config.routes.get("/openapi.json", ctx -> ctx.contentType("application/json").result(resource("openapi.json")));
            api.routes(config.routes);
            config.routes.post("/channels/{name}/events", this::inbound);
            config.routes.get("/channels/{name}/events", this::inbound); // WeCom verifies its callback URL with a signed GET
            config.routes.post("/hooks/{name}", this::inbound);
            for (var e : this.extensions) e.routes(config.routes, agents);
            new KnowledgeApi(harness, options).routes(config.routes);
            new EvalsApi(harness, options, runs).routes(config.routes);
            new OpenAiEndpoints(runs, options.heartbeat()).routes(config.routes);
            new WebUi(auth, harness.home()).routes(config.routes);
            config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status, e.code, e.getMessage()));
            config.routes.exception(io.javalin.http.HttpResponseException.class, (e, ctx) -> {
                switch (e.getStatus()) {
                    case 404 -> error(ctx, 404, "not_found", "No route " + ctx.method() + " " + ctx.path() + ". The API is described at /openapi.json");
                    case 413 -> error(ctx, 413, "too_large", "The body is larger than this server takes (" + options.maxBodyBytes() + " bytes)");
                    default -> error(ctx, e.getStatus(), "http_" + e.getStatus(), e.getMessage());
                }
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.println("error: " + ctx.method() + " " + ctx.path() + ": " + harness.store().redact(String.valueOf(e)));
                error(ctx, 500, "internal", "The server could not handle this request: " + harness.store().redact(e.getClass().getSimpleName()
                        + (e.getMessage() != null ? ": " + e.getMessage() : "")));
            });
            config.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty() || !"application/json".equals(ctx.res().getContentType())) {
                    error(ctx, 404, "not_found", "No route " + ctx.method() + " " + ctx.path() + ". The API is described at /openapi.json");
                }
            });
            config.routes.error(405, ctx -> error(ctx, 405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path()));
        });
    }

    /** Builds the server, starts listening, and picks up the runs a previous start left queued or interrupted. */
    public static ApprenticeServer start(Harness harness, ServerOptions options, PrintStream log) {
        return start(harness, options, log, java.util.List.of());
    }

    /** The same, with entry points that live in the server (chat channels, triggers), started once it listens. */
    public static ApprenticeServer start(Harness harness, ServerOptions options, PrintStream log, java.util.List<ServerExtension> extensions) {
        return start(harness, options, log, extensions, null);
    }

    /** The same, with the runs carried out by {@code engine}'s executor (a durable engine's) instead of in this process. */
    public static ApprenticeServer start(Harness harness, ServerOptions options, PrintStream log, java.util.List<ServerExtension> extensions,
                                         RunExecutor.Factory engine) {
        var server = new ApprenticeServer(harness, options, log, extensions, engine);
        try {
            server.app.start();
        } catch (RuntimeException e) {
            server.db.close();
            throw new ServerException("Cannot listen on " + options.host() + ":" + options.port() + ": " + rootCause(e).getMessage(), e);
        }
        int picked;
        try {
            picked = server.runs.recover();
        } finally {
            server.recovered.countDown();
        }
        if (picked > 0) log.println("picked up " + picked + " run(s) left queued or interrupted by the last stop");
        for (var e : server.extensions) {
            try {
                e.started(server);
            } catch (RuntimeException ex) {
                server.close();
                throw ex;
            }
        }
        return server;
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t;
    }

    /** Host, Origin, then a token, for every route except the health check. */
    private void guard(Context ctx) throws InterruptedException {
        if (recovered.getCount() > 0 && !recovered.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new ApiException(503, "starting", "The server is still picking up the runs its last stop left; try again shortly");
        }
        auth.checkHost(ctx);
        auth.checkOrigin(ctx);
        // CORS, only for origins given with --cors-origin: their pages may read answers and send bearer tokens (no cookies)
        var origin = ctx.header("Origin");
        if (origin != null && options.allowedOrigins().contains(origin)) {
            ctx.header("Access-Control-Allow-Origin", origin).header("Vary", "Origin").header("Access-Control-Expose-Headers", "Location");
            if (ctx.method().name().equals("OPTIONS")) {
                ctx.header("Access-Control-Allow-Methods", "GET, POST, DELETE")
                        .header("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID")
                        .header("Access-Control-Max-Age", "600").status(204);
                ctx.skipRemainingHandlers();
                return;
            }
        }
        var path = ctx.path();
        // signed, not tokened: the handler verifies each delivery (WeCom's URL check is a GET)
        if ((ctx.method().name().equals("POST") || ctx.method().name().equals("GET") && path.startsWith("/channels/"))
                && (path.startsWith("/channels/") || path.startsWith("/hooks/"))) return;
        if (path.equals("/health") || path.equals("/login") || path.startsWith("/assets/") || ctx.method().name().equals("OPTIONS")) return;
        try {
            ctx.attribute("principal", auth.principal(ctx));
        } catch (ApiException e) {
            if (e.status != 401 || !WebUi.isPage(ctx)) throw e;
            ctx.redirect("/login"); // a browser without a session: the sign-in page, not a JSON 401
            ctx.skipRemainingHandlers();
        }
    }

    /** A delivery to a mounted {@link Inbound}: its own signature check decides; an unmounted path is a JSON 404. */
    private void inbound(Context ctx) throws Exception {
        var handler = inbound.get(ctx.path());
        if (handler == null) {
            throw ApiException.notFound("Nothing is configured at " + ctx.path() + " on this server (see apprentice channels list, apprentice triggers list)");
        }
        var headers = new java.util.LinkedHashMap<String, String>();
        for (var name : java.util.Collections.list(ctx.req().getHeaderNames())) headers.put(name.toLowerCase(java.util.Locale.ROOT), ctx.header(name));
        var query = new java.util.LinkedHashMap<String, String>();
        ctx.queryParamMap().forEach((k, v) -> { if (!v.isEmpty()) query.put(k, v.get(0)); });
        var response = handler.handle(new Inbound.Request(ctx.method().name(), ctx.path(), headers, query, ctx.bodyAsBytes(), ctx.ip()));
        ctx.status(response.status()).contentType(response.contentType()).result(response.body());
    }

    /**
     * Serves {@code handler} at {@code path} ({@code /channels/NAME/events} or {@code /hooks/NAME}): its requests need
     * no token, so the handler must verify each one's signature first.
     */
    public void mount(String path, Inbound handler) {
        if (!path.matches("/channels/[a-z0-9_-]+/events|/hooks/[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("an inbound route is /channels/NAME/events or /hooks/NAME, not " + path);
        }
        inbound.put(path, handler);
    }

    public void unmount(String path) {
        inbound.remove(path);
    }

    /** What entry points in this server (chat channels, triggers) start and follow runs with. */
    public AgentService agents() {
        return agents;
    }

    static void error(Context ctx, int status, String code, String message) {
        if (ctx.path().startsWith("/v1/")) {
            OpenAiEndpoints.error(ctx, status, code, message); // OpenAI's error shape, which its SDKs parse
            return;
        }
        var o = Json.object();
        o.putObject("error").put("status", status).put("code", code).put("message", message);
        ctx.status(status).contentType("application/json").result(Json.write(o));
    }

    private static String resource(String name) {
        try (InputStream in = ApprenticeServer.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public int port() {
        return app.port();
    }

    public String url() {
        var h = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + (h.equals("0.0.0.0") ? "127.0.0.1" : h) + ":" + port();
    }

    /**
     * Tells {@code hook} of each event the run store commits at once (run_started, step_completed, run_finished, ...),
     * right after the commit and before streams are woken: what {@code apprentice bench server} measures delivery from.
     */
    public void onEventCommitted(java.util.function.BiConsumer<ai.apprentice.runtime.Event, java.time.Instant> hook) {
        runs.events().onCommitted(hook);
    }

    public Tokens tokens() {
        return tokens;
    }

    public Harness harness() {
        return harness;
    }

    /** Blocks until {@link #close()} is called (by a shutdown hook, on SIGTERM or Ctrl-C). */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    /** Graceful stop: no new requests, running runs interrupted (they resume at the next start), then the listener closes. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            for (var e : extensions) e.close();
            runs.executor().shutdown(Duration.ofSeconds(10));
            app.stop();
        } finally {
            events.close();
            db.close();
            stopped.countDown();
        }
    }

}
