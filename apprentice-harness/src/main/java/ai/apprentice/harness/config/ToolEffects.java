package ai.apprentice.harness.config;

import ai.apprentice.model.ToolSpec;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolContext;
import ai.apprentice.tool.ToolResult;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tool_effects}: tool names (or patterns with {@code *}) to the {@link Tool.Effect} a durable engine goes by
 * when a call started before a crash. The user's entries (their own file, flags) replace a tool's own effect; a
 * workspace's entries only make it stricter (read_only &lt; idempotent &lt; at_least_once &lt; not_twice), since the agent
 * or a repository's author can write that file and nothing it says may let a call run again unasked (decision 0012).
 * An exact name wins over a pattern; among patterns, the first written.
 */
public record ToolEffects(Map<String, Tool.Effect> user, Map<String, Tool.Effect> workspace) {
    public static final ToolEffects NONE = new ToolEffects(Map.of(), Map.of());
    static final String EXPECTED = "one of read_only, idempotent, at_least_once, not_twice";

    public ToolEffects {
        user = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(user));
        workspace = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(workspace));
    }

    /** One entry's value, as written in settings; IllegalArgumentException when it names no effect. */
    static Tool.Effect parse(Object value) {
        if (!(value instanceof String s)) throw new IllegalArgumentException();
        return Tool.Effect.valueOf(s.strip().toUpperCase(Locale.ROOT)); // IllegalArgumentException when unknown
    }

    /** These entries with {@code more} layered on: the user's layer (later wins per entry) or the workspace's. */
    ToolEffects with(boolean userLevel, Map<String, Tool.Effect> more) {
        var merged = new LinkedHashMap<>(userLevel ? user : workspace);
        merged.putAll(more);
        return userLevel ? new ToolEffects(merged, workspace) : new ToolEffects(user, merged);
    }

    /** The effect that holds for a tool named {@code name} whose own effect is {@code own}. */
    public Tool.Effect of(String name, Tool.Effect own) {
        var set = match(user, name);
        var effect = set != null ? set : own;
        var stricter = match(workspace, name);
        return stricter != null && stricter.compareTo(effect) > 0 ? stricter : effect;
    }

    /** The workspace's entry for {@code name} when it is ignored for being looser than the effect that holds; else null. */
    public Tool.Effect ignored(String name, Tool.Effect own) {
        var looser = match(workspace, name);
        return looser != null && looser.compareTo(of(name, own)) < 0 ? looser : null;
    }

    /** {@code tool} with the effect these settings give it (itself when they change nothing). */
    public Tool apply(Tool tool) {
        var effect = of(tool.name(), tool.effect());
        return effect == tool.effect() ? tool : new WithEffect(tool, effect);
    }

    private static Tool.Effect match(Map<String, Tool.Effect> entries, String name) {
        var exact = entries.get(name);
        if (exact != null) return exact;
        for (var e : entries.entrySet()) {
            if (e.getKey().contains("*") && name.matches(glob(e.getKey()))) return e.getValue();
        }
        return null;
    }

    private static String glob(String pattern) {
        return String.join(".*", java.util.Arrays.stream(pattern.split("\\*", -1)).map(java.util.regex.Pattern::quote).toList());
    }

    @Override
    public String toString() { // as config show prints it
        return "user " + names(user) + ", workspace (only stricter) " + names(workspace);
    }

    private static Map<String, String> names(Map<String, Tool.Effect> entries) {
        var out = new LinkedHashMap<String, String>();
        entries.forEach((k, v) -> out.put(k, v.name().toLowerCase(Locale.ROOT)));
        return out;
    }

    /** A tool as it is, but for its effect. */
    private record WithEffect(Tool tool, Tool.Effect effect) implements Tool {
        @Override public String name() { return tool.name(); }
        @Override public String description() { return tool.description(); }
        @Override public JsonNode parameters() { return tool.parameters(); }
        @Override public ToolResult execute(JsonNode arguments, ToolContext context) throws Exception { return tool.execute(arguments, context); }
        @Override public boolean parallelSafe() { return tool.parallelSafe(); }
        @Override public int maxResultChars() { return tool.maxResultChars(); }
        @Override public ToolSpec spec() { return tool.spec(); }
    }
}
