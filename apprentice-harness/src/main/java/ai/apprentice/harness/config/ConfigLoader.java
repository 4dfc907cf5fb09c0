package ai.apprentice.harness.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the layered configuration: {@code $APPRENTICE_HOME/config.yaml}, then
 * {@code <workspace>/.apprentice/config.yaml}, then environment variables, then flags; later layers win and
 * every value remembers its source. Syntax errors name file, line and column; bad values name the key, the
 * place and the expected form; unknown keys are warnings with a suggestion.
 */
public final class ConfigLoader {
    /** Duplicate keys are an error, not a silent "last one wins" (a second approve: could hide below the first). */
    private static final YAMLFactory YAML = (YAMLFactory) new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /**
     * Settings that widen what the agent may do. From a workspace's own config they take effect only once a person
     * has trusted that exact file (see {@link WorkspaceTrust}): the agent, or a repository's author, can write that
     * file. {@code base_url} is here because the API key travels to it, the telemetry keys because traces (and, with
     * content capture, what the agent read and wrote) travel to the endpoint.
     */
    public static final java.util.Set<String> NEEDS_TRUST = java.util.Set.of("approve", "sandbox", "shell.network", "shell.pass_env",
            "permissions.allow", "mcp_servers", "base_url", "subagent_models", "fetch.allow_private", "telemetry.otlp_endpoint",
            "telemetry.capture_content");
    /**
     * Top-level sections of the user's file that other parts read themselves ({@code channels}: the server's chat
     * channels); not agent settings, so neither warned about nor taken from a workspace's file.
     */
    public static final java.util.Set<String> SECTIONS_READ_ELSEWHERE = java.util.Set.of("channels", "store", "store_password_env");

    /** Whether {@code key} is a setting (a profile of a chat channel names settings; a typo is its config error). */
    public static boolean isKey(String key) {
        return ConfigKey.of(key) != null;
    }

    /** Lists that only restrict: every layer's entries add up instead of replacing the earlier layer's. */
    private static final java.util.Set<ConfigKey> ADD_UP = java.util.EnumSet.of(ConfigKey.PERMISSIONS_DENY, ConfigKey.PERMISSIONS_ASK);

    private ConfigLoader() {}

    public static Path userFile(Path home) {
        return home.resolve("config.yaml");
    }

    public static Path workspaceFile(Path workspace) {
        return workspace.resolve(".apprentice").resolve("config.yaml");
    }

    /** The layered settings, with every workspace file trusted (tests, and tools that only show config). */
    public static Settings load(Path home, Path workspace, Map<String, String> env, Map<String, Object> flags) {
        return load(home, workspace, env, flags, sha -> true);
    }

    /**
     * The layered settings. The workspace's file is read once; {@code trusted} is asked about the SHA-256 of the
     * very bytes that are parsed, and when it says no, the file's security settings ({@link #NEEDS_TRUST}) are
     * left out and listed in {@link Settings#untrusted()}, with the file's hash in {@link Settings#workspaceSha256()}.
     */
    public static Settings load(Path home, Path workspace, Map<String, String> env, Map<String, Object> flags,
                                java.util.function.Predicate<String> trusted) {
        var values = new EnumMap<ConfigKey, Sourced>(ConfigKey.class);
        for (var k : ConfigKey.values()) values.put(k, new Sourced(k.defaultValue, "default"));
        var warnings = new ArrayList<String>();
        var untrusted = new ArrayList<String>();
        if (Files.isRegularFile(userFile(home))) readFile(userFile(home), true, bytes(userFile(home)), values, warnings, null);
        var ws = workspaceFile(workspace);
        String sha = null;
        if (Files.isRegularFile(ws) && !ws.toAbsolutePath().normalize().equals(userFile(home).toAbsolutePath().normalize())) {
            var content = bytes(ws);
            sha = sha256(content);
            readFile(ws, false, content, values, warnings, trusted.test(sha) ? null : untrusted);
        }
        for (var k : ConfigKey.values()) {
            if (k.env == null) continue;
            var v = env.get(k.env);
            if (v == null || v.isBlank()) continue;
            values.put(k, new Sourced(convert(k, v, "environment variable " + k.env), "env " + k.env));
        }
        applyFlags(values, flags);
        if (!untrusted.isEmpty()) {
            warnings.add(ws + ": ignored " + String.join(", ", untrusted) + " until you trust this workspace's config (it can widen what "
                    + "the agent may do): answer yes when asked on a terminal, or pass --trust-workspace once");
        }
        return new Settings(values, warnings, untrusted, sha);
    }

    private static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static String sha256(byte[] content) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Settings override(Settings base, Map<ConfigKey, Sourced> baseValues, Map<String, Object> flags) {
        var values = new EnumMap<ConfigKey, Sourced>(baseValues);
        applyFlags(values, flags);
        return new Settings(values, base.warnings(), base.untrusted(), base.workspaceSha256());
    }

    private static void applyFlags(Map<ConfigKey, Sourced> values, Map<String, Object> flags) {
        for (var f : flags.entrySet()) {
            var k = ConfigKey.of(f.getKey());
            if (k == null) throw new IllegalArgumentException("no config key " + f.getKey()); // a programming error
            String flag = k.flag == null ? "--" + k.key : k.flag;
            values.put(k, new Sourced(layered(k, convert(k, f.getValue(), "option " + flag), values, true), "flag " + flag));
        }
    }

    /** Reads one file into {@code values}; when {@code untrusted} is given, security settings are collected there instead. */
    private static void readFile(Path file, boolean userFile, byte[] content, Map<ConfigKey, Sourced> values, List<String> warnings,
                                 List<String> untrusted) {
        var lines = new LinkedHashMap<String, Integer>();
        Object root;
        try (JsonParser p = YAML.createParser(content)) {
            var first = p.nextToken();
            if (first == null) return; // empty file
            root = read(p, "", lines);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new ConfigException(file + ":" + (loc == null ? "?" : loc.getLineNr() + ":" + loc.getColumnNr()) + ": "
                    + e.getOriginalMessage().lines().findFirst().orElse("syntax error"), e);
        } catch (IOException e) {
            throw new ConfigException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        if (root == null) return;
        if (!(root instanceof Map<?, ?> top)) {
            throw new ConfigException(file + ":1: expected a mapping of keys (key: value lines), found " + describe(root));
        }
        flatten(top, "", file, userFile, lines, values, warnings, untrusted);
    }

    private static void flatten(Map<?, ?> map, String prefix, Path file, boolean userFile, Map<String, Integer> lines,
                                Map<ConfigKey, Sourced> values, List<String> warnings, List<String> untrusted) {
        for (var e : map.entrySet()) {
            String path = prefix + e.getKey();
            String where = file + ":" + lines.getOrDefault(path, 1);
            var key = ConfigKey.of(path);
            if (prefix.isEmpty() && SECTIONS_READ_ELSEWHERE.contains(path)) {
                if (!userFile) {
                    warnings.add(where + ": '" + path + "' is read only from the user's config ($APPRENTICE_HOME/config.yaml); ignored here");
                }
                continue;
            }
            if (key == null && ConfigKey.isSection(path) && e.getValue() instanceof Map<?, ?> section) {
                flatten(section, path + ".", file, userFile, lines, values, warnings, untrusted);
            } else if (key == null) {
                warnings.add(where + ": unknown key '" + path + "'" + suggestion(path));
            } else if (e.getValue() != null && untrusted != null && NEEDS_TRUST.contains(path)) {
                convert(key, e.getValue(), where + ": " + path); // still checked, so a typo is found before it is trusted
                untrusted.add(path);
            } else if (e.getValue() != null) {
                if (key == ConfigKey.TOOL_EFFECTS && e.getValue() instanceof Map<?, ?> entries) {
                    // a bad entry is named with its own line, not only the section's
                    for (var entry : entries.entrySet()) {
                        try {
                            ToolEffects.parse(entry.getValue());
                        } catch (IllegalArgumentException bad) {
                            throw new ConfigException(file + ":" + lines.getOrDefault(path + "." + entry.getKey(), lines.getOrDefault(path, 1))
                                    + ": " + path + "." + entry.getKey() + ": expected " + ToolEffects.EXPECTED + ", got " + describe(entry.getValue()));
                        }
                    }
                }
                var value = layered(key, convert(key, e.getValue(), where + ": " + path), values, userFile);
                if (ADD_UP.contains(key) && values.get(key).value() instanceof List<?> earlier && !earlier.isEmpty()) {
                    var all = new java.util.LinkedHashSet<Object>(earlier);
                    all.addAll((List<?>) value);
                    value = List.copyOf(all);
                }
                // Map-valued keys (prices, mcp_servers) merge entry by entry across files; the later file wins per entry.
                if (value instanceof Map<?, ?> m && values.get(key).value() instanceof Map<?, ?> earlier && !earlier.isEmpty()) {
                    var merged = new LinkedHashMap<Object, Object>(earlier);
                    merged.putAll(m);
                    value = merged;
                }
                values.put(key, new Sourced(value, where));
            }
        }
    }

    /** tool_effects entries go to the user's layer or to the workspace's, which may only make effects stricter. */
    @SuppressWarnings("unchecked")
    private static Object layered(ConfigKey key, Object value, Map<ConfigKey, Sourced> values, boolean userLevel) {
        if (key != ConfigKey.TOOL_EFFECTS) return value;
        return ((ToolEffects) values.get(key).value()).with(userLevel, (Map<String, ai.apprentice.tool.Tool.Effect>) value);
    }

    private static Object convert(ConfigKey key, Object raw, String where) {
        try {
            return key.kind.reader().apply(raw);
        } catch (RuntimeException e) {
            throw new ConfigException(where + ": expected " + key.kind.expected() + ", got " + describe(raw));
        }
    }

    private static String describe(Object v) {
        if (v instanceof Map) return "a mapping";
        if (v instanceof List) return "a list";
        return "'" + v + "'";
    }

    /** Reads the value at the current token into maps, lists and scalars, recording the line of each key. */
    private static Object read(JsonParser p, String path, Map<String, Integer> lines) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                var map = new LinkedHashMap<String, Object>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    lines.put(path + name, p.currentTokenLocation().getLineNr());
                    p.nextToken();
                    map.put(name, read(p, path + name + ".", lines));
                }
                return map;
            }
            case START_ARRAY -> {
                var list = new ArrayList<Object>();
                while (p.nextToken() != JsonToken.END_ARRAY) list.add(read(p, path, lines));
                return list;
            }
            case VALUE_NUMBER_INT -> {
                return p.getNumberValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return p.getBooleanValue();
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> {
                return p.getText();
            }
        }
    }

    private static String suggestion(String unknown) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (var k : ConfigKey.values()) {
            int d = distance(unknown, k.key);
            if (d < bestDistance) {
                bestDistance = d;
                best = k.key;
            }
        }
        return best != null && bestDistance <= Math.max(2, unknown.length() / 3) ? " (did you mean '" + best + "'?)" : "";
    }

    private static int distance(String a, String b) {
        var prev = new int[b.length() + 1];
        var cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            var tmp = prev;
            prev = cur;
            cur = tmp;
        }
        return prev[b.length()];
    }
}
