package ai.apprentice.redact;

import ai.apprentice.json.Json;
import ai.apprentice.runtime.Event;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that finds credentials in text, so that they are never stored or shown: provider keys and tokens
 * by their shape, private key blocks, JWTs, values assigned to secret-looking names ({@code DB_PASSWORD=...},
 * {@code "api_key": "..."}), and the values of this process's secret-looking environment variables. Each is replaced
 * by {@code [REDACTED:kind]}. Immutable and thread-safe.
 *
 * <p>False positives are avoided on purpose (see RedactorTest): a secret name without a value ({@code
 * password_reset_url} in prose), a name whose last part is not secret ({@code max_tokens=4096}, {@code token_type:
 * bearer}, {@code primary_key: id}), values that are code or placeholders ({@code token = getToken()}, {@code
 * apiKey: string}, {@code password=$DB_PASS}), and bare hex or UUIDs are left alone.
 */
public final class Redactor {
    /**
     * One shape of secret. Matching starts only where one of the {@code needles} occurs (found with indexOf, which is
     * far faster than letting the regex try every position); {@code wordStart}: not right after a letter, digit, _ or -.
     */
    private record Rule(String kind, List<String> needles, boolean wordStart, Pattern pattern, int group) {
        Rule(String kind, String needle, String regex) {
            this(kind, List.of(needle), true, Pattern.compile(regex), 0);
        }
    }

    /** Shapes, most specific first: a later rule never sees what an earlier one replaced. */
    private static final List<Rule> RULES = List.of(
            // Unterminated (a clipped file): up to a quote, so that a key inside raw JSON text leaves the JSON intact.
            new Rule("private-key", List.of("-----BEGIN "), false,
                    Pattern.compile("-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:[^\"]*?-----END [A-Z0-9 ]*PRIVATE KEY-----|[^\"]*)"), 0),
            new Rule("anthropic-key", "sk-ant-", "sk-ant-[A-Za-z0-9_-]{20,}"),
            new Rule("openai-key", "sk-", "sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
            new Rule("stripe-key", List.of("sk_", "rk_"), true, Pattern.compile("[sr]k_(?:live|test)_[A-Za-z0-9]{10,}"), 0),
            new Rule("github-token", List.of("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), true, Pattern.compile("gh[pousr]_[A-Za-z0-9]{30,}"), 0),
            new Rule("github-token", "github_pat_", "github_pat_[A-Za-z0-9_]{22,}"),
            new Rule("aws-access-key-id", List.of("AKIA", "ASIA"), true, Pattern.compile("(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])"), 0),
            new Rule("aws-secret-key", List.of("aws", "AWS", "Aws"), true,
                    Pattern.compile("(?i)aws_?secret_?(?:access_?)?key[\"'\\\\]{0,2}\\s*[:=]\\s*[\"'\\\\]{0,2}([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"), 1),
            new Rule("slack-webhook", List.of("https://hooks.slack.com/"), false,
                    Pattern.compile("https://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]+"), 0),
            new Rule("slack-token", List.of("xox", "xapp-"), true, Pattern.compile("(?:xox[abposr]|xapp)-[A-Za-z0-9-]{10,}"), 0),
            new Rule("google-api-key", "AIza", "AIza[0-9A-Za-z_-]{35}"),
            new Rule("huggingface-token", "hf_", "hf_[A-Za-z0-9]{30,}"),
            new Rule("jwt", "eyJ", "eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}"),
            new Rule("bearer-token", List.of("bearer", "Bearer", "BEARER"), true,
                    Pattern.compile("(?i)bearer\\s+([A-Za-z0-9._~+/-]{16,}=*)"), 1),
            // The password of user:password@host in a URL.
            new Rule("url-password", List.of("://"), false, Pattern.compile("://[^\\s/:@\"']+:([^\\s/@\"']+)@"), 1));

    /**
     * The value of {@code name = value}, {@code name: value}, {@code name := value}: quoted (also with
     * backslashed quotes, inside JSON text) or bare. The name before the separator is found and checked in code ({@link #kindOfName}).
     */
    private static final Pattern VALUE = Pattern.compile(
            "\\\\?\"(?<dq>[^\"\\\\\\n]{1,500})\\\\?\"|\\\\?'(?<sq>[^'\\\\\\n]{1,500})\\\\?'|(?<bare>[^\\s\"'`\\\\,;&<>(){}\\[\\]]{1,500})");

    private static final Set<String> KEYWORDS = Set.of("key", "secret", "token", "password", "passwd", "pwd", "passphrase",
            "credential", "credentials", "apikey");
    /** Glued-on forms without a separator: dbpassword, authtoken, clientsecret (but not monkey or hotkey). */
    private static final List<String> SUFFIXES = List.of("password", "passwd", "secret", "token", "apikey", "secretkey",
            "accesskey", "privatekey", "credential", "credentials");
    /** A name ending in key is not secret after these: they name database, cache or public keys. */
    private static final Set<String> PLAIN_KEYS = Set.of("primary", "foreign", "sort", "partition", "cache", "hash", "row",
            "map", "dict", "lookup", "idempotency", "object", "s3", "public", "pub", "unique", "composite", "routing",
            "shard", "group", "index", "join", "next", "prev", "previous", "first", "last");
    /** A last part that still means the secret itself: SECRET_KEY_BASE, api_key_value. */
    private static final Set<String> VALUE_PARTS = Set.of("base", "value", "b64", "base64", "hex", "raw");
    /** Bare values that are types, literals or placeholders, not secrets. */
    private static final Set<String> NOT_VALUES = Set.of("null", "none", "nil", "true", "false", "undefined", "str", "string",
            "bytes", "int", "bool", "boolean", "any", "optional", "required", "char", "object",
            "redacted", "hidden", "masked", "unset", "empty");
    private static final Pattern DOTTED_REFERENCE = Pattern.compile("[A-Za-z_$][\\w$]*(?:\\.[A-Za-z_$][\\w$]*)+");
    private static final Pattern CAMEL = Pattern.compile("(?<=[a-z0-9])(?=[A-Z])|[_.\\-]+");

    /** The text with every secret replaced, and the kind of each secret found (empty when clean). */
    public record Result(String text, List<String> kinds) {
        public boolean clean() {
            return kinds.isEmpty();
        }
    }

    private static final Set<String> SHELL_DIRECTORIES = Set.of("PWD", "OLDPWD");

    /** Only the shapes and assignments, no environment values. */
    public static final Redactor PATTERNS = new Redactor(Map.of());

    private static volatile Redactor standard;

    /** Exact values to replace, longest first so that a value containing another is replaced whole. */
    private final List<Map.Entry<String, String>> envValues;

    private Redactor(Map<String, String> env) {
        var values = new ArrayList<Map.Entry<String, String>>();
        env.forEach((name, value) -> {
            // PWD and OLDPWD are the shell's working directories, not passwords: their paths stay readable.
            if (value != null && value.strip().length() >= 8 && secretName(name) && !SHELL_DIRECTORIES.contains(name)) {
                values.add(Map.entry(value.strip(), "env:" + name));
            }
        });
        values.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
        this.envValues = List.copyOf(values);
    }

    /** A redactor that also replaces the values of {@code env}'s secret-looking variables (at least 8 characters). */
    public static Redactor of(Map<String, String> env) {
        return new Redactor(env);
    }

    /** The redactor for this process: the patterns and this process's environment. */
    public static Redactor standard() {
        var r = standard;
        if (r == null) standard = r = new Redactor(System.getenv());
        return r;
    }

    /** The text with secrets replaced; the same instance when there were none (null stays null). */
    public String redact(String text) {
        return text == null ? null : scan(text).text();
    }

    public Result scan(String text) {
        var kinds = new ArrayList<String>(0);
        String out = text;
        for (var e : envValues) {
            if (out.contains(e.getKey())) {
                out = out.replace(e.getKey(), "[REDACTED:" + e.getValue() + "]");
                kinds.add(e.getValue());
            }
        }
        for (var rule : RULES) {
            for (var needle : rule.needles()) out = replace(out, needle, rule, kinds);
        }
        out = replaceAssignments(out, kinds);
        return new Result(out, List.copyOf(kinds));
    }

    private static String replace(String text, String needle, Rule rule, List<String> kinds) {
        int at = text.indexOf(needle);
        if (at < 0) return text;
        Matcher m = rule.pattern().matcher(text).useTransparentBounds(true);
        StringBuilder sb = null;
        int last = 0;
        for (; at >= 0; at = text.indexOf(needle, at + 1)) {
            if (at < last || rule.wordStart() && at > 0 && wordChar(text.charAt(at - 1))) continue;
            if (!m.region(at, text.length()).lookingAt()) continue;
            if (sb == null) sb = new StringBuilder(text.length());
            sb.append(text, last, m.start(rule.group())).append("[REDACTED:").append(rule.kind()).append(']');
            last = m.end(rule.group());
            kinds.add(rule.kind());
        }
        return sb == null ? text : sb.append(text, last, text.length()).toString();
    }

    /** Values assigned to secret names: at each = or :, the name before it is read backwards and checked. */
    private static String replaceAssignments(String text, List<String> kinds) {
        StringBuilder sb = null;
        int last = 0;
        Matcher m = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c != '=' && c != ':') continue;
            int after = i + 1;
            if (c == ':' && after < n && text.charAt(after) == '=') after++; // :=
            if (after < n && (text.charAt(after) == '=' || text.charAt(after) == ':')) continue; // ==, ::
            String kind = kindOfName(nameBefore(text, i));
            if (kind == null) continue;
            while (after < n && (text.charAt(after) == ' ' || text.charAt(after) == '\t')) after++;
            if (m == null) m = VALUE.matcher(text);
            if (!m.region(after, n).lookingAt()) continue;
            String group = m.group("dq") != null ? "dq" : m.group("sq") != null ? "sq" : "bare";
            if (!secretValue(m.group(group), group.equals("bare"), text, m.end(group))) continue;
            if (sb == null) sb = new StringBuilder(n);
            sb.append(text, last, m.start(group)).append("[REDACTED:").append(kind).append(']');
            last = m.end(group);
            i = last - 1;
            kinds.add(kind);
        }
        return sb == null ? text : sb.append(text, last, n).toString();
    }

    /** The name just before a separator at {@code sep} (spaces and a closing quote between), or "" when none. */
    private static String nameBefore(String text, int sep) {
        int j = sep - 1;
        while (j >= 0 && (text.charAt(j) == ' ' || text.charAt(j) == '\t')) j--;
        if (j >= 0 && (text.charAt(j) == '"' || text.charAt(j) == '\'')) j--;
        if (j >= 0 && text.charAt(j) == '\\') j--;
        int end = j + 1;
        while (j >= 0 && end - j <= 81 && (wordChar(text.charAt(j)) || text.charAt(j) == '.')) j--;
        int start = j + 1;
        if (start == end || end - start > 80 || j >= 0 && (wordChar(text.charAt(j)) || text.charAt(j) == '.')) return "";
        char first = text.charAt(start);
        return Character.isLetter(first) && first < 128 || first == '_' ? text.substring(start, end) : "";
    }

    private static boolean wordChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }

    /** Whether a variable or field of this name holds a secret: its last part is key, secret, token, password, ... */
    public static boolean secretName(String name) {
        return kindOfName(name) != null;
    }

    /** The kind of secret a name holds (password, secret, token, key, credential), or null. */
    private static String kindOfName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (!(lower.contains("key") || lower.contains("secret") || lower.contains("token") || lower.contains("pass")
                || lower.contains("pwd") || lower.contains("credential"))) return null; // most names: no split needed
        var parts = CAMEL.split(name);
        int n = parts.length;
        while (n > 1 && VALUE_PARTS.contains(parts[n - 1].toLowerCase(Locale.ROOT))) n--;
        if (n == 0) return null;
        String lastPart = parts[n - 1].toLowerCase(Locale.ROOT);
        if (lastPart.equals("key") && n > 1 && PLAIN_KEYS.contains(parts[n - 2].toLowerCase(Locale.ROOT))) return null;
        String keyword = KEYWORDS.contains(lastPart) ? lastPart : null;
        if (keyword == null) {
            for (var s : SUFFIXES) if (lastPart.endsWith(s)) keyword = s;
        }
        if (keyword == null) return null;
        if (keyword.startsWith("pass") || keyword.equals("pwd")) return "password";
        if (keyword.startsWith("credential")) return "credential";
        if (keyword.endsWith("key")) return "key";
        return keyword;
    }

    private static boolean secretValue(String value, boolean bare, String text, int end) {
        if (value.strip().length() < 4 || value.startsWith("[REDACTED")) return false;
        if (!bare) return true;
        if (value.startsWith("$") || value.startsWith("%") || value.startsWith("@")) return false; // a reference
        if (end < text.length() && text.charAt(end) == '(') return false; // a call: getToken()
        return !NOT_VALUES.contains(value.toLowerCase(Locale.ROOT)) && !DOTTED_REFERENCE.matcher(value).matches();
    }

    // ---------------------------------------------------------------- structured data

    /** The event with secrets replaced in every string it holds; the same instance when it had none. */
    public Event redact(Event event) {
        JsonNode tree = Json.MAPPER.valueToTree(event);
        if (!redactStrings(tree)) return event;
        try {
            return Json.MAPPER.treeToValue(tree, Event.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a redacted " + event.type() + " event no longer reads as one", e);
        }
    }

    /** Replaces secrets in every string value of {@code node}, in place (field names are kept); whether any changed. */
    public boolean redactStrings(JsonNode node) {
        boolean changed = false;
        if (node instanceof ObjectNode o) {
            for (var it = o.fields(); it.hasNext(); ) {
                var f = it.next();
                if (f.getValue() instanceof TextNode t) {
                    String r = redact(t.textValue());
                    if (r != t.textValue()) {
                        f.setValue(TextNode.valueOf(r));
                        changed = true;
                    }
                } else {
                    changed |= redactStrings(f.getValue());
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i) instanceof TextNode t) {
                    String r = redact(t.textValue());
                    if (r != t.textValue()) {
                        a.set(i, TextNode.valueOf(r));
                        changed = true;
                    }
                } else {
                    changed |= redactStrings(a.get(i));
                }
            }
        }
        return changed;
    }
}
