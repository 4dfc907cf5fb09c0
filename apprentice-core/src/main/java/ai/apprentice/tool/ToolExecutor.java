package ai.apprentice.tool;

import ai.apprentice.json.Json;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.ToolSpec;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The tools of one agent, and the single place a tool call is carried out. Every failure the model can
 * cause (unknown tool, arguments that are not JSON or break the schema, a tool that throws anything, even
 * {@link OutOfMemoryError} or {@link StackOverflowError}) becomes an error observation that says what was wrong, never an exception out of the run. Results longer than the
 * limit are cut, with a visible notice.
 */
public final class ToolExecutor {
    private final Map<String, Tool> tools = new LinkedHashMap<>();
    private final Map<String, Schema> schemas = new LinkedHashMap<>();
    private final Map<String, ToolAlias> aliases = new LinkedHashMap<>();
    private final int maxResultChars;

    public ToolExecutor(Collection<Tool> tools, int maxResultChars) {
        this(tools, List.of(), maxResultChars);
    }

    public ToolExecutor(Collection<Tool> tools, Collection<ToolAlias> aliases, int maxResultChars) {
        var registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        for (var t : tools) {
            if (this.tools.putIfAbsent(t.name(), t) != null) {
                throw new IllegalArgumentException("Two tools are named " + t.name());
            }
            // Schemas from elsewhere (MCP servers) often name their draft in $schema; we validate with 2020-12.
            var schema = t.parameters().deepCopy();
            if (schema instanceof com.fasterxml.jackson.databind.node.ObjectNode o) o.remove("$schema");
            schemas.put(t.name(), registry.getSchema(schema));
        }
        for (var a : aliases) {
            // An alias of a tool this agent lacks, or one shadowing a real tool, is left out.
            if (this.tools.containsKey(a.target()) && !this.tools.containsKey(a.name())) this.aliases.put(a.name(), a);
        }
        this.maxResultChars = maxResultChars;
    }

    public List<ToolSpec> specs() {
        return tools.values().stream().map(Tool::spec).toList();
    }

    public Tool tool(String name) {
        return tools.get(name);
    }

    public boolean parallelSafe(ToolCall call) {
        var alias = aliases.get(call.name());
        var t = tools.get(alias != null ? alias.target() : call.name());
        return t == null || t.parallelSafe();
    }

    /** The effect of the tool a call names (through aliases); unknown tools count as at-least-once. */
    public Tool.Effect effect(ToolCall call) {
        var alias = aliases.get(call.name());
        var t = tools.get(alias != null ? alias.target() : call.name());
        return t == null ? Tool.Effect.AT_LEAST_ONCE : t.effect();
    }

    /** Runs one call with no gate. Never throws except on interruption. */
    public ToolResult execute(ToolCall call, ToolContext context) throws InterruptedException {
        return execute(call, context, ToolGate.ALLOW_ALL, d -> { });
    }

    /**
     * Runs one call if the gate allows it; a denial becomes an error observation saying who denied it and
     * why. Every decision the gate makes is passed to {@code decisions}. Never throws except on interruption.
     */
    public ToolResult execute(ToolCall call, ToolContext context, ToolGate gate,
                              java.util.function.Consumer<ToolGate.Decision> decisions) throws InterruptedException {
        return run(prepare(call, context, gate, decisions), context);
    }

    /**
     * A call that went through {@link #prepare}: either its {@code result} is already known (an error
     * observation: unknown tool, bad arguments, denied) or {@code tool} is to run with the parsed {@code arguments}.
     */
    public record Prepared(ToolCall call, Tool tool, JsonNode arguments, ToolResult result) {
        static Prepared done(ToolCall call, ToolResult result) {
            return new Prepared(call, null, null, result);
        }
    }

    /**
     * The first half of {@link #execute}: resolves aliases, parses and validates the arguments and asks the
     * gate, without running the tool. Lets a caller make every permission decision on one thread and run only
     * the allowed calls in parallel. Never throws except on interruption.
     */
    public Prepared prepare(ToolCall call, ToolContext context, ToolGate gate,
                            java.util.function.Consumer<ToolGate.Decision> decisions) throws InterruptedException {
        var alias = aliases.get(call.name());
        if (alias != null) {
            try {
                var parsed = Json.MAPPER.readTree(call.arguments());
                if (parsed instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                    call = new ToolCall(call.id(), alias.target(), alias.translate().apply(o.deepCopy()).toString());
                } else {
                    call = new ToolCall(call.id(), alias.target(), call.arguments());
                }
            } catch (JsonProcessingException e) {
                call = new ToolCall(call.id(), alias.target(), call.arguments()); // reported as malformed below
            }
        }
        var tool = tools.get(call.name());
        if (tool == null) {
            return Prepared.done(call, ToolResult.error("Unknown tool '" + call.name() + "'. Available tools: "
                    + String.join(", ", tools.keySet()) + "."));
        }
        JsonNode args;
        try {
            args = Json.MAPPER.readTree(call.arguments());
        } catch (JsonProcessingException e) {
            return Prepared.done(call, ToolResult.error("The arguments of " + call.name() + " are not valid JSON ("
                    + e.getOriginalMessage() + "). Send a JSON object matching the schema: " + tool.parameters()));
        }
        if (args == null || !args.isObject()) {
            return Prepared.done(call, ToolResult.error("The arguments of " + call.name() + " must be a JSON object, got: "
                    + truncate(call.arguments(), 200) + ". Schema: " + tool.parameters()));
        }
        var problems = schemas.get(tool.name()).validate(args);
        if (!problems.isEmpty()) {
            return Prepared.done(call, ToolResult.error("Invalid arguments for " + call.name() + ": "
                    + problems.stream().map(p -> p.toString()).sorted().collect(Collectors.joining("; "))
                    + ". Schema: " + tool.parameters()));
        }
        var decision = gate.check(call, args, context);
        if (decision != null) {
            decisions.accept(decision);
            if (!decision.allowed()) {
                return Prepared.done(call, ToolResult.error("Permission denied: " + call.name() + " was not run ("
                        + decision.decidedBy() + (decision.reason() == null ? "" : ": " + decision.reason()) + ")."));
            }
        }
        return new Prepared(call, tool, args, null);
    }

    /** The second half of {@link #execute}: runs a prepared call (or returns its known result), truncated. */
    public ToolResult run(Prepared prepared, ToolContext context) throws InterruptedException {
        if (prepared.result() != null) return prepared.result();
        try {
            var result = prepared.tool().execute(prepared.arguments(), context);
            if (result == null) result = ToolResult.ok("");
            int own = prepared.tool().maxResultChars();
            return new ToolResult(truncate(result.content(), own > 0 ? Math.max(own, maxResultChars) : maxResultChars), result.error());
        } catch (InterruptedException e) {
            throw e;
        } catch (OutOfMemoryError e) {
            // Prebuilt: building a message might itself fail while memory is short.
            return OUT_OF_MEMORY;
        } catch (StackOverflowError e) {
            if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
            return ToolResult.error(prepared.call().name() + " failed: its input was too deeply nested or too complex "
                    + "(stack overflow); try a simpler or smaller request");
        } catch (Throwable e) {
            // Any other failure of one tool (an Error included) is the model's observation, not the process's end.
            if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
            String msg = e.getMessage() == null ? e.getClass().getSimpleName()
                    : e instanceof Exception ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
            return ToolResult.error(prepared.call().name() + " failed: " + msg);
        }
    }

    private static final ToolResult OUT_OF_MEMORY = ToolResult.error(
            "The tool ran out of memory and was stopped; ask for less at once (a smaller window, a narrower search).");

    /** Keeps the head and the tail of long text, with a notice of how much was cut in between. */
    public static String truncate(String text, int maxChars) {
        if (text == null || text.length() <= maxChars) return text;
        int head = maxChars * 2 / 3;
        int tail = maxChars - head;
        return text.substring(0, head) + "\n[... truncated " + (text.length() - head - tail)
                + " of " + text.length() + " characters ...]\n" + text.substring(text.length() - tail);
    }

    public List<String> names() {
        return new ArrayList<>(tools.keySet());
    }
}
