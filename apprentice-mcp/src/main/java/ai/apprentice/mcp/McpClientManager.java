package ai.apprentice.mcp;

import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolContext;
import ai.apprentice.tool.ToolResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The MCP servers of a session. Their tools appear to the agent as {@code mcp__<server>__<tool>}; a server
 * that cannot be reached contributes no tools and is reported in {@link #problems()}, and a server that dies
 * mid-session gives error observations until it is back.
 */
public final class McpClientManager implements AutoCloseable {
    /** Plain mapper: MCP schemas use the JSON names as written, not our snake_case convention. */
    private static final ObjectMapper PLAIN = new ObjectMapper();

    private final Map<String, McpConnection> connections = new LinkedHashMap<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final List<Consumer<McpClientManager>> listeners = new CopyOnWriteArrayList<>();

    public McpClientManager(List<McpServerConfig> servers, Duration requestTimeout) {
        this(servers, requestTimeout, List.of(), notice -> { });
    }

    /**
     * @param roots the directories servers are told they may work on (the workspace)
     * @param notices the servers' log messages and progress, for a person to see (a terminal's stderr)
     */
    public McpClientManager(List<McpServerConfig> servers, Duration requestTimeout, List<java.nio.file.Path> roots, Consumer<String> notices) {
        this(servers, requestTimeout, roots, notices, null, null);
    }

    /**
     * @param tokens where OAuth sign-ins are kept ({@code $APPRENTICE_HOME/mcp-tokens}); null: no OAuth, a 401 is an error
     * @param signIn how a person signs in; null when nobody can (a sign-in is then an error naming the command to run)
     */
    public McpClientManager(List<McpServerConfig> servers, Duration requestTimeout, List<java.nio.file.Path> roots, Consumer<String> notices,
                            McpTokenStore tokens, McpSignIn signIn) {
        this(servers, requestTimeout, roots, notices, tokens, signIn, null);
    }

    /** @param elicitor answers servers' elicitation requests (a person, or a refusal); null: not declared */
    public McpClientManager(List<McpServerConfig> servers, Duration requestTimeout, List<java.nio.file.Path> roots, Consumer<String> notices,
                            McpTokenStore tokens, McpSignIn signIn, McpElicitor elicitor) {
        this(servers, requestTimeout, roots, notices, tokens, signIn, elicitor, null);
    }

    /** @param sampler serves servers' sampling requests (apprentice's model, or a refusal); null: not declared */
    public McpClientManager(List<McpServerConfig> servers, Duration requestTimeout, List<java.nio.file.Path> roots, Consumer<String> notices,
                            McpTokenStore tokens, McpSignIn signIn, McpElicitor elicitor, McpSampler sampler) {
        for (var s : servers) {
            var oauth = tokens == null || s.isStdio() ? null : new McpOAuth(s, tokens, signIn);
            connections.put(s.name(), new McpConnection(s, requestTimeout, c -> listeners.forEach(l -> l.accept(this)), roots, notices, oauth, elicitor, sampler));
        }
    }

    /** Called when a server says its tool list changed (notifications/tools/list_changed). */
    public void onToolsChanged(Consumer<McpClientManager> listener) {
        listeners.add(listener);
    }

    public McpConnection connection(String server) {
        var c = connections.get(server);
        if (c == null) {
            throw new IllegalArgumentException("No MCP server named '" + server + "'. Configured: " + String.join(", ", connections.keySet()));
        }
        return c;
    }

    public List<String> servers() {
        return List.copyOf(connections.keySet());
    }

    /** Servers that could not be started, with why, from the last {@link #tools()} call. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Connects to every server and returns their tools as apprentice tools. */
    public List<Tool> tools() {
        problems.clear();
        var out = new ArrayList<Tool>();
        for (var c : connections.values()) {
            try {
                c.client();
            } catch (RuntimeException e) {
                problems.add(e.getMessage());
                continue;
            }
            for (var t : c.tools()) out.add(new McpTool(c, t));
            var listing = new ResourcesTool(c);
            if (c.offersResources() && out.stream().noneMatch(t -> t.name().equals(listing.name()))) out.add(listing);
        }
        return out;
    }

    /**
     * A slash command {@code mcp__SERVER__PROMPT} as the text of a task: the prompt got with {@code words} as its
     * arguments (in the order the prompt declares them; the last takes the rest of the line), its messages' text
     * joined. Empty when no server has that prompt.
     */
    public java.util.Optional<String> promptText(String command, String words) {
        for (var c : connections.values()) {
            var prefix = "mcp__" + c.config().name() + "__";
            if (!command.startsWith(prefix)) continue;
            var wanted = command.substring(prefix.length());
            for (var p : c.prompts()) {
                if (!toolName(c.config().name(), p.name()).equals(command) && !p.name().equals(wanted)) continue;
                var declared = p.arguments() == null ? List.<McpSchema.PromptArgument>of() : p.arguments();
                var given = words == null || words.isBlank() ? new String[0] : words.strip().split("\\s+", Math.max(1, declared.size()));
                var args = new LinkedHashMap<String, Object>();
                for (int i = 0; i < declared.size() && i < given.length; i++) args.put(declared.get(i).name(), given[i]);
                var missing = declared.stream().filter(a -> Boolean.TRUE.equals(a.required()) && !args.containsKey(a.name())).map(McpSchema.PromptArgument::name).toList();
                if (!missing.isEmpty()) {
                    throw new IllegalArgumentException("the MCP prompt /" + command + " needs " + String.join(", ", missing)
                            + " (arguments in order: " + String.join(" ", declared.stream().map(McpSchema.PromptArgument::name).toList()) + ")");
                }
                var sb = new StringBuilder();
                for (var m : c.prompt(p.name(), args).messages()) {
                    if (!sb.isEmpty()) sb.append("\n\n");
                    sb.append(m.content() instanceof McpSchema.TextContent t ? t.text()
                            : m.content() instanceof McpSchema.EmbeddedResource e && e.resource() instanceof McpSchema.TextResourceContents r
                            ? "[resource " + r.uri() + "]\n" + r.text() : "[" + m.content().type() + " content]");
                }
                return java.util.Optional.of(sb.toString());
            }
        }
        return java.util.Optional.empty();
    }

    public static String toolName(String server, String tool) {
        var name = "mcp__" + server + "__" + tool.replaceAll("[^A-Za-z0-9_-]", "_");
        return name.length() <= 64 ? name : name.substring(0, 64);
    }

    /** Calls a tool and renders its result as text for a model or a person. */
    public static ToolResult render(McpSchema.CallToolResult r) {
        var sb = new StringBuilder();
        for (var c : r.content()) {
            if (!sb.isEmpty()) sb.append('\n');
            switch (c) {
                case McpSchema.TextContent t -> sb.append(t.text());
                case McpSchema.ImageContent i -> sb.append("[image ").append(i.mimeType()).append(", ")
                        .append(i.data() == null ? 0 : i.data().length() * 3 / 4).append(" bytes]");
                case McpSchema.AudioContent a -> sb.append("[audio ").append(a.mimeType()).append(']');
                case McpSchema.EmbeddedResource e -> sb.append(e.resource() instanceof McpSchema.TextResourceContents t
                        ? "[resource " + t.uri() + "]\n" + t.text() : "[resource " + e.resource().uri() + "]");
                case McpSchema.ResourceLink l -> sb.append("[resource link ").append(l.uri()).append(']');
                default -> sb.append(c);
            }
        }
        // A result may carry only structured content: the model reads it as JSON text.
        if (sb.isEmpty() && r.structuredContent() != null) sb.append(PLAIN.valueToTree(r.structuredContent()).toString());
        return new ToolResult(sb.toString(), Boolean.TRUE.equals(r.isError()));
    }

    /** One MCP tool, as an apprentice tool. */
    static final class McpTool implements Tool {
        private final McpConnection connection;
        private final McpSchema.Tool tool;
        private final JsonNode schema;

        McpTool(McpConnection connection, McpSchema.Tool tool) {
            this.connection = connection;
            this.tool = tool;
            var s = PLAIN.valueToTree(tool.inputSchema());
            this.schema = s.isObject() && s.size() > 0 ? s : PLAIN.createObjectNode().put("type", "object");
        }

        @Override public String name() { return toolName(connection.config().name(), tool.name()); }
        @Override public String description() {
            return (tool.description() == null ? tool.name() : tool.description()) + " (MCP server " + connection.config().name() + ")";
        }
        @Override public JsonNode parameters() { return schema; }

        /**
         * From the server's hints, which are untrusted (the MCP spec says so): they choose only among effects that run
         * again after a crash, never not-twice, and {@code tool_effects} in settings overrides them.
         */
        @Override public Effect effect() {
            return effect(tool.annotations());
        }

        static Effect effect(McpSchema.ToolAnnotations hints) {
            if (hints == null) return Effect.AT_LEAST_ONCE;
            if (Boolean.TRUE.equals(hints.readOnlyHint())) return Effect.READ_ONLY;
            return Boolean.TRUE.equals(hints.idempotentHint()) ? Effect.IDEMPOTENT : Effect.AT_LEAST_ONCE;
        }

        @Override
        @SuppressWarnings("unchecked")
        public ToolResult execute(JsonNode arguments, ToolContext context) {
            try {
                return render(connection.call(tool.name(), PLAIN.convertValue(arguments, Map.class), context));
            } catch (McpUnavailableException e) {
                return ToolResult.error(e.getMessage());
            } catch (McpError e) {
                return ToolResult.error("MCP server '" + connection.config().name() + "' answered with an error: " + e.getMessage());
            }
        }
    }

    /**
     * A server's resources for the agent: {@code mcp__<server>__resources} lists them, and with a {@code uri} reads
     * one (text as is, binary content by its size and type).
     */
    static final class ResourcesTool implements Tool {
        private final McpConnection connection;

        ResourcesTool(McpConnection connection) {
            this.connection = connection;
        }

        @Override public String name() { return toolName(connection.config().name(), "resources"); }
        @Override public Effect effect() { return Effect.READ_ONLY; } // lists or reads, nothing else
        @Override public String description() {
            return "List the resources of MCP server " + connection.config().name() + ", or read one by its uri.";
        }
        @Override public JsonNode parameters() {
            var p = PLAIN.createObjectNode().put("type", "object");
            p.putObject("properties").putObject("uri").put("type", "string").put("description", "the resource to read; leave out to list them");
            p.put("additionalProperties", false);
            return p;
        }

        @Override
        public ToolResult execute(JsonNode arguments, ToolContext context) {
            var server = connection.config().name();
            try {
                var uri = arguments == null ? null : arguments.path("uri").asText(null);
                if (uri == null || uri.isBlank()) {
                    var sb = new StringBuilder();
                    for (var r : connection.resources()) {
                        sb.append(r.uri()).append("  ").append(r.name()).append(r.mimeType() == null ? "" : " (" + r.mimeType() + ")")
                                .append(r.description() == null ? "" : " - " + r.description()).append('\n');
                    }
                    return new ToolResult(sb.isEmpty() ? "MCP server '" + server + "' lists no resources." : sb.toString().strip(), false);
                }
                var sb = new StringBuilder();
                for (var c : connection.read(uri).contents()) {
                    if (!sb.isEmpty()) sb.append('\n');
                    if (c instanceof McpSchema.TextResourceContents t) sb.append(t.text());
                    else if (c instanceof McpSchema.BlobResourceContents b) sb.append("[binary ").append(b.mimeType()).append(", ")
                            .append(b.blob() == null ? 0 : b.blob().length() * 3 / 4).append(" bytes]");
                }
                return new ToolResult(sb.toString(), false);
            } catch (McpUnavailableException e) {
                return ToolResult.error(e.getMessage());
            } catch (McpError e) {
                return ToolResult.error("MCP server '" + server + "' answered with an error: " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        connections.values().forEach(McpConnection::close);
    }
}
