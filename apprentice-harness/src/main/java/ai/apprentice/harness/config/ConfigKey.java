package ai.apprentice.harness.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** A known configuration key: its type, default, environment variable and flag, and how to read a value. */
enum ConfigKey {
    MODEL("model", Kind.STRING, null, "APPRENTICE_MODEL", "--model"),
    BASE_URL("base_url", Kind.STRING, null, "APPRENTICE_BASE_URL", "--base-url"),
    MAX_STEPS("max_steps", Kind.POSITIVE_INT, 50, "APPRENTICE_MAX_STEPS", "--max-steps"),
    MAX_TOKENS("max_tokens", Kind.NON_NEGATIVE_LONG, 0L, "APPRENTICE_MAX_TOKENS", "--max-tokens"),
    MAX_COST_USD("max_cost_usd", Kind.NON_NEGATIVE_NUMBER, 0.0, "APPRENTICE_MAX_COST_USD", "--max-cost"),
    TIMEOUT("timeout", Kind.DURATION, null, "APPRENTICE_TIMEOUT", "--timeout"),
    RETRY_MAX_ATTEMPTS("retries.max_attempts", Kind.POSITIVE_INT, 5, null, null),
    RETRY_INITIAL_BACKOFF("retries.initial_backoff", Kind.DURATION, Duration.ofMillis(500), null, null),
    RETRY_MAX_BACKOFF("retries.max_backoff", Kind.DURATION, Duration.ofSeconds(30), null, null),
    REQUEST_TIMEOUT("request_timeout", Kind.DURATION, Duration.ofSeconds(60), null, null),
    TOOL_MODE("tool_mode", Kind.choice("native", "text"), "native", "APPRENTICE_TOOL_MODE", "--tool-mode"),
    MAX_TOOL_RESULT_CHARS("max_tool_result_chars", Kind.POSITIVE_INT, 20_000, null, null),
    PARALLEL_TOOLS("parallel_tools", Kind.POSITIVE_INT, 8, null, null),
    APPROVE("approve", Kind.choice("ask", "auto", "all"), null, "APPRENTICE_APPROVE", "--approve"),
    SANDBOX("sandbox", Kind.choice("auto", "off"), "auto", "APPRENTICE_SANDBOX", null),
    SHELL_NETWORK("shell.network", Kind.BOOLEAN, false, null, null),
    SHELL_PASS_ENV("shell.pass_env", Kind.STRING_LIST, List.of(), null, null),
    PERMISSIONS_ALLOW("permissions.allow", Kind.STRING_LIST, List.of(), null, null),
    PERMISSIONS_ASK("permissions.ask", Kind.STRING_LIST, List.of(), null, null),
    PERMISSIONS_DENY("permissions.deny", Kind.STRING_LIST, List.of(), null, null),
    PRICES("prices", Kind.PRICES, Map.of(), null, null),
    MCP_SERVERS("mcp_servers", Kind.ANY_MAP, Map.of(), null, null),
    TOOL_EFFECTS("tool_effects", Kind.TOOL_EFFECTS, ToolEffects.NONE, null, null),
    SUBAGENT_MODELS("subagent_models", Kind.STRING_LIST, List.of(), null, null),
    FETCH_ALLOW_PRIVATE("fetch.allow_private", Kind.STRING_LIST, List.of(), null, null),
    CONTEXT_WINDOW("context_window", Kind.POSITIVE_INT, null, "APPRENTICE_CONTEXT_WINDOW", null),
    MEMORY("memory", Kind.choice("on", "off"), "on", "APPRENTICE_MEMORY", null),
    MEMORY_EXTRACT("memory.extract", Kind.BOOLEAN, true, null, null),
    MEMORY_RECALL_TOKENS("memory.recall_tokens", Kind.POSITIVE_INT, 600, null, null),
    MEMORY_CONSOLIDATE_EVERY("memory.consolidate_every", Kind.DURATION, null, null, null),
    LOCAL_DEFAULT_MODEL("local.default_model", Kind.STRING, ai.apprentice.local.Catalog.DEFAULT, null, null),
    LOCAL_AUTO_PULL("local.auto_pull", Kind.BOOLEAN, false, "APPRENTICE_AUTO_PULL", "--yes"),
    LOCAL_CONTEXT_SIZE("local.context_size", Kind.POSITIVE_INT, null, null, null),
    LOCAL_THREADS("local.threads", Kind.POSITIVE_INT, null, null, null),
    LOCAL_MAX_OUTPUT_TOKENS("local.max_output_tokens", Kind.POSITIVE_INT, 1024, null, null),
    LOCAL_TEMPERATURE("local.temperature", Kind.NON_NEGATIVE_NUMBER, 0.2, null, null),
    LOCAL_TOOL_CHOICE("local.tool_choice", Kind.choice("auto", "required"), "auto", null, null),
    LOCAL_SEED("local.seed", Kind.POSITIVE_INT, null, null, null),
    // OpenTelemetry: off unless an endpoint is set; the environment variables are the standard OTel ones
    TELEMETRY_OTLP_ENDPOINT("telemetry.otlp_endpoint", Kind.STRING, null, "OTEL_EXPORTER_OTLP_ENDPOINT", null),
    TELEMETRY_SERVICE_NAME("telemetry.service_name", Kind.STRING, "apprentice", "OTEL_SERVICE_NAME", null),
    TELEMETRY_CAPTURE_CONTENT("telemetry.capture_content", Kind.BOOLEAN, false, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", null);

    final String key;
    final Kind kind;
    final Object defaultValue;
    final String env;
    final String flag;

    ConfigKey(String key, Kind kind, Object defaultValue, String env, String flag) {
        this.key = key;
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.env = env;
        this.flag = flag;
    }

    static ConfigKey of(String key) {
        for (var k : values()) if (k.key.equals(key)) return k;
        return null;
    }

    /** Sections whose children are keys (retries.x), as opposed to map-valued keys (prices). */
    static boolean isSection(String name) {
        for (var k : values()) if (k.key.startsWith(name + ".")) return true;
        return false;
    }

    /** What a value may be, and how to read it from YAML or from text (environment, flags). */
    record Kind(String expected, Function<Object, Object> reader) {
        static final Kind STRING = new Kind("text", v -> {
            if (v instanceof Map || v instanceof List) throw new IllegalArgumentException();
            return v.toString();
        });
        static final Kind POSITIVE_INT = new Kind("a whole number of at least 1", v -> {
            long n = whole(v);
            if (n < 1 || n > Integer.MAX_VALUE) throw new IllegalArgumentException();
            return (int) n;
        });
        static final Kind NON_NEGATIVE_LONG = new Kind("a whole number of at least 0", v -> {
            long n = whole(v);
            if (n < 0) throw new IllegalArgumentException();
            return n;
        });
        static final Kind NON_NEGATIVE_NUMBER = new Kind("a number of at least 0", v -> {
            double d = v instanceof Number n ? n.doubleValue() : Double.parseDouble(v.toString().strip());
            if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) throw new IllegalArgumentException();
            return d;
        });
        static final Kind DURATION = new Kind("a duration such as 30s, 5m, 1h30m or 1500ms", v -> {
            if (v instanceof Number n) return Duration.ofSeconds(n.longValue());
            return Durations.parse(v.toString());
        });
        static final Kind BOOLEAN = new Kind("true or false", v -> {
            if (v instanceof Boolean b) return b;
            return switch (v.toString().strip().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "1" -> true;
                case "false", "no", "off", "0" -> false;
                default -> throw new IllegalArgumentException();
            };
        });
        static final Kind STRING_LIST = new Kind("a list of strings", v -> {
            if (v instanceof List<?> l) return l.stream().map(Object::toString).toList();
            if (v instanceof Map) throw new IllegalArgumentException();
            return List.of(v.toString().split("\\s*,\\s*"));
        });
        static final Kind ANY_MAP = new Kind("a mapping", v -> {
            if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException();
            return m;
        });
        /** Read into a map of entries; the loader layers them into {@link ToolEffects} (user or workspace). */
        static final Kind TOOL_EFFECTS = new Kind("a mapping of tool name (or pattern such as mcp__payments__*) to "
                + ToolEffects.EXPECTED, v -> {
            if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException();
            var out = new java.util.LinkedHashMap<String, ai.apprentice.tool.Tool.Effect>();
            m.forEach((name, effect) -> {
                if (String.valueOf(name).isBlank()) throw new IllegalArgumentException();
                out.put(String.valueOf(name).strip(), ToolEffects.parse(effect));
            });
            return out;
        });
        static final Kind PRICES = new Kind("a mapping of model id to {input, output, and optionally cached_input and cache_write: "
                + "USD per million tokens, not negative; as_of and source: text}", v -> {
            if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException();
            for (var e : m.values()) {
                if (!(e instanceof Map<?, ?> p) || !(p.get("input") instanceof Number) || !(p.get("output") instanceof Number)) {
                    throw new IllegalArgumentException();
                }
                for (var k : p.keySet()) {
                    if (!java.util.Set.of("input", "output", "cached_input", "cache_write", "as_of", "source").contains(String.valueOf(k))) {
                        throw new IllegalArgumentException();
                    }
                }
                for (var k : List.of("input", "output", "cached_input", "cache_write")) {
                    var n = p.get(k);
                    if (n != null && (!(n instanceof Number num) || num.doubleValue() < 0)) throw new IllegalArgumentException();
                }
            }
            return m;
        });

        static Kind choice(String... options) {
            var allowed = List.of(options);
            return new Kind("one of " + String.join(", ", allowed), v -> {
                // YAML 1.1 reads an unquoted on/off as a boolean
                if (v instanceof Boolean b && allowed.contains("on") && allowed.contains("off")) return b ? "on" : "off";
                var s = v.toString().strip().toLowerCase(Locale.ROOT);
                if (!allowed.contains(s)) throw new IllegalArgumentException();
                return s;
            });
        }

        private static long whole(Object v) {
            if (v instanceof Integer || v instanceof Long) return ((Number) v).longValue();
            if (v instanceof Number) throw new IllegalArgumentException();
            return Long.parseLong(v.toString().strip().replace("_", ""));
        }
    }
}
