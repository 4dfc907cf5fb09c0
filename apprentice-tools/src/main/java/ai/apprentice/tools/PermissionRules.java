package ai.apprentice.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Permission rules from config, each {@code TOOL} or {@code TOOL(SUBJECT)}, e.g. {@code run_shell(git status*)},
 * {@code write_file(src/**)}, {@code mcp__github__*}; {@code *} in the tool name matches any characters.
 * Deny wins over allow, allow over ask. What SUBJECT means depends on the tool called:
 * <ul>
 *   <li>file tools: a glob over the path relative to the workspace, normalised ({@code ./}, {@code a/..}, repeated
 *   or trailing slashes, absolute paths inside the workspace). {@code *} and {@code ?} stay within one path
 *   segment, {@code **} crosses segments. As in {@code .gitignore}, a pattern without a {@code /} matches a
 *   name at any depth ({@code .env*} covers {@code config/.env.local}), one with a {@code /} is anchored at the
 *   workspace ({@code secrets/*}), a leading {@code /} means an absolute path outside it, and a pattern that
 *   matches a directory covers everything under it.</li>
 *   <li>{@code run_shell}: one command of the line (see {@link ShellCommands}), normalised the same way as the
 *   rule; {@code *} matches anything; a final {@code " *"} or {@code ":*"} also matches the bare prefix
 *   ({@code git *} covers {@code git}).</li>
 *   <li>other tools (including {@code fetch_url}, whose URL is normalised by the gate): the text, {@code *}
 *   matching anything.</li>
 * </ul>
 */
public final class PermissionRules {
    public enum Effect { ALLOW, ASK, DENY }

    static final Set<String> FILE_TOOLS = Set.of("read_file", "write_file", "edit_file", "list_files", "search_files");

    public record Rule(Effect effect, String text, Pattern tool, Pattern subject, Pattern shell, Pattern path) {
        boolean matches(String toolName, String subjectText) {
            if (!tool.matcher(toolName).matches()) return false;
            if (subject == null) return true;
            var p = FILE_TOOLS.contains(toolName) ? path : toolName.equals("run_shell") ? shell : subject;
            return p.matcher(subjectText).matches();
        }

        @Override
        public String toString() {
            return effect.name().toLowerCase(java.util.Locale.ROOT) + ": " + text;
        }
    }

    private static final Pattern SYNTAX = Pattern.compile("\\s*([A-Za-z0-9_*.-]+)\\s*(?:\\((.*)\\))?\\s*");
    private final List<Rule> rules = new ArrayList<>();

    public static PermissionRules of(List<String> allow, List<String> ask, List<String> deny) {
        var r = new PermissionRules();
        allow.forEach(t -> r.add(Effect.ALLOW, t));
        ask.forEach(t -> r.add(Effect.ASK, t));
        deny.forEach(t -> r.add(Effect.DENY, t));
        return r;
    }

    /** Adds a rule; a malformed one is an error naming it. */
    public PermissionRules add(Effect effect, String text) {
        Matcher m = SYNTAX.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("Bad permission rule '" + text + "': expected TOOL or TOOL(PATTERN), e.g. run_shell(git status*)");
        }
        String s = m.group(2);
        rules.add(s == null ? new Rule(effect, text.strip(), wildcard(m.group(1)), null, null, null)
                : new Rule(effect, text.strip(), wildcard(m.group(1)), wildcard(s), shellPattern(s), pathGlob(s)));
        return this;
    }

    /**
     * Allow rules from a skill's {@code allowed-tools} (Agent Skills specification: tools pre-approved while the skill is
     * in use), in Claude Code's permission syntax: {@code Read}, {@code Bash(git:*)}, {@code Bash(git status:*)},
     * {@code Bash(npm run *)}, {@code Edit(docs/**)}, {@code mcp__server__tool}. Claude-style names are mapped through
     * {@code aliases} (Bash to run_shell). The entries come from a file anyone may have written, so a tool name may
     * carry no wildcard except an MCP server's {@code mcp__NAME__*}: {@code *} alone must not grant every tool.
     * Entries that are malformed or too wide are returned in {@code refused}.
     */
    public static PermissionRules grants(List<String> entries, java.util.Map<String, String> aliases, List<String> refused) {
        var r = new PermissionRules();
        for (var entry : entries) {
            Matcher m = SYNTAX.matcher(entry);
            String tool = m.matches() ? m.group(1) : null;
            if (tool == null || (tool.contains("*") && !tool.matches("mcp__[A-Za-z0-9_-]+__\\*"))) {
                refused.add(entry);
                continue;
            }
            String target = aliases.getOrDefault(tool, tool);
            r.add(Effect.ALLOW, m.group(2) == null ? target : target + "(" + m.group(2) + ")");
        }
        return r;
    }

    /** The deciding rule for one (already normalised) subject of a call, or null when none matches. */
    public Rule match(String tool, String subject) {
        Rule best = null;
        for (var r : rules) {
            if (!r.matches(tool, subject == null ? "" : subject)) continue;
            if (best == null || r.effect.ordinal() > best.effect.ordinal()) best = r; // deny > ask > allow
        }
        if (best != null && best.effect == Effect.ASK) {
            // allow beats ask, deny beats both
            for (var r : rules) if (r.effect == Effect.ALLOW && r.matches(tool, subject == null ? "" : subject)) return r;
        }
        return best;
    }

    public List<Rule> rules() {
        return List.copyOf(rules);
    }

    private static Pattern wildcard(String glob) {
        var sb = new StringBuilder();
        for (var part : glob.split("\\*", -1)) {
            if (!sb.isEmpty()) sb.append(".*");
            sb.append(Pattern.quote(part));
        }
        return Pattern.compile(sb.toString(), Pattern.DOTALL);
    }

    private static Pattern shellPattern(String text) {
        var norm = ShellCommands.normalize(text);
        if (norm == null) norm = text.strip().replaceAll("[ \\t]+", " ");
        // "git *" also covers "git"; "npm run test:*" covers "npm run test", "npm run test -x" and "npm run test:unit"
        for (var suffix : List.of(" *", ":*")) {
            if (norm.endsWith(suffix) && norm.length() > suffix.length()) {
                var prefix = norm.substring(0, norm.length() - suffix.length());
                return Pattern.compile(wildcard(prefix).pattern() + (suffix.equals(" *") ? "(?: .*)?" : "(?:[ :].*)?"), Pattern.DOTALL);
            }
        }
        return wildcard(norm);
    }

    /** A path glob as described above, compiled to a regex over normalised paths. */
    static Pattern pathGlob(String glob) {
        var g = glob.strip().replaceAll("/{2,}", "/");
        while (g.startsWith("./")) g = g.substring(2);
        boolean absolute = g.startsWith("/");
        if (g.length() > 1 && g.endsWith("/")) g = g.substring(0, g.length() - 1);
        boolean anywhere = !absolute && !g.contains("/");
        var sb = new StringBuilder(anywhere ? "(?:.*/)?" : "");
        for (int i = 0; i < g.length(); i++) {
            char c = g.charAt(i);
            if (c == '*' && i + 1 < g.length() && g.charAt(i + 1) == '*') {
                boolean slash = i + 2 < g.length() && g.charAt(i + 2) == '/';
                sb.append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            } else if (c == '*') {
                sb.append("[^/]*");
            } else if (c == '?') {
                sb.append("[^/]");
            } else {
                sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(sb + "(?:/.*)?", Pattern.DOTALL);
    }
}
