package ai.apprentice.tool;

import ai.apprentice.json.Json;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.ToolSpec;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The tools of one agent, and the single place a tool call is carried out. Every failure the model can
 * cause (unknown tool, arguments that are not JSON or break the schema, a tool that throws) becomes an
 * error observation that says what was wrong, never an exception out of the run. Results longer than the
 * limit are cut, with a visible notice.
 */
public final class ToolExecutor {
    private final Map<String, Tool> tools = new LinkedHashMap<>();
    private final Map<String, JsonSchema> schemas = new LinkedHashMap<>();
    private final int maxResultChars;

    public ToolExecutor(Collection<Tool> tools, int maxResultChars) {
        var factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        for (var t : tools) {
            if (this.tools.putIfAbsent(t.name(), t) != null) {
                throw new IllegalArgumentException("Two tools are named " + t.name());
            }
            schemas.put(t.name(), factory.getSchema(t.parameters()));
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
        var t = tools.get(call.name());
        return t == null || t.parallelSafe();
    }

    /** Runs one call. Never throws except on interruption. */
    public ToolResult execute(ToolCall call, ToolContext context) throws InterruptedException {
        var tool = tools.get(call.name());
        if (tool == null) {
            return ToolResult.error("Unknown tool '" + call.name() + "'. Available tools: "
                    + String.join(", ", tools.keySet()) + ".");
        }
        JsonNode args;
        try {
            args = Json.MAPPER.readTree(call.arguments());
        } catch (JsonProcessingException e) {
            return ToolResult.error("The arguments of " + call.name() + " are not valid JSON ("
                    + e.getOriginalMessage() + "). Send a JSON object matching the schema: " + tool.parameters());
        }
        if (args == null || !args.isObject()) {
            return ToolResult.error("The arguments of " + call.name() + " must be a JSON object, got: "
                    + truncate(call.arguments(), 200) + ". Schema: " + tool.parameters());
        }
        var problems = schemas.get(tool.name()).validate(args);
        if (!problems.isEmpty()) {
            return ToolResult.error("Invalid arguments for " + call.name() + ": "
                    + problems.stream().map(ValidationMessage::getMessage).sorted().collect(Collectors.joining("; "))
                    + ". Schema: " + tool.parameters());
        }
        try {
            var result = tool.execute(args, context);
            if (result == null) result = ToolResult.ok("");
            return new ToolResult(truncate(result.content(), maxResultChars), result.error());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return ToolResult.error(call.name() + " failed: " + msg);
        }
    }

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
