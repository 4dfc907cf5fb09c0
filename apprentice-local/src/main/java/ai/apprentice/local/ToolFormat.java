package ai.apprentice.local;

import ai.apprentice.json.Json;
import ai.apprentice.model.Message;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.ToolSpec;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How tools reach a local model and how its calls come back. Tools are listed in the system message as JSON
 * function signatures, and a call is a JSON object {@code {"name": ..., "arguments": {...}}} between
 * {@code <tool_call>} tags: the convention Qwen2.5 and Hermes-style models are trained on, which other
 * instruct models follow from the description. A grammar built from the tools' schemas makes every call
 * well-formed JSON that names a real tool and fits its parameters.
 */
final class ToolFormat {
    static final String OPEN = "<tool_call>", CLOSE = "</tool_call>";
    private static final Pattern CALL = Pattern.compile(Pattern.quote(OPEN) + "\\s*(.*?)\\s*" + Pattern.quote(CLOSE), Pattern.DOTALL);

    private ToolFormat() {}

    /** The system message: the conversation's system text, then the tools and how to call them. */
    static String system(List<Message> messages, List<ToolSpec> tools, boolean required) {
        var sb = new StringBuilder();
        for (var m : messages) {
            if (m.role() == ai.apprentice.model.Role.SYSTEM) sb.append(sb.isEmpty() ? "" : "\n\n").append(m.content());
        }
        if (tools.isEmpty()) return sb.toString();
        sb.append(sb.isEmpty() ? "" : "\n\n").append("# Tools\n\nThese functions are available. Their signatures, as JSON:\n<tools>\n");
        for (var t : tools) {
            var fn = Json.object().put("name", t.name()).put("description", t.description());
            fn.set("parameters", t.parameters());
            var entry = Json.object().put("type", "function");
            entry.set("function", fn);
            sb.append(entry).append('\n');
        }
        sb.append("</tools>\n\nTo call a function, reply with its name and arguments as a JSON object inside tool_call tags:\n")
                .append(OPEN).append("\n{\"name\": \"FUNCTION\", \"arguments\": {ARGUMENTS}}\n").append(CLOSE).append('\n')
                .append(required ? "Every reply must be one or more such calls."
                        : "Call functions when they help; when you have the answer, reply with plain text instead.");
        return sb.toString();
    }

    /** The turns after the system message, as (role, text) pairs; tool results go back as user turns. */
    static List<Pair<String, String>> turns(List<Message> messages) {
        var out = new ArrayList<Pair<String, String>>();
        var results = new StringBuilder();
        for (var m : messages) {
            switch (m.role()) {
                case SYSTEM -> { }
                case TOOL -> results.append(results.isEmpty() ? "" : "\n").append("<tool_response>\n")
                        .append(Json.object().put("name", m.toolName()).put("content", m.content())).append("\n</tool_response>");
                case USER, ASSISTANT -> {
                    flush(results, out);
                    var text = new StringBuilder(m.content() == null ? "" : m.content());
                    for (var call : m.toolCalls()) {
                        var obj = Json.object().put("name", call.name());
                        obj.set("arguments", parseOrString(call.arguments()));
                        text.append(text.isEmpty() ? "" : "\n").append(OPEN).append('\n').append(obj).append('\n').append(CLOSE);
                    }
                    out.add(new Pair<>(m.role() == ai.apprentice.model.Role.USER ? "user" : "assistant", text.toString()));
                }
            }
        }
        flush(results, out);
        return out;
    }

    private static void flush(StringBuilder results, List<Pair<String, String>> out) {
        if (results.isEmpty()) return;
        out.add(new Pair<>("user", results.toString()));
        results.setLength(0);
    }

    private static com.fasterxml.jackson.databind.JsonNode parseOrString(String arguments) {
        try {
            return Json.tree(arguments);
        } catch (RuntimeException e) {
            return Json.MAPPER.getNodeFactory().textNode(arguments);
        }
    }

    /** What the model said: its text, or its calls (an unparseable call stays in the text). */
    record Parsed(String text, List<ToolCall> calls) {}

    static Parsed parse(String output, String idPrefix) {
        // Calls count only when the reply is calls (the grammar's call branch, which the schemas constrain):
        // call markup inside prose was not constrained and stays prose.
        if (!output.stripLeading().startsWith(OPEN)) return new Parsed(output.strip(), List.of());
        var m = CALL.matcher(output);
        var calls = new ArrayList<ToolCall>();
        int firstCall = -1;
        while (m.find()) {
            try {
                var node = Json.tree(m.group(1));
                var name = node.path("name").asText("");
                if (name.isEmpty()) continue;
                var args = node.path("arguments");
                calls.add(new ToolCall(idPrefix + calls.size(), name, args.isMissingNode() ? "{}" : args.toString()));
                if (firstCall < 0) firstCall = m.start();
            } catch (RuntimeException e) {
                // not JSON: left in the text, where the model (and the user) can see it
            }
        }
        var text = firstCall < 0 ? output : output.substring(0, firstCall);
        return new Parsed(text.strip(), List.copyOf(calls));
    }

    /**
     * A GBNF grammar: a reply is either plain text whose first visible character is not '<', or one or more calls, each
     * matching the JSON schema of a real tool ({@code required}: only calls). Rule names of ours carry an
     * {@code apprentice-} prefix so that they cannot collide with those the schema converter makes.
     */
    static String grammar(List<ToolSpec> tools, boolean required) {
        Natives.ensureLoaded();
        var oneOf = Json.MAPPER.createArrayNode();
        for (var t : tools) {
            ObjectNode call = Json.object().put("type", "object");
            var props = call.putObject("properties");
            props.putObject("name").put("const", t.name());
            props.set("arguments", convertible(t.parameters()) ? t.parameters() : Json.object().put("type", "object"));
            call.putArray("required").add("name").add("arguments");
            call.put("additionalProperties", false);
            oneOf.add(call);
        }
        var schema = Json.object();
        schema.set("oneOf", oneOf);
        var json = LlamaModel.jsonSchemaToGrammar(schema.toString())
                .replaceFirst("(?m)^root ::=", "apprentice-call-json ::=");
        return "root ::= " + (required ? "apprentice-calls" : "apprentice-answer | apprentice-calls") + "\n"
                + "apprentice-answer ::= [ \\t\\n]* [^< \\t\\n] [^\\x00]*\n"
                + "apprentice-calls ::= [ \\t\\n]* apprentice-call (\"\\n\" apprentice-call)*\n"
                + "apprentice-call ::= \"" + OPEN + "\\n\" apprentice-call-json \"\\n" + CLOSE + "\"\n"
                + json;
    }

    /** Whether llama.cpp's converter takes this schema; one it refuses is constrained as any JSON object. */
    private static boolean convertible(com.fasterxml.jackson.databind.JsonNode schema) {
        if (schema == null || !schema.isObject()) return false;
        try {
            LlamaModel.jsonSchemaToGrammar(schema.toString());
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
