package ai.apprentice.learn.dataset;

import ai.apprentice.json.Json;
import ai.apprentice.learn.dataset.DatasetFormat.Dialect;
import ai.apprentice.model.Message;
import ai.apprentice.model.ToolSpec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Messages and tool definitions in a provider's shapes, for one line of a dataset.
 *
 * <p>OpenAI's chat format (https://platform.openai.com/docs/api-reference/fine-tuning/chat-input): an assistant's
 * {@code tool_calls} are {@code {id, type: "function", function: {name, arguments}}} with {@code arguments} a JSON
 * string, and a tool message answers one by {@code tool_call_id}. Call ids are renumbered {@code call_1},
 * {@code call_2}, ... in each line, so that the same trajectory from two runs is the same line.
 *
 * <p>TRL's tool calling format (https://huggingface.co/docs/trl/dataset_formats#tool-calling): {@code tool_calls}
 * are {@code {type: "function", function: {name, arguments}}} with {@code arguments} an object, and a tool message
 * has the tool's {@code name}.
 *
 * <p>Both take the tools as {@code {type: "function", function: {name, description, parameters}}}.
 */
final class ChatJson {
    private final Dialect dialect;
    /** The latest new id of each original call id, so that a result finds its call's new id. */
    private final Map<String, String> ids = new HashMap<>();
    private int nextId = 1;

    ChatJson(Dialect dialect) {
        this.dialect = dialect;
    }

    ArrayNode messages(List<Message> messages) {
        var arr = Json.MAPPER.createArrayNode();
        for (var m : messages) arr.add(message(m));
        return arr;
    }

    ObjectNode message(Message m) {
        var o = Json.object();
        o.put("role", m.role().wireName());
        switch (m.role()) {
            case SYSTEM, USER -> o.put("content", m.text());
            case ASSISTANT -> {
                if (!m.text().isEmpty() || !m.hasToolCalls()) o.put("content", m.text());
                if (m.hasToolCalls()) {
                    var calls = o.putArray("tool_calls");
                    for (var c : m.toolCalls()) {
                        var call = calls.addObject();
                        var args = Conversations.arguments(c);
                        if (dialect == Dialect.OPENAI) {
                            String id = "call_" + nextId++;
                            if (c.id() != null) ids.put(c.id(), id);
                            call.put("id", id);
                        }
                        call.put("type", "function");
                        var fn = call.putObject("function").put("name", c.name());
                        if (dialect == Dialect.OPENAI) fn.put("arguments", Json.write(args));
                        else fn.set("arguments", args);
                    }
                }
            }
            case TOOL -> {
                if (dialect == Dialect.OPENAI) {
                    String id = m.toolCallId() == null ? null : ids.get(m.toolCallId());
                    o.put("tool_call_id", id != null ? id : "call_" + nextId++);
                } else {
                    o.put("name", m.toolName() == null ? "" : m.toolName());
                }
                o.put("content", m.text());
            }
        }
        return o;
    }

    /**
     * The definitions of the tools called in {@code messages}, in the order of their first call, or null when none
     * was called. A tool the catalog does not know gets a schema inferred from its calls' arguments, and its name is
     * added to {@code inferred}.
     */
    static ArrayNode tools(List<Message> messages, String task, ToolCatalog catalog, Set<String> inferred) {
        var calls = new LinkedHashMap<String, java.util.ArrayList<JsonNode>>();
        for (var m : messages) {
            for (var c : m.toolCalls()) calls.computeIfAbsent(c.name(), k -> new java.util.ArrayList<>()).add(Conversations.arguments(c));
        }
        if (calls.isEmpty()) return null;
        var arr = Json.MAPPER.createArrayNode();
        calls.forEach((name, args) -> {
            ToolSpec spec = catalog.find(task, name);
            var fn = arr.addObject().put("type", "function").putObject("function").put("name", name);
            if (spec != null) {
                if (spec.description() != null && !spec.description().isBlank()) fn.put("description", spec.description());
                fn.set("parameters", parameters(spec.parameters()));
            } else {
                inferred.add(name);
                fn.set("parameters", inferSchema(args));
            }
        });
        return arr;
    }

    /** A tool's schema without the draft it names: providers take the schema itself. */
    private static JsonNode parameters(JsonNode schema) {
        if (schema == null || !schema.isObject()) return Json.object().put("type", "object");
        var copy = (ObjectNode) schema.deepCopy();
        copy.remove("$schema");
        return copy;
    }

    /** An object schema with each argument seen and its JSON type (none where calls disagree); nothing required. */
    static ObjectNode inferSchema(List<JsonNode> calls) {
        var types = new LinkedHashMap<String, String>();
        for (var args : calls) {
            args.fields().forEachRemaining(f -> types.merge(f.getKey(), type(f.getValue()), (a, b) -> {
                if (a.equals(b)) return a;
                if (Set.of(a, b).equals(Set.of("integer", "number"))) return "number";
                return "";
            }));
        }
        var schema = Json.object().put("type", "object");
        var props = schema.putObject("properties");
        types.forEach((k, t) -> {
            var p = props.putObject(k);
            if (!t.isEmpty()) p.put("type", t);
        });
        return schema;
    }

    private static String type(JsonNode v) {
        if (v.isTextual()) return "string";
        if (v.isIntegralNumber()) return "integer";
        if (v.isNumber()) return "number";
        if (v.isBoolean()) return "boolean";
        if (v.isArray()) return "array";
        if (v.isObject()) return "object";
        return "null";
    }
}
