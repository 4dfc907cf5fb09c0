package ai.apprentice.channels;

import ai.apprentice.harness.config.ConfigLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads the {@code channels:} section of the user's config file; every mistake is named by its key. */
public final class ChannelsConfig {
    public static final Set<String> PLATFORMS = Set.of("slack", "feishu", "dingtalk", "wecom", "webhook");
    private static final Set<String> COMMON = Set.of("platform", "workspace", "allow", "approvers", "profile", "memory", "max_attachment_bytes", "show_reasoning");
    /** Settings a channel's profile may give its runs. Not the model: that is the server's. */
    private static final Set<String> PROFILE = Set.of("approve", "max_steps", "max_tokens", "max_cost_usd", "timeout", "tool_mode",
            "permissions.allow", "permissions.ask", "permissions.deny", "sandbox", "shell.network", "daily_cost_usd");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ChannelsConfig() {}

    /** The channels configured in {@code $APPRENTICE_HOME/config.yaml}, in file order; none when it has no such section. */
    public static List<ChannelConfig> load(Path home) throws ChatException {
        var file = ConfigLoader.userFile(home);
        if (!Files.isRegularFile(file)) return List.of();
        JsonNode root;
        try {
            root = YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new ChatException(file + ": " + e.getMessage().lines().findFirst().orElse("cannot be read"));
        }
        return parse(root == null ? null : root.get("channels"), file.toString());
    }

    static List<ChannelConfig> parse(JsonNode section, String where) throws ChatException {
        if (section == null || section.isNull()) return List.of();
        if (!section.isObject()) throw new ChatException(where + ": channels must be a mapping of channel names to their settings");
        var out = new ArrayList<ChannelConfig>();
        for (var it = section.fields(); it.hasNext(); ) {
            var e = it.next();
            out.add(channel(e.getKey(), e.getValue(), where));
        }
        return out;
    }

    private static ChannelConfig channel(String name, JsonNode n, String where) throws ChatException {
        var at = where + ": channels." + name;
        if (!name.matches("[a-z0-9_-]+")) throw new ChatException(at + ": a channel's name is lower-case letters, digits, _ and -");
        if (!n.isObject()) throw new ChatException(at + " must be a mapping of settings");
        var platform = n.hasNonNull("platform") ? n.get("platform").asText() : name;
        if (!PLATFORMS.contains(platform)) {
            throw new ChatException(at + ": unknown platform '" + platform + "'; one of " + String.join(", ", new java.util.TreeSet<>(PLATFORMS))
                    + " (name the channel after its platform, or set platform:)");
        }
        var settings = new LinkedHashMap<String, String>();
        for (var it = n.fields(); it.hasNext(); ) {
            var f = it.next();
            if (COMMON.contains(f.getKey())) continue;
            if (!f.getValue().isValueNode()) throw new ChatException(at + "." + f.getKey() + " must be a single value");
            settings.put(f.getKey(), f.getValue().asText());
        }
        var allow = n.path("allow");
        if (!allow.isMissingNode() && !allow.isObject()) throw new ChatException(at + ".allow must be a mapping: {users: [...], channels: [...]}");
        var users = list(allow.path("users"), at + ".allow.users");
        if (users.isEmpty()) {
            throw new ChatException(at + ".allow.users is empty: list the people who may start runs (their " + platform
                    + " user ids), or [\"*\"] for everyone the platform delivers");
        }
        for (var it = allow.fieldNames(); it.hasNext(); ) {
            var k = it.next();
            if (!Set.of("users", "channels", "teams").contains(k)) throw new ChatException(at + ".allow." + k + ": unknown; use users, channels, teams");
        }
        var profile = new LinkedHashMap<String, Object>();
        double daily = 0;
        var p = n.path("profile");
        if (!p.isMissingNode() && !p.isObject()) throw new ChatException(at + ".profile must be a mapping of settings");
        for (var it = flatten(p, ""); it.hasNext(); ) {
            var f = it.next();
            if (!PROFILE.contains(f.getKey())) {
                throw new ChatException(at + ".profile." + f.getKey() + ": not a setting a channel may give its runs; use "
                        + String.join(", ", new java.util.TreeSet<>(PROFILE)));
            }
            var v = f.getValue();
            if (f.getKey().equals("daily_cost_usd")) {
                if (!v.isNumber() || v.asDouble() < 0) throw new ChatException(at + ".profile.daily_cost_usd must be a number of dollars, 0 for no limit");
                daily = v.asDouble();
            } else if (v.isArray()) {
                profile.put(f.getKey(), list(v, at + ".profile." + f.getKey()).stream().toList());
            } else {
                profile.put(f.getKey(), v.isNumber() ? v.numberValue() : v.isBoolean() ? v.booleanValue() : v.asText());
            }
        }
        if (profile.keySet().stream().anyMatch(k -> !ConfigLoader.isKey(k))) {
            throw new ChatException(at + ".profile names a setting this apprentice does not know");
        }
        var memory = n.path("memory").asText("person");
        if (!ChannelConfig.MEMORY.contains(memory)) throw new ChatException(at + ".memory must be person, team or workspace, not " + memory);
        long maxAttachment = n.path("max_attachment_bytes").asLong(10L * 1024 * 1024);
        if (maxAttachment < 0) throw new ChatException(at + ".max_attachment_bytes must not be negative");
        var workspace = n.path("workspace").asText("");
        var reasoning = n.path("show_reasoning");
        if (!reasoning.isMissingNode() && !reasoning.isBoolean()) throw new ChatException(at + ".show_reasoning must be true or false");
        return new ChannelConfig(name, platform, settings, workspace, users, list(allow.path("channels"), at + ".allow.channels"),
                list(allow.path("teams"), at + ".allow.teams"), list(n.path("approvers"), at + ".approvers"), profile, daily, memory, maxAttachment,
                reasoning.asBoolean(false));
    }

    /** {@code profile: {permissions: {deny: [...]}}} as {@code permissions.deny}. */
    private static java.util.Iterator<Map.Entry<String, JsonNode>> flatten(JsonNode node, String prefix) {
        var out = new LinkedHashMap<String, JsonNode>();
        for (var it = node.fields(); it.hasNext(); ) {
            var f = it.next();
            if (f.getValue().isObject()) flatten(f.getValue(), prefix + f.getKey() + ".").forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
            else out.put(prefix + f.getKey(), f.getValue());
        }
        return out.entrySet().iterator();
    }

    private static Set<String> list(JsonNode n, String at) throws ChatException {
        if (n.isMissingNode() || n.isNull()) return Set.of();
        if (n.isValueNode()) return Set.of(n.asText());
        if (!n.isArray()) throw new ChatException(at + " must be a list");
        var out = new LinkedHashSet<String>();
        for (var e : n) {
            if (!e.isValueNode()) throw new ChatException(at + " must be a list of ids");
            out.add(e.asText());
        }
        return out;
    }
}
