package ai.apprentice.tool;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * Builds a tool in a few lines:
 * <pre>{@code
 * Tool add = Tools.builder("add").description("Adds two numbers")
 *     .param("a", "number", "first addend").param("b", "number", "second addend")
 *     .execute((args, ctx) -> String.valueOf(args.get("a").asDouble() + args.get("b").asDouble()));
 * }</pre>
 */
public final class ToolBuilder {
    private final String name;
    private String description = "";
    private final ObjectNode schema = Json.object();
    private boolean parallelSafe = true;
    private Tool.Effect effect = Tool.Effect.AT_LEAST_ONCE;

    ToolBuilder(String name) {
        this.name = Tools.checkName(name);
        schema.put("type", "object");
        schema.putObject("properties");
        schema.putArray("required");
        schema.put("additionalProperties", false);
    }

    public ToolBuilder description(String description) {
        this.description = Objects.requireNonNull(description);
        return this;
    }

    /** A required parameter of a JSON schema type (string, integer, number, boolean, array, object). */
    public ToolBuilder param(String name, String type, String description) {
        return param(name, type, description, true);
    }

    public ToolBuilder optionalParam(String name, String type, String description) {
        return param(name, type, description, false);
    }

    private ToolBuilder param(String name, String type, String description, boolean required) {
        var p = ((ObjectNode) schema.get("properties")).putObject(name);
        p.put("type", type);
        if (description != null && !description.isEmpty()) p.put("description", description);
        if (required) schema.withArray("required").add(name);
        return this;
    }

    /** Replaces the generated schema with a hand-written one (any JSON schema for an object). */
    public ToolBuilder schema(JsonNode customSchema) {
        schema.removeAll();
        schema.setAll((ObjectNode) customSchema);
        return this;
    }

    public ToolBuilder sequential() {
        this.parallelSafe = false;
        return this;
    }

    /** What running a call twice does (see {@link Tool.Effect}); at-least-once unless said. */
    public ToolBuilder effect(Tool.Effect effect) {
        this.effect = Objects.requireNonNull(effect);
        return this;
    }

    public Tool execute(ToolFunction function) {
        Objects.requireNonNull(function);
        var params = schema.deepCopy();
        var desc = description;
        var parallel = parallelSafe;
        var effectOf = effect;
        return new Tool() {
            @Override public String name() { return name; }
            @Override public String description() { return desc; }
            @Override public JsonNode parameters() { return params; }
            @Override public boolean parallelSafe() { return parallel; }
            @Override public Effect effect() { return effectOf; }

            @Override
            public ToolResult execute(JsonNode arguments, ToolContext context) throws Exception {
                return Tools.toResult(function.apply(arguments, context));
            }
        };
    }
}
