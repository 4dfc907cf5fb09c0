package ai.apprentice.cli;

import ai.apprentice.harness.Harness;
import ai.apprentice.server.ApprenticeServer;
import ai.apprentice.server.ServerOptions;
import ai.apprentice.server.Tokens;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "serve", description = "Serve the REST API, the OpenAI-compatible endpoints and the web UI over HTTP.",
        subcommands = {ServeCommand.Token.class},
        footer = {"", "Every route but /health needs a token: the first start creates one and prints it; --token T (or APPRENTICE_TOKEN) sets one for scripts.",
                "Runs' workspaces are confined under --root. Agent flags (--model, --approve, budgets) are the defaults of every run.",
                "Examples:", "  apprentice serve --model openai:gpt-4.1-mini --root ~/work",
                "  apprentice serve token create --name ci", "  curl -H \"Authorization: Bearer $T\" -d '{\"task\":\"list the files\"}' http://127.0.0.1:8080/api/runs"})
final class ServeCommand implements Callable<Integer> {
    private final Cli cli;

    @Mixin AgentOptions options = new AgentOptions();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}).") String host;
    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on; 0 picks a free one (default ${DEFAULT-VALUE}).") int port;
    @Option(names = "--root", paramLabel = "DIR", description = "Runs' workspaces must lie under this directory (default: the current one).") Path root;
    @Option(names = "--token", paramLabel = "T", description = "Accept this token (at least 16 characters); default: APPRENTICE_TOKEN.") String token;
    @Option(names = "--no-auth", description = "Accept requests without a token (loopback only; every local process can then drive the agent).") boolean noAuth;
    @Option(names = "--max-runs", defaultValue = "4", paramLabel = "N", description = "Runs carried out at once; more wait in a queue (default ${DEFAULT-VALUE}).") int maxRuns;
    @Option(names = "--approval-timeout", defaultValue = "5m", paramLabel = "DURATION", description = "How long a pending approval waits before it is denied (default ${DEFAULT-VALUE}).") String approvalTimeout;
    @Option(names = "--allow-model", paramLabel = "PROVIDER:MODEL", description = "A model requests may choose besides the default (repeatable).") List<String> allowModels = List.of();
    @Option(names = "--cors-origin", paramLabel = "ORIGIN", description = "An origin whose pages may call the API (repeatable; default none).") List<String> corsOrigins = List.of();
    @Option(names = "--engine", defaultValue = "in-process", paramLabel = "ENGINE",
            description = "Where runs are carried out: in-process (default) or temporal (workflows that apprentice worker processes carry out).") String engine;
    @Option(names = "--temporal-target", paramLabel = "HOST:PORT", description = "The Temporal service, with --engine temporal.") String temporalTarget;
    @Option(names = "--namespace", paramLabel = "N", description = "The Temporal namespace (default: default).") String namespace;
    @Mixin TemporalTlsOptions temporalTls = new TemporalTlsOptions();
    @Option(names = "--allow-host", paramLabel = "NAME", description = "A DNS name the server is reached by, accepted in the Host header (repeatable).") List<String> allowHosts = List.of();

    ServeCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        if (options.workspace != null) {
            throw new UsageException("serve takes --root DIR (runs' workspaces lie under it; a request names its own), not --workspace");
        }
        var rootDir = (root == null ? Path.of("") : root).toAbsolutePath().normalize();
        if (!java.nio.file.Files.isDirectory(rootDir)) throw new UsageException("--root " + rootDir + " is not a directory");
        Duration timeout;
        try {
            timeout = ai.apprentice.harness.config.Durations.parse(approvalTimeout);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--approval-timeout: " + e.getMessage());
        }
        if (!engine.equals("in-process") && !engine.equals("temporal")) throw new UsageException("--engine must be in-process or temporal, got " + engine);
        if (engine.equals("temporal") && temporalTarget == null) throw new UsageException("--engine temporal needs --temporal-target HOST:PORT");
        if (engine.equals("in-process") && (temporalTarget != null || namespace != null || temporalTls.given())) {
            throw new UsageException("--temporal-target, --namespace and the --temporal-tls options go with --engine temporal");
        }
        var given = token != null ? token : cli.env.get("APPRENTICE_TOKEN");
        ServerOptions serverOptions;
        try {
            serverOptions = new ServerOptions(host, port, rootDir, options.flags(), new java.util.LinkedHashSet<>(allowModels), maxRuns, timeout,
                    given, !noAuth, corsOrigins, allowHosts, 4L * 1024 * 1024, Duration.ofSeconds(15));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
        // Its own harness, not the terminal's: nobody answers prompts at the server's terminal; approvals go to the API.
        try (var harness = Harness.builder().env(cli.env).err(cli.err).interactive(false).build()) {
            if (options.trustWorkspace) harness.trustWorkspace(rootDir);
            String created = null;
            if (given == null && !noAuth) {
                try (var tokens = Tokens.open(harness)) {
                    if (!tokens.any()) created = tokens.create("first start")[0];
                }
            }
            ai.apprentice.channels.Channels channels;
            try {
                channels = ai.apprentice.channels.Channels.fromConfig(harness.home(), cli.env, cli.err);
            } catch (ai.apprentice.channels.ChatException e) {
                throw new UsageException(e.getMessage(), e);
            }
            // schedules, webhooks and watched folders from $APPRENTICE_HOME/server/triggers.db, on the wall clock
            var triggers = new ai.apprentice.channels.triggers.Triggers(harness.home(), java.time.Clock.systemUTC(), cli.err, cli.env,
                    ai.apprentice.channels.triggers.Triggers.TICK);
            ai.apprentice.temporal.TemporalConnection temporal = null;
            ai.apprentice.server.RunExecutor.Factory runsOn = null;
            io.temporal.worker.WorkerFactory scheduleWorker = null;
            if (engine.equals("temporal")) {
                try {
                    temporal = ai.apprentice.temporal.TemporalConnection.connect(temporalTarget, namespace, temporalTls.access(cli.env),
                            ai.apprentice.temporal.TemporalConnection.CONNECT);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage(), e);
                }
                runsOn = ai.apprentice.temporal.run.TemporalExecutor.factory(temporal.client(), ai.apprentice.temporal.run.RunWorkers.TASK_QUEUE, harness.store());
                // Schedules keep time on the engine: one timer per schedule for every server of this store, so a fire happens once.
                var queue = ai.apprentice.temporal.triggers.TemporalSchedules.TASK_QUEUE;
                scheduleWorker = io.temporal.worker.WorkerFactory.newInstance(temporal.client());
                ai.apprentice.temporal.triggers.TemporalSchedules.register(scheduleWorker.newWorker(queue), triggers);
                triggers.scheduleOn(new ai.apprentice.temporal.triggers.TemporalSchedules(temporal.client(), queue,
                        ai.apprentice.temporal.triggers.TemporalSchedules.scope(harness.store().location())));
                scheduleWorker.start();
                cli.err.println("runs go to Temporal at " + temporalTarget + ", task queue " + ai.apprentice.temporal.run.RunWorkers.TASK_QUEUE
                        + ", schedules on task queue " + queue + ": start workers with apprentice worker --temporal-target " + temporalTarget
                        + (temporalTls.given() ? " and the same --temporal-* TLS options" : "") + " (with the same store setting)");
            }
            try (var server = ApprenticeServer.start(harness, serverOptions, cli.err, java.util.List.of(channels, triggers), runsOn)) {
                // On SIGTERM or Ctrl-C: interrupt the runs (they resume at the next start), then close the stores.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    server.close();
                    harness.close();
                }, "apprentice-serve-stop"));
                cli.err.println("apprentice serving " + server.url() + " (API /api, OpenAI-compatible /v1, web UI /) with root " + rootDir);
                if (noAuth) cli.err.println("warning: --no-auth: any local process can drive the agent");
                if (created != null) {
                    cli.err.println("created an access token (shown once; list and revoke with: apprentice serve token list|revoke):");
                    cli.out.println(created);
                } else if (given == null && !noAuth) {
                    cli.err.println("sign in with a token from: apprentice serve token create --name NAME");
                }
                server.awaitShutdown();
            } finally {
                if (scheduleWorker != null) scheduleWorker.shutdownNow();
                if (temporal != null) temporal.close();
            }
        }
        return 0;
    }

    @Command(name = "token", description = "Create, list and revoke the server's access tokens (stored hashed).",
            subcommands = {Token.Create.class, Token.ListTokens.class, Token.Revoke.class})
    static final class Token {
        @Command(name = "create", description = "Create a token; it is printed alone on the last line, once.")
        static final class Create implements Callable<Integer> {
            private final Cli cli;
            @Option(names = "--name", defaultValue = "token", description = "What the token is for (shown in lists and as the author of feedback).") String name;

            Create(Cli cli) { this.cli = cli; }

            @Override
            public Integer call() {
                try (var tokens = Tokens.open(cli.home(), cli.env)) {
                    var t = tokens.create(name);
                    cli.err.println("token " + t[1] + " (" + name + "): keep it secret; it is not shown again");
                    cli.out.println(t[0]);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage(), e);
                }
                return 0;
            }
        }

        @Command(name = "list", description = "List tokens (never the tokens themselves).")
        static final class ListTokens implements Callable<Integer> {
            private final Cli cli;
            @Option(names = "--json", description = "Print a JSON array.") boolean json;

            ListTokens(Cli cli) { this.cli = cli; }

            @Override
            public Integer call() {
                try (var tokens = Tokens.open(cli.home(), cli.env)) {
                    var list = tokens.list();
                    if (json) {
                        cli.out.println(ai.apprentice.json.Json.MAPPER.valueToTree(list).toPrettyString());
                    } else if (list.isEmpty()) {
                        cli.out.println("No tokens. Create one with: apprentice serve token create --name NAME");
                    } else {
                        cli.out.printf("%-16s %-20s %-25s %-25s %s%n", "ID", "NAME", "CREATED", "LAST USED", "REVOKED");
                        for (var t : list) {
                            cli.out.printf("%-16s %-20s %-25s %-25s %s%n", t.id(), t.name(), t.createdAt(),
                                    t.lastUsedAt() == null ? "-" : t.lastUsedAt(), t.revokedAt() == null ? "-" : t.revokedAt());
                        }
                    }
                }
                return 0;
            }
        }

        @Command(name = "revoke", description = "Revoke a token by id or name; it stops working at once, also in a running server.")
        static final class Revoke implements Callable<Integer> {
            private final Cli cli;
            @Parameters(paramLabel = "ID", description = "Token id (tok_...) or name.") String id;

            Revoke(Cli cli) { this.cli = cli; }

            @Override
            public Integer call() {
                try (var tokens = Tokens.open(cli.home(), cli.env)) {
                    if (!tokens.revoke(id)) throw new UsageException("No live token '" + id + "'. See: apprentice serve token list");
                    cli.out.println("revoked " + id);
                }
                return 0;
            }
        }
    }
}
