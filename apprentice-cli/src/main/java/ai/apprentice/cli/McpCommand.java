package ai.apprentice.cli;

import ai.apprentice.harness.config.ConfigLoader;
import ai.apprentice.json.Json;
import ai.apprentice.mcp.ApprenticeBackend;
import ai.apprentice.mcp.ApprenticeMcpServer;
import ai.apprentice.mcp.McpClientManager;
import ai.apprentice.mcp.McpConfigFile;
import ai.apprentice.mcp.McpServerConfig;
import ai.apprentice.mcp.McpSignIn;
import ai.apprentice.mcp.McpTokenStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "mcp", description = "Model Context Protocol servers: add, list and call them, or serve apprentice over MCP.",
        subcommands = {McpCommand.Add.class, McpCommand.ListServers.class, McpCommand.Tools.class, McpCommand.Resources.class,
                McpCommand.Prompts.class, McpCommand.Call.class, McpCommand.Login.class,
                McpCommand.Remove.class, McpCommand.Serve.class})
final class McpCommand {

    /** Which config file {@code add} and {@code remove} edit. */
    static final class Scope {
        @Option(names = "--workspace-scope", description = "Edit <workspace>/.apprentice/config.yaml instead of the user's config.")
        boolean workspace;

        Path file(Cli cli) {
            return workspace ? ConfigLoader.workspaceFile(Path.of("").toAbsolutePath()) : ConfigLoader.userFile(cli.home());
        }
    }

    static List<McpServerConfig> configured(Cli cli) {
        var workspace = Path.of("").toAbsolutePath();
        try {
            return McpServerConfig.fromConfig(cli.config(workspace, Map.of()).mcpServers());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
    }

    static McpServerConfig find(Cli cli, String name) {
        return configured(cli).stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() -> new UsageException(
                "No MCP server named '" + name + "'. Add one with: apprentice mcp add " + name + " -- COMMAND [ARGS...]"));
    }

    /**
     * Clients for these servers: the current directory is their root, their log messages and progress go to stderr, and
     * an OAuth sign-in happens on a terminal (elsewhere it is an error that names 'mcp login').
     */
    static McpClientManager manager(Cli cli, List<McpServerConfig> servers, Duration timeout) {
        return manager(cli, servers, timeout, cli.interactive ? McpSignIn.terminal(cli.err, cli.env) : null);
    }

    static McpClientManager manager(Cli cli, List<McpServerConfig> servers, Duration timeout, McpSignIn signIn) {
        return new McpClientManager(servers, timeout, List.of(Path.of("").toAbsolutePath()), cli.err::println, tokens(cli), signIn);
    }

    static McpTokenStore tokens(Cli cli) {
        return new McpTokenStore(cli.home().resolve("mcp-tokens"));
    }

    @Command(name = "login", description = "Sign in to an HTTP server that asks for OAuth: prints the URL to open "
            + "(and opens it with xdg-open), waits for the browser to come back, and keeps the token in $APPRENTICE_HOME/mcp-tokens.")
    static final class Login implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "NAME") String name;
        Login(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            var server = find(cli, name);
            if (server.isStdio()) throw new UsageException("MCP server '" + name + "' is started by a command (stdio); it needs no sign-in");
            var file = tokens(cli).dir().resolve(name + ".json");
            var before = java.nio.file.Files.exists(file) ? java.nio.file.Files.getLastModifiedTime(file) : null;
            try (var mcp = manager(cli, List.of(server), Duration.ofMinutes(6), McpSignIn.terminal(cli.err, cli.env))) {
                mcp.connection(name).client();
            } catch (RuntimeException e) {
                cli.err.println("error: " + e.getMessage());
                return 1;
            }
            var after = java.nio.file.Files.exists(file) ? java.nio.file.Files.getLastModifiedTime(file) : null;
            cli.out.println(after != null && !after.equals(before) ? "Signed in to MCP server '" + name + "'; the token is kept in " + file
                    : "MCP server '" + name + "' accepted the connection: already signed in, or it needs no sign-in");
            return 0;
        }
    }

    @Command(name = "add", description = "Add a server: 'mcp add NAME -- COMMAND [ARGS...]' (stdio) or 'mcp add NAME --url URL'.")
    static final class Add implements Callable<Integer> {
        private final Cli cli;
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Parameters(index = "1..*", paramLabel = "COMMAND", description = "The command that starts the server, after --.") List<String> command;
        @Option(names = "--url", description = "Streamable HTTP endpoint of the server.") String url;
        @Option(names = {"-H", "--header"}, paramLabel = "NAME=VALUE", description = "HTTP header (repeatable).") Map<String, String> headers;
        @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Environment variable for a stdio server (repeatable).") Map<String, String> env;
        @picocli.CommandLine.Mixin Scope scope = new Scope();

        Add(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            McpServerConfig server;
            try {
                if ((command == null || command.isEmpty()) == (url == null)) {
                    throw new UsageException("Give either a command after -- or --url URL, e.g. apprentice mcp add files -- npx -y @modelcontextprotocol/server-filesystem .");
                }
                server = url != null ? McpServerConfig.http(name, url, headers)
                        : McpServerConfig.stdio(name, command.getFirst(), command.subList(1, command.size()), env);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), e);
            }
            var file = scope.file(cli);
            McpConfigFile.add(file, server);
            cli.out.println("Added MCP server '" + name + "' to " + file + ". Its tools appear as mcp__" + name + "__<tool>; "
                    + "try: apprentice mcp tools " + name);
            return 0;
        }
    }

    @Command(name = "list", description = "List configured servers.")
    static final class ListServers implements Callable<Integer> {
        private final Cli cli;
        ListServers(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            var servers = configured(cli);
            if (servers.isEmpty()) cli.out.println("No MCP servers configured. Add one: apprentice mcp add NAME -- COMMAND [ARGS...]");
            for (var s : servers) {
                cli.out.printf("%-16s %s%n", s.name(), s.isStdio() ? "stdio: " + s.command() + " " + String.join(" ", s.args()) : "http: " + s.url());
            }
            return 0;
        }
    }

    @Command(name = "tools", description = "Connect to servers and list their tools.")
    static final class Tools implements Callable<Integer> {
        private final Cli cli;
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "Only this server.") String name;
        Tools(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            var servers = name == null ? configured(cli) : List.of(find(cli, name));
            try (var mcp = manager(cli, servers, Duration.ofSeconds(30))) {
                for (var t : mcp.tools()) cli.out.printf("%-40s %s%n", t.name(), EventPrinter.preview(t.description()));
                mcp.problems().forEach(p -> cli.err.println("error: " + p));
                return mcp.problems().isEmpty() ? 0 : 1;
            }
        }
    }

    @Command(name = "resources", description = "List the resources a server offers.")
    static final class Resources implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "NAME") String name;
        Resources(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            try (var mcp = manager(cli, List.of(find(cli, name)), Duration.ofSeconds(30))) {
                for (var r : mcp.connection(name).resources()) {
                    cli.out.printf("%-50s %s%n", r.uri(), r.name() + (r.mimeType() == null ? "" : " (" + r.mimeType() + ")"));
                }
                return 0;
            } catch (RuntimeException e) {
                cli.err.println("error: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "prompts", description = "List the prompts a server offers.")
    static final class Prompts implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "NAME") String name;
        Prompts(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            try (var mcp = manager(cli, List.of(find(cli, name)), Duration.ofSeconds(30))) {
                for (var p : mcp.connection(name).prompts()) {
                    cli.out.printf("%-30s %s%n", p.name(), p.description() == null ? "" : EventPrinter.preview(p.description()));
                }
                return 0;
            } catch (RuntimeException e) {
                cli.err.println("error: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "call", description = "Call one tool of a server: mcp call SERVER TOOL '{\"arg\": 1}'.")
    static final class Call implements Callable<Integer> {
        private final Cli cli;
        @Parameters(index = "0", paramLabel = "SERVER") String server;
        @Parameters(index = "1", paramLabel = "TOOL") String tool;
        @Parameters(index = "2", arity = "0..1", paramLabel = "JSON", defaultValue = "{}") String json;
        Call(Cli cli) { this.cli = cli; }

        @Override
        @SuppressWarnings("unchecked")
        public Integer call() {
            Map<String, Object> args;
            try {
                args = new ObjectMapper().readValue(json, Map.class);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                var loc = e.getLocation();
                throw new UsageException("The arguments are not a JSON object (column " + (loc == null ? "?" : loc.getColumnNr())
                        + "): " + e.getOriginalMessage());
            }
            try (var mcp = manager(cli, List.of(find(cli, server)), Duration.ofSeconds(60))) {
                var result = McpClientManager.render(mcp.connection(server).call(tool, args));
                (result.error() ? cli.err : cli.out).println(result.content());
                return result.error() ? 1 : 0;
            } catch (RuntimeException e) {
                cli.err.println("error: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "remove", description = "Remove a server from config.")
    static final class Remove implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "NAME") String name;
        @picocli.CommandLine.Mixin Scope scope = new Scope();
        Remove(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            var file = scope.file(cli);
            if (!McpConfigFile.remove(file, name)) throw new UsageException("No MCP server named '" + name + "' in " + file);
            cli.out.println("Removed MCP server '" + name + "' from " + file);
            return 0;
        }
    }

    @Command(name = "serve", description = "Serve apprentice to other MCP clients (tools run_task, list_runs, get_run; runs as resources; "
            + "skills as prompts) over stdio, or over streamable HTTP with --http PORT (bearer tokens of 'apprentice serve token').")
    static final class Serve implements Callable<Integer> {
        private final Cli cli;
        @picocli.CommandLine.Mixin AgentOptions options = new AgentOptions();
        @Option(names = "--http", paramLabel = "PORT", description = "Serve streamable HTTP at http://HOST:PORT/mcp instead of stdio.") Integer httpPort;
        @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind with --http (default ${DEFAULT-VALUE}).") String host;
        @Option(names = "--no-auth", description = "With --http on loopback: accept requests without a bearer token.") boolean noAuth;
        @Option(names = "--allow-origin", paramLabel = "ORIGIN", description = "A browser origin allowed to call (repeatable); "
                + "by default only this server's own.") List<String> allowOrigins = new java.util.ArrayList<>();
        Serve(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            var root = options.workspaceOrCwd();
            cli.trustIfAsked(options, root);
            var backend = new Backend(cli, options);
            if (httpPort != null) {
                ai.apprentice.server.Tokens tokens = noAuth ? null : ai.apprentice.server.Tokens.open(cli.home(), cli.env);
                String created = null;
                if (tokens != null && !tokens.any()) created = tokens.create("mcp serve")[0];
                var serveOptions = new ApprenticeMcpServer.Options(root, tokens == null ? null : tokens::verify, allowOrigins);
                ApprenticeMcpServer.HttpServer http;
                try {
                    http = ApprenticeMcpServer.http(backend, serveOptions, host, httpPort);
                } catch (IllegalArgumentException e) {
                    if (tokens != null) tokens.close();
                    throw new UsageException(e.getMessage(), e);
                }
                // Ctrl-C or SIGTERM ends the JVM; the hook closes sessions and the port on the way out.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        http.close();
                    } catch (Exception ignored) {
                        // exiting anyway
                    }
                    if (tokens != null) tokens.close();
                }));
                cli.err.println("apprentice MCP server at http://" + host + ":" + http.port() + "/mcp, tasks confined to " + root
                        + (tokens == null ? " (no authentication)" : ", bearer tokens of 'apprentice serve token'") + " (Ctrl-C stops it)");
                if (created != null) cli.err.println("created a token (shown once): " + created);
                http.jetty().join();
                return 0;
            }
            cli.err.println("apprentice MCP server on stdio (tools: run_task, list_runs, get_run), tasks confined to " + root);
            try (var server = ApprenticeMcpServer.stdio(backend, ApprenticeMcpServer.Options.confinedTo(root), cli.in, cli.out)) {
                server.awaitEnd(); // the client closed our stdin: it is done with us
            }
            return 0;
        }
    }

    /** The MCP server's view of apprentice: runs in sessions of this harness, the store, the skills. */
    private record Backend(Cli cli, AgentOptions options) implements ApprenticeBackend {
        @Override
        public Outcome runTask(String task, Path workspace, String model, Integer maxSteps, Control control) throws Exception {
            var flags = new LinkedHashMap<>(options.flags());
            if (model != null) flags.put("model", model);
            if (maxSteps != null) flags.put("max_steps", maxSteps);
            flags.putIfAbsent("approve", "auto"); // nobody can answer questions here
            var handle = cli.session(workspace, flags).start(task, event -> {
                switch (event) {
                    case ai.apprentice.runtime.Event.ToolCallEvent c -> control.progress("step " + c.step() + ": " + c.call().name());
                    case ai.apprentice.runtime.Event.StepCompleted c -> control.progress("step " + c.step() + " done");
                    default -> { }
                }
            });
            control.onCancel(handle::cancel);
            var result = handle.await();
            return new Outcome(result.runId(), result.status().wireName(), result.answer(), result.error());
        }

        @Override
        public String listRunsJson(int limit) {
            var arr = Json.MAPPER.createArrayNode();
            cli.store().list(limit).forEach(r -> arr.add(RunsCommand.toJson(r)));
            return arr.toPrettyString();
        }

        @Override
        public String getRunJson(String id) {
            try {
                return RunsCommand.withEvents(cli, RunsCommand.find(cli, id)).toPrettyString();
            } catch (UsageException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }

        @Override
        public RunIds runIds(String prefix, int limit) {
            var found = cli.store().idsStartingWith(prefix, limit);
            return new RunIds(found.ids(), found.total());
        }

        @Override
        public List<Prompt> prompts() {
            var out = new java.util.ArrayList<Prompt>();
            for (var s : cli.harness().skills(options.workspaceOrCwd()).skills()) {
                if (!s.invocation().userInvocable() || "false".equalsIgnoreCase(s.metadata().get("user-invocable"))) continue;
                try {
                    out.add(new Prompt(s.name(), s.description(), s.body(), s.invocation().argumentHint(), s.invocation().argumentNames()));
                } catch (java.io.IOException e) {
                    cli.err.println("warning: skill " + s.name() + " is not offered as a prompt: " + e.getMessage());
                }
            }
            return out;
        }
    }
}
