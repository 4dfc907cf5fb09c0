package ai.apprentice.tool;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Ways to define tools. */
public final class Tools {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private Tools() {}

    public static ToolBuilder builder(String name) {
        return new ToolBuilder(name);
    }

    /**
     * One tool per {@link ToolMethod}-annotated public method of {@code target}. Parameters of type String,
     * int/long, double, boolean, List, Map or JsonNode map to JSON schema types; a {@link ToolContext}
     * parameter receives the call's context and is not part of the schema.
     */
    public static List<Tool> from(Object target) {
        var tools = new ArrayList<Tool>();
        for (Method m : target.getClass().getMethods()) {
            var ann = m.getAnnotation(ToolMethod.class);
            if (ann != null) tools.add(fromMethod(target, m, ann));
        }
        if (tools.isEmpty()) {
            throw new IllegalArgumentException(target.getClass().getName() + " has no public @ToolMethod methods");
        }
        return tools;
    }

    private static Tool fromMethod(Object target, Method method, ToolMethod ann) {
        String name = ann.name().isEmpty() ? snakeCase(method.getName()) : ann.name();
        var b = builder(name).description(ann.description());
        var schema = Json.object().put("type", "object");
        var props = schema.putObject("properties");
        var required = schema.putArray("required");
        schema.put("additionalProperties", false);
        var names = new ArrayList<String>();
        for (Parameter p : method.getParameters()) {
            if (p.getType() == ToolContext.class) {
                names.add(null);
                continue;
            }
            var pa = p.getAnnotation(Param.class);
            String pname = pa != null && !pa.name().isEmpty() ? pa.name() : p.getName();
            if (!p.isNamePresent() && (pa == null || pa.name().isEmpty())) {
                throw new IllegalArgumentException("Cannot name parameter " + p.getName() + " of " + method
                        + ": compile with -parameters or set @Param(name=...)");
            }
            ObjectNode prop = props.putObject(pname);
            prop.put("type", jsonType(p.getType(), method));
            if (pa != null && !pa.value().isEmpty()) prop.put("description", pa.value());
            if (pa == null || pa.required()) required.add(pname);
            names.add(pname);
        }
        method.setAccessible(true);
        return b.schema(schema).execute((args, ctx) -> {
            var params = method.getParameters();
            var values = new Object[params.length];
            for (int i = 0; i < params.length; i++) {
                values[i] = names.get(i) == null ? ctx : convert(args.get(names.get(i)), params[i].getType());
            }
            try {
                return method.invoke(target, values);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
        });
    }

    private static String jsonType(Class<?> type, Method method) {
        if (type == String.class || type == Path.class) return "string";
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) return "integer";
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) return "number";
        if (type == boolean.class || type == Boolean.class) return "boolean";
        if (Collection.class.isAssignableFrom(type) || type.isArray()) return "array";
        if (Map.class.isAssignableFrom(type) || JsonNode.class.isAssignableFrom(type)) return "object";
        throw new IllegalArgumentException("Unsupported tool parameter type " + type.getName() + " in " + method);
    }

    private static Object convert(JsonNode value, Class<?> type) {
        if (value == null || value.isNull()) {
            if (type.isPrimitive()) {
                return type == boolean.class ? false : type == double.class || type == float.class ? 0.0 : 0;
            }
            return null;
        }
        if (JsonNode.class.isAssignableFrom(type)) return value;
        return Json.MAPPER.convertValue(value, type);
    }

    static String snakeCase(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Tool name must be 1-64 letters, digits, '_' or '-': " + name);
        }
        return name;
    }

    static ToolResult toResult(Object value) {
        if (value instanceof ToolResult r) return r;
        if (value == null) return ToolResult.ok("");
        if (value instanceof String s) return ToolResult.ok(s);
        if (value instanceof JsonNode n) return ToolResult.ok(n.isTextual() ? n.asText() : n.toString());
        if (value instanceof CharSequence || value instanceof Number || value instanceof Boolean) {
            return ToolResult.ok(value.toString());
        }
        return ToolResult.ok(Json.write(value));
    }
}
