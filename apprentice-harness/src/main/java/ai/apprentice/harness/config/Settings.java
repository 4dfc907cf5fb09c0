package ai.apprentice.harness.config;

import ai.apprentice.json.Json;
import ai.apprentice.model.Price;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The merged configuration of a session: typed accessors, and each value's source for {@code apprentice config
 * show}. Immutable: resolved once per session; {@link #with} layers more flags on top without reading files again.
 */
public final class Settings {
    private static final Pattern SECRET = Pattern.compile("(?i).*(api_?key|token|password|secret|authorization).*");
    private final Map<ConfigKey, Sourced> values;
    private final List<String> warnings;
    private final List<String> untrusted;
    private final String workspaceSha256;

    Settings(Map<ConfigKey, Sourced> values, List<String> warnings, List<String> untrusted, String workspaceSha256) {
        this.values = java.util.Collections.unmodifiableMap(new java.util.EnumMap<>(values));
        this.warnings = List.copyOf(warnings);
        this.untrusted = List.copyOf(untrusted);
        this.workspaceSha256 = workspaceSha256;
    }

    /** The SHA-256 of the workspace config file as it was read, or null when there is none. */
    public String workspaceSha256() { return workspaceSha256; }

    /** Security settings of the workspace's config that were left out because that file is not trusted. */
    public List<String> untrusted() { return untrusted; }

    /** These settings with {@code flags} (config keys to values) as a further layer on top; no file is read. */
    public Settings with(Map<String, Object> flags) {
        return ConfigLoader.override(this, values, flags);
    }

    private Object get(ConfigKey k) {
        return values.get(k).value();
    }

    public List<String> warnings() { return warnings; }
    public Optional<String> model() { return Optional.ofNullable((String) get(ConfigKey.MODEL)); }
    public Optional<String> baseUrl() { return Optional.ofNullable((String) get(ConfigKey.BASE_URL)); }
    public int maxSteps() { return (Integer) get(ConfigKey.MAX_STEPS); }
    public long maxTokens() { return (Long) get(ConfigKey.MAX_TOKENS); }
    public double maxCostUsd() { return (Double) get(ConfigKey.MAX_COST_USD); }
    public Optional<Duration> timeout() { return Optional.ofNullable((Duration) get(ConfigKey.TIMEOUT)); }
    public int retryMaxAttempts() { return (Integer) get(ConfigKey.RETRY_MAX_ATTEMPTS); }
    public Duration retryInitialBackoff() { return (Duration) get(ConfigKey.RETRY_INITIAL_BACKOFF); }
    public Duration retryMaxBackoff() { return (Duration) get(ConfigKey.RETRY_MAX_BACKOFF); }
    public Duration requestTimeout() { return (Duration) get(ConfigKey.REQUEST_TIMEOUT); }
    public String toolMode() { return (String) get(ConfigKey.TOOL_MODE); }
    public int maxToolResultChars() { return (Integer) get(ConfigKey.MAX_TOOL_RESULT_CHARS); }
    public int parallelTools() { return (Integer) get(ConfigKey.PARALLEL_TOOLS); }
    /** ask, auto or all; empty means: ask on a terminal, auto otherwise. */
    public Optional<String> approve() { return Optional.ofNullable((String) get(ConfigKey.APPROVE)); }
    /** The model's context window in tokens, when config overrides the provider's documented size. */
    public Optional<Integer> contextWindow() { return Optional.ofNullable((Integer) get(ConfigKey.CONTEXT_WINDOW)); }
    /** Whether, after a successful run, the model picks what to remember from it. */
    public boolean memoryExtract() { return (Boolean) get(ConfigKey.MEMORY_EXTRACT); }
    public boolean memoryOn() { return "on".equals(get(ConfigKey.MEMORY)); }
    public int memoryRecallTokens() { return (Integer) get(ConfigKey.MEMORY_RECALL_TOKENS); }
    /** How often memory consolidates itself after runs; empty: only when asked ('memory consolidate'). */
    public Optional<Duration> memoryConsolidateEvery() { return Optional.ofNullable((Duration) get(ConfigKey.MEMORY_CONSOLIDATE_EVERY)); }
    /** The catalogue model used when nothing else is configured and no Ollama answers. */
    public String localDefaultModel() { return (String) get(ConfigKey.LOCAL_DEFAULT_MODEL); }
    /** Whether a missing local model may be downloaded without asking (--yes). */
    public boolean localAutoPull() { return (Boolean) get(ConfigKey.LOCAL_AUTO_PULL); }
    public ai.apprentice.local.LocalSettings localSettings() {
        var seed = (Integer) get(ConfigKey.LOCAL_SEED);
        return new ai.apprentice.local.LocalSettings(orZero(ConfigKey.LOCAL_CONTEXT_SIZE), orZero(ConfigKey.LOCAL_THREADS),
                (Integer) get(ConfigKey.LOCAL_MAX_OUTPUT_TOKENS), (Double) get(ConfigKey.LOCAL_TEMPERATURE),
                (String) get(ConfigKey.LOCAL_TOOL_CHOICE), seed == null ? -1 : seed);
    }

    private int orZero(ConfigKey k) {
        var v = (Integer) get(k);
        return v == null ? 0 : v;
    }
    /** Where traces and metrics go over OTLP/HTTP (the base URL, as {@code OTEL_EXPORTER_OTLP_ENDPOINT}); empty: nowhere. */
    public Optional<String> telemetryEndpoint() { return Optional.ofNullable((String) get(ConfigKey.TELEMETRY_OTLP_ENDPOINT)).map(String::strip).filter(s -> !s.isEmpty()); }
    public String telemetryServiceName() { return (String) get(ConfigKey.TELEMETRY_SERVICE_NAME); }
    /** Whether spans carry message content, the task, tool arguments and results (redacted); off by default. */
    public boolean telemetryCaptureContent() { return (Boolean) get(ConfigKey.TELEMETRY_CAPTURE_CONTENT); }
    public boolean sandboxOff() { return "off".equals(get(ConfigKey.SANDBOX)); }
    public boolean shellNetwork() { return (Boolean) get(ConfigKey.SHELL_NETWORK); }
    @SuppressWarnings("unchecked") public List<String> shellPassEnv() { return (List<String>) get(ConfigKey.SHELL_PASS_ENV); }
    @SuppressWarnings("unchecked") public List<String> allowRules() { return (List<String>) get(ConfigKey.PERMISSIONS_ALLOW); }
    @SuppressWarnings("unchecked") public List<String> askRules() { return (List<String>) get(ConfigKey.PERMISSIONS_ASK); }
    @SuppressWarnings("unchecked") public List<String> denyRules() { return (List<String>) get(ConfigKey.PERMISSIONS_DENY); }
    /** Models spawn_agent may name besides the session's own (never a file path unless listed exactly). */
    @SuppressWarnings("unchecked") public List<String> subagentModels() { return (List<String>) get(ConfigKey.SUBAGENT_MODELS); }
    /** Hosts and ranges fetch_url may reach although they are loopback, private or link-local (e.g. localhost:8080, 10.0.0.0/8). */
    @SuppressWarnings("unchecked") public List<String> fetchAllowPrivate() { return (List<String>) get(ConfigKey.FETCH_ALLOW_PRIVATE); }
    /** Effects of tools by name, as settings give them (the workspace's only stricter); see {@link ToolEffects}. */
    public ToolEffects toolEffects() { return (ToolEffects) get(ConfigKey.TOOL_EFFECTS); }
    @SuppressWarnings("unchecked") public Map<String, Object> mcpServers() { return (Map<String, Object>) get(ConfigKey.MCP_SERVERS); }

    /** Prices from config, added to the built-in table. */
    public Map<String, Price> prices() {
        var out = new LinkedHashMap<String, Price>();
        ((Map<?, ?>) get(ConfigKey.PRICES)).forEach((model, p) -> {
            var m = (Map<?, ?>) p;
            double input = ((Number) m.get("input")).doubleValue();
            // without cache prices, cached and cache-written input cost what plain input does (the safe side of a bill)
            out.put(model.toString(), new Price(input, ((Number) m.get("output")).doubleValue(),
                    m.get("cached_input") instanceof Number c ? c.doubleValue() : input,
                    m.get("cache_write") instanceof Number w ? w.doubleValue() : input,
                    m.get("as_of") == null ? null : m.get("as_of").toString(),
                    m.get("source") == null ? "configured" : m.get("source").toString()));
        });
        return out;
    }

    public String sourceOf(String key) {
        var k = ConfigKey.of(key);
        return k == null ? "unknown" : values.get(k).source();
    }

    /** Every key with its value and source, secrets masked. */
    public Map<String, Sourced> entries() {
        var out = new LinkedHashMap<String, Sourced>();
        values.forEach((k, v) -> out.put(k.key, new Sourced(mask(k.key, v.value()), v.source())));
        return out;
    }

    /** {@code key = value  (source)} lines, aligned. */
    public String render() {
        var sb = new StringBuilder();
        entries().forEach((k, v) -> sb.append(String.format("%-24s = %-36s (%s)%n", k, display(v.value()), v.source())));
        warnings.forEach(w -> sb.append("warning: ").append(w).append('\n'));
        return sb.toString().stripTrailing();
    }

    public String toJson() {
        var root = Json.object();
        entries().forEach((k, v) -> {
            ObjectNode o = root.putObject(k);
            o.set("value", Json.MAPPER.valueToTree(v.value() instanceof Duration d ? Durations.format(d) : v.value()));
            o.put("source", v.source());
        });
        return root.toPrettyString();
    }

    private static String display(Object v) {
        if (v == null) return "(none)";
        if (v instanceof Duration d) return Durations.format(d);
        return v instanceof Map<?, ?> || v instanceof List<?> ? Json.write(v) : v.toString();
    }

    /** Masks values under secret-looking keys, at any depth (e.g. MCP server headers). */
    @SuppressWarnings("unchecked")
    static Object mask(String key, Object value) {
        if (value instanceof Map<?, ?> m) {
            var out = new LinkedHashMap<String, Object>();
            ((Map<Object, Object>) m).forEach((k, v) -> out.put(k.toString(), mask(k.toString(), v)));
            return out;
        }
        if (value instanceof String s && SECRET.matcher(key).matches()) {
            return s.length() <= 8 ? "****" : "****" + s.substring(s.length() - 4);
        }
        return value;
    }
}
