package ai.apprentice.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult.Action;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Asks a person on a terminal for what a server wants (elicitation, form mode, MCP 2025-11-25 "Elicitation"): the
 * server's name and message are shown, then each property of the flat requested schema is asked and checked against
 * its type, enum and whether it is required. An invalid answer is asked again, up to {@link #TRIES} times, then the
 * request is declined. The server's text is untrusted: control characters are shown escaped, so it cannot move the
 * cursor, clear the screen or fake a prompt of ours.
 */
public final class TerminalElicitor implements McpElicitor {
    static final int TRIES = 3;
    private static final int MAX_TEXT = 2000;

    /** Reads one answer after showing a prompt; null when the input has ended. */
    @FunctionalInterface
    public interface Lines {
        String ask(String prompt);
    }

    private final Consumer<String> out;
    private final Lines in;

    public TerminalElicitor(Consumer<String> out, Lines in) {
        this.out = out;
        this.in = in;
    }

    @Override
    public synchronized McpSchema.ElicitResult elicit(String server, McpSchema.ElicitFormRequest request) {
        var schema = request.requestedSchema() == null ? Map.<String, Object>of() : request.requestedSchema();
        var properties = schema.get("properties") instanceof Map<?, ?> p ? p : Map.of();
        var required = schema.get("required") instanceof List<?> r ? r : List.of();
        for (var e : properties.entrySet()) {
            var field = e.getValue() instanceof Map<?, ?> m ? m : Map.of();
            var type = field.get("type");
            boolean multiSelect = "array".equals(type) && field.get("items") instanceof Map<?, ?> items && !choices(items).isEmpty();
            if (!multiSelect && !List.of("string", "number", "integer", "boolean").contains(type)) {
                out.accept("MCP server '" + safe(server) + "' asked for '" + safe(String.valueOf(e.getKey())) + "' of type " + safe(String.valueOf(type))
                        + ", which is not a flat form field; declined");
                return McpElicitor.declined("property '" + e.getKey() + "' is not a primitive (string, number, integer, boolean)");
            }
        }
        out.accept("MCP server '" + safe(server) + "' asks for information (its words, not apprentice's):");
        out.accept("  " + safe(request.message()));
        var go = in.ask("Answer it? [y]es, [n]o (decline), [c]ancel: ");
        if (go == null) return cancelled();
        var g = go.strip().toLowerCase(java.util.Locale.ROOT);
        if (g.startsWith("c")) return cancelled();
        if (!g.startsWith("y")) return new McpSchema.ElicitResult(Action.DECLINE, null, Map.of("reason", "the person declined"));
        var content = new LinkedHashMap<String, Object>();
        for (var e : properties.entrySet()) {
            var name = String.valueOf(e.getKey());
            var field = (Map<?, ?>) e.getValue();
            boolean must = required.contains(name);
            var options = "array".equals(field.get("type")) ? choices((Map<?, ?>) field.get("items")) : choices(field);
            var fallback = field.get("default");
            String prompt = "  " + safe(name) + " (" + ("array".equals(field.get("type")) ? "some of, separated by commas" : field.get("type"))
                    + (options.isEmpty() ? "" : ("array".equals(field.get("type")) ? ": " : ", one of ") + safe(describe(options)))
                    + (fallback != null ? ", empty for " + safe(String.valueOf(fallback)) : must ? ", required" : ", optional: empty to skip") + ")"
                    + (field.get("description") instanceof String d ? " " + safe(d) : "") + ": ";
            Object value = null;
            String problem = null;
            for (int i = 0; i < TRIES && value == null; i++) {
                var line = in.ask(problem == null ? prompt : "  " + problem + "; again: " + prompt);
                if (line == null) return cancelled();
                if (line.isBlank() && fallback != null) {
                    value = fallback;
                    break;
                }
                if (line.isBlank() && !must) break;
                try {
                    value = parse(field, line.strip());
                    problem = null;
                } catch (IllegalArgumentException bad) {
                    problem = bad.getMessage();
                }
            }
            if (problem != null) {
                out.accept("  no valid answer for '" + safe(name) + "'; the request is declined");
                return McpElicitor.declined("no valid answer for '" + name + "' after " + TRIES + " tries");
            }
            if (value != null) content.put(name, value);
        }
        return new McpSchema.ElicitResult(Action.ACCEPT, content);
    }

    private static McpSchema.ElicitResult cancelled() {
        return new McpSchema.ElicitResult(Action.CANCEL, null);
    }

    /** The answer as the field's type; an IllegalArgumentException says what is wrong with it. */
    static Object parse(Map<?, ?> field, String text) {
        if (text.isEmpty()) throw new IllegalArgumentException("an answer is required");
        var type = field.get("type");
        if ("array".equals(type)) {
            var options = choices((Map<?, ?>) field.get("items"));
            var picked = new java.util.ArrayList<String>();
            for (var part : text.split(",")) {
                if (!part.isBlank()) picked.add(choice(options, part.strip()));
            }
            if (field.get("minItems") instanceof Number min && picked.size() < min.intValue()) throw new IllegalArgumentException("choose at least " + min);
            if (field.get("maxItems") instanceof Number max && picked.size() > max.intValue()) throw new IllegalArgumentException("choose at most " + max);
            return List.copyOf(picked);
        }
        if ("string".equals(type) && !choices(field).isEmpty()) return choice(choices(field), text);
        Object value = switch (String.valueOf(type)) {
            case "integer" -> {
                try {
                    yield Long.parseLong(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + safe(text) + "' is not a whole number");
                }
            }
            case "number" -> {
                try {
                    double d = Double.parseDouble(text);
                    if (!Double.isFinite(d)) throw new NumberFormatException();
                    yield d;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + safe(text) + "' is not a number");
                }
            }
            case "boolean" -> switch (text.toLowerCase(java.util.Locale.ROOT)) {
                case "y", "yes", "true" -> Boolean.TRUE;
                case "n", "no", "false" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException("'" + safe(text) + "' is not yes or no");
            };
            default -> text;
        };
        if (field.get("enum") instanceof List<?> allowed && !allowed.stream().map(String::valueOf).toList().contains(String.valueOf(value))) {
            throw new IllegalArgumentException("'" + safe(text) + "' is not one of " + safe(String.join("|", allowed.stream().map(String::valueOf).toList())));
        }
        if (value instanceof Number n) {
            if (field.get("minimum") instanceof Number min && n.doubleValue() < min.doubleValue()) throw new IllegalArgumentException(n + " is below the minimum " + min);
            if (field.get("maximum") instanceof Number max && n.doubleValue() > max.doubleValue()) throw new IllegalArgumentException(n + " is above the maximum " + max);
        }
        if (value instanceof String s) {
            if (field.get("minLength") instanceof Number min && s.length() < min.intValue()) throw new IllegalArgumentException("shorter than " + min + " characters");
            if (field.get("maxLength") instanceof Number max && s.length() > max.intValue()) throw new IllegalArgumentException("longer than " + max + " characters");
        }
        return value;
    }

    /**
     * A field's choices, value to title (null when untitled): {@code enum} (with the legacy {@code enumNames}), or
     * {@code oneOf} / {@code anyOf} of {@code const} and {@code title} (MCP 2025-11-25, elicitation enum schemas).
     */
    static Map<String, String> choices(Map<?, ?> field) {
        var out = new LinkedHashMap<String, String>();
        if (field.get("enum") instanceof List<?> values) {
            var names = field.get("enumNames") instanceof List<?> n && n.size() == values.size() ? n : null;
            for (int i = 0; i < values.size(); i++) out.put(String.valueOf(values.get(i)), names == null ? null : String.valueOf(names.get(i)));
        }
        for (var key : List.of("oneOf", "anyOf")) {
            if (field.get(key) instanceof List<?> options) {
                for (var o : options) {
                    if (o instanceof Map<?, ?> m && m.get("const") != null) out.put(String.valueOf(m.get("const")), m.get("title") == null ? null : String.valueOf(m.get("title")));
                }
            }
        }
        return out;
    }

    /** The value an answer picks: the value itself, or its title (any case). */
    private static String choice(Map<String, String> options, String answer) {
        if (options.containsKey(answer)) return answer;
        for (var o : options.entrySet()) {
            if (o.getValue() != null && o.getValue().equalsIgnoreCase(answer)) return o.getKey();
        }
        throw new IllegalArgumentException("'" + safe(answer) + "' is not one of " + safe(describe(options)));
    }

    private static String describe(Map<String, String> options) {
        return String.join("|", options.entrySet().stream().map(o -> o.getValue() == null ? o.getKey() : o.getKey() + " (" + o.getValue() + ")").toList());
    }

    /** Untrusted text made inert for a terminal: control characters escaped, length capped. */
    static String safe(String text) {
        if (text == null) return "";
        var b = new StringBuilder();
        for (int i = 0; i < text.length() && b.length() < MAX_TEXT; i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || Character.getType(c) == Character.FORMAT) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (b.length() >= MAX_TEXT) b.append("…");
        return b.toString();
    }
}
