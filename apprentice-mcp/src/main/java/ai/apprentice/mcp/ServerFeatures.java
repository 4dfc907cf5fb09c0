package ai.apprentice.mcp;

import static ai.apprentice.mcp.ApprenticeMcpServer.PLAIN;

import io.modelcontextprotocol.json.McpJsonDefaults;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.server.McpServerFeatures.SyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The tools, resources and prompts apprentice serves, over a backend. */
final class ServerFeatures {
    static final String RUNS_URI = "apprentice://runs";
    static final String RUN_TEMPLATE = RUNS_URI + "/{id}";
    /** The most values one completion answer holds (the specification's limit). */
    static final int MAX_COMPLETIONS = 100;
    /** Each prompt's one argument: what the person adds to the skill's instructions. */
    static final String PROMPT_ARGUMENT = "arguments";
    private static final McpSchema.ToolAnnotations RUNS_AN_AGENT = new McpSchema.ToolAnnotations("Run a task", false, true, false, true, null);
    private static final McpSchema.ToolAnnotations READS = new McpSchema.ToolAnnotations(null, true, false, true, false, null);

    private final ApprenticeBackend backend;
    private final WorkspaceRoot root;
    private final Cancellations cancels;
    private final List<ApprenticeBackend.Prompt> prompts;

    ServerFeatures(ApprenticeBackend backend, WorkspaceRoot root, Cancellations cancels) {
        this.backend = backend;
        this.root = root;
        this.cancels = cancels;
        this.prompts = backend.prompts();
    }

    List<SyncToolSpecification> tools() {
        var mapper = McpJsonDefaults.getMapper();
        var runTask = McpSchema.Tool.builder().name("run_task").title("Run a task")
                .description("Run a task with an apprentice agent in a workspace under the served root; returns the answer and the run id. "
                        + "Reports progress while it works; cancelling the request stops the run.")
                .inputSchema(mapper, """
                        {"type":"object","properties":{
                          "task":{"type":"string","minLength":1,"description":"what the agent should do"},
                          "workspace":{"type":"string","description":"directory to work in, relative to the served root (default: the root)"},
                          "model":{"type":"string","minLength":1,"description":"PROVIDER:MODEL (default: configured)"},
                          "max_steps":{"type":"integer","minimum":1,"maximum":1000,"description":"step budget"}},
                         "required":["task"],"additionalProperties":false}""")
                .outputSchema(mapper, """
                        {"type":"object","properties":{"run_id":{"type":"string"},"status":{"type":"string"},
                          "answer":{"type":"string"},"error":{"type":"string"}},"required":["run_id","status"]}""")
                .annotations(RUNS_AN_AGENT).build();
        var listRuns = McpSchema.Tool.builder().name("list_runs").title("List runs").description("List recent apprentice runs.")
                .inputSchema(mapper, "{\"type\":\"object\",\"properties\":{\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":500}},\"additionalProperties\":false}")
                .outputSchema(mapper, "{\"type\":\"object\",\"properties\":{\"runs\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}},\"required\":[\"runs\"]}")
                .annotations(READS).build();
        var getRun = McpSchema.Tool.builder().name("get_run").title("Get a run").description("One apprentice run with its events.")
                .inputSchema(mapper, "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\",\"minLength\":1}},\"required\":[\"id\"],\"additionalProperties\":false}")
                .outputSchema(mapper, "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]}")
                .annotations(READS).build();
        return List.of(
                spec(runTask, this::runTask),
                spec(listRuns, (ex, req) -> {
                    int limit = req.arguments().get("limit") instanceof Number n ? n.intValue() : 20;
                    var runs = PLAIN.readTree(backend.listRunsJson(limit));
                    return structured(Map.of("runs", PLAIN.convertValue(runs, List.class)), runs.toPrettyString(), false);
                }),
                spec(getRun, (ex, req) -> {
                    var json = backend.getRunJson((String) req.arguments().get("id"));
                    return structured(PLAIN.readValue(json, Map.class), json, false);
                }));
    }

    private McpSchema.CallToolResult runTask(McpSyncServerExchange exchange, McpSchema.CallToolRequest request) throws Exception {
        var args = request.arguments();
        var ws = root.resolve((String) args.get("workspace"));
        var key = request.meta() == null ? null : (String) request.meta().get(Cancellations.REQUEST_KEY);
        var progress = new ApprenticeMcpServer.Progress(exchange, request.progressToken());
        var control = new ApprenticeBackend.Control() {
            @Override public void progress(String message) { progress.report(message); }
            @Override public void onCancel(Runnable cancel) { cancels.register(key, cancel); }
        };
        log(exchange, McpSchema.LoggingLevel.INFO, "run_task started in " + ws);
        ApprenticeBackend.Outcome o;
        try {
            o = backend.runTask((String) args.get("task"), ws, (String) args.get("model"),
                    args.get("max_steps") instanceof Number n ? n.intValue() : null, control);
        } finally {
            cancels.done(key);
        }
        log(exchange, "succeeded".equals(o.status()) ? McpSchema.LoggingLevel.INFO : McpSchema.LoggingLevel.WARNING,
                "run " + o.runId() + " " + o.status());
        var out = new LinkedHashMap<String, Object>();
        out.put("run_id", o.runId());
        out.put("status", o.status());
        if (o.answer() != null) out.put("answer", o.answer());
        if (o.error() != null) out.put("error", o.error());
        var text = (o.answer() != null ? o.answer() : "Run " + o.status() + ": " + o.error()) + "\n\nrun_id: " + o.runId() + "\nstatus: " + o.status();
        return structured(out, text, !"succeeded".equals(o.status()));
    }

    private static void log(McpSyncServerExchange exchange, McpSchema.LoggingLevel level, String message) {
        try {
            exchange.loggingNotification(McpSchema.LoggingMessageNotification.builder().level(level).logger("apprentice").data(message).build());
        } catch (RuntimeException e) {
            // logging is a courtesy: a client that is gone does not stop the run
        }
    }

    /** Structured content, and the same as text for clients (and models) that read only content (spec: "Structured Content"). */
    private static McpSchema.CallToolResult structured(Object value, String text, boolean error) {
        return McpSchema.CallToolResult.builder().structuredContent(value).addTextContent(text).isError(error).build();
    }

    private interface Handler {
        McpSchema.CallToolResult handle(McpSyncServerExchange exchange, McpSchema.CallToolRequest request) throws Exception;
    }

    /** A failure becomes a tool error the caller can read (and a model can correct), never a stack trace. */
    private static SyncToolSpecification spec(McpSchema.Tool tool, Handler handler) {
        return SyncToolSpecification.builder().tool(tool).callHandler((exchange, request) -> {
            var req = request.arguments() == null ? new McpSchema.CallToolRequest(request.name(), Map.of(), request.meta()) : request;
            try {
                return handler.handle(exchange, req);
            } catch (Exception e) {
                return McpSchema.CallToolResult.builder().addTextContent(
                        tool.name() + " failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())).isError(true).build();
            }
        }).build();
    }

    /** {@code apprentice://runs}: the recent runs. */
    List<SyncResourceSpecification> runResources() {
        var list = McpSchema.Resource.builder().uri(RUNS_URI).name("runs").title("Recent apprentice runs")
                .mimeType("application/json").build();
        return List.of(new SyncResourceSpecification(list, (ex, req) -> {
            try {
                return new McpSchema.ReadResourceResult(List.of(new McpSchema.TextResourceContents(RUNS_URI, "application/json", backend.listRunsJson(50))));
            } catch (Exception e) {
                throw McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR).message("Could not list runs: " + e.getMessage()).build();
            }
        }));
    }

    /** {@code apprentice://runs/{id}}: one run with its transcript (its events). */
    List<SyncResourceTemplateSpecification> runTemplate() {
        var template = McpSchema.ResourceTemplate.builder().uriTemplate(RUN_TEMPLATE).name("run").title("An apprentice run")
                .description("One run with its events (the transcript), as JSON").mimeType("application/json").build();
        return List.of(new SyncResourceTemplateSpecification(template, (ex, req) -> {
            var id = req.uri().substring(RUNS_URI.length() + 1);
            try {
                return new McpSchema.ReadResourceResult(List.of(new McpSchema.TextResourceContents(req.uri(), "application/json", backend.getRunJson(id))));
            } catch (IllegalArgumentException e) {
                throw McpError.builder(McpSchema.ErrorCodes.RESOURCE_NOT_FOUND).message("Resource not found: " + e.getMessage()).data(Map.of("uri", req.uri())).build();
            } catch (Exception e) {
                throw McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR).message("Could not read " + req.uri() + ": " + e.getMessage()).build();
            }
        }));
    }

    /** The user-invocable skills, each as a prompt whose one argument is what the person adds (described by the skill's hint). */
    List<SyncPromptSpecification> prompts() {
        return prompts.stream().map(p -> new SyncPromptSpecification(
                new McpSchema.Prompt(p.name(), p.description(), List.of(new McpSchema.PromptArgument(PROMPT_ARGUMENT,
                        "what to add to the skill's instructions" + (p.argumentHint() == null || p.argumentHint().isBlank() ? "" : ": " + p.argumentHint().strip()), false))),
                (ex, req) -> {
                    var extra = req.arguments() == null ? null : req.arguments().get(PROMPT_ARGUMENT);
                    var text = p.text() + (extra == null || extra.toString().isBlank() ? "" : "\n\n" + extra);
                    return new McpSchema.GetPromptResult(p.description(), List.of(new McpSchema.PromptMessage(McpSchema.Role.USER, new McpSchema.TextContent(text))));
                })).toList();
    }

    /**
     * {@code completion/complete}: the {@code id} of {@code apprentice://runs/{id}} from the run store's ids that start
     * with what is typed, newest first; a prompt's argument (the skill's arguments line) word by word from what the skill's
     * {@code argument-hint} or {@code arguments} say ({@link PromptArguments}: the usage's words and choices, paths under
     * the served root; free text gets nothing). At most {@link #MAX_COMPLETIONS} values, with the total and whether there
     * are more.
     */
    List<SyncCompletionSpecification> completions() {
        var specs = new java.util.ArrayList<SyncCompletionSpecification>();
        specs.add(new SyncCompletionSpecification(new McpSchema.ResourceReference(RUN_TEMPLATE), (ex, req) -> {
            var typed = req.argument() == null || req.argument().value() == null ? "" : req.argument().value();
            ApprenticeBackend.RunIds found;
            try {
                found = backend.runIds(typed, MAX_COMPLETIONS);
            } catch (Exception e) {
                throw McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR).message("Could not list run ids: " + e.getMessage()).build();
            }
            var ids = found.ids().size() > MAX_COMPLETIONS ? found.ids().subList(0, MAX_COMPLETIONS) : found.ids();
            int total = Math.max(found.total(), ids.size());
            return new McpSchema.CompleteResult(new McpSchema.CompleteResult.CompleteCompletion(List.copyOf(ids), total, total > ids.size()));
        }));
        for (var p : prompts) {
            var arguments = PromptArguments.of(p.argumentHint(), p.argumentNames());
            specs.add(new SyncCompletionSpecification(new McpSchema.PromptReference(p.name()), (ex, req) -> {
                var found = arguments.complete(req.argument() == null ? "" : req.argument().value(), root, MAX_COMPLETIONS);
                int total = Math.max(found.total(), found.values().size());
                return new McpSchema.CompleteResult(new McpSchema.CompleteResult.CompleteCompletion(found.values(), total, total > found.values().size()));
            }));
        }
        return specs;
    }

    /**
     * Why a {@code completion/complete} request's params name nothing this server completes (null: they do). The
     * transports' guards answer such a request with invalid params (-32602) before the SDK sees it: left to itself the
     * SDK answers an unknown prompt argument or a URI that is no template with an empty completion, and an unknown
     * template with resource-not-found.
     */
    String completionRefusal(JsonNode params) {
        var ref = params == null ? null : params.get("ref");
        if (ref == null || !ref.isObject()) return "Invalid params: completion/complete needs a ref (ref/prompt or ref/resource)";
        var argument = params.path("argument").path("name");
        if (!argument.isTextual()) return "Invalid params: completion/complete needs argument.name";
        var type = ref.path("type").asText("");
        switch (type) {
            case "ref/prompt" -> {
                var name = ref.path("name").asText("");
                if (prompts.stream().noneMatch(p -> p.name().equals(name))) {
                    return "Invalid params: no prompt named '" + name + "'" + (prompts.isEmpty() ? " (this server offers none)"
                            : "; the prompts are " + String.join(", ", prompts.stream().map(ApprenticeBackend.Prompt::name).toList()));
                }
                if (!argument.asText().equals(PROMPT_ARGUMENT)) {
                    return "Invalid params: prompt '" + name + "' has no argument '" + argument.asText() + "'; its one argument is '" + PROMPT_ARGUMENT + "'";
                }
            }
            case "ref/resource" -> {
                var uri = ref.path("uri").asText("");
                if (!uri.equals(RUN_TEMPLATE)) {
                    return "Invalid params: no resource template '" + uri + "'; the one this server completes is " + RUN_TEMPLATE;
                }
                if (!argument.asText().equals("id")) {
                    return "Invalid params: " + RUN_TEMPLATE + " has no variable '" + argument.asText() + "'; its one variable is 'id'";
                }
            }
            default -> {
                return "Invalid params: ref.type '" + type + "' is neither ref/prompt nor ref/resource";
            }
        }
        return null;
    }
}
