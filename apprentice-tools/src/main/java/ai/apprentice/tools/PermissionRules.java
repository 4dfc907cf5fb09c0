package ai.apprentice.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Permission rules from config, each {@code TOOL} or {@code TOOL(SUBJECT)} with {@code *} as a wildcard in
 * both, e.g. {@code run_shell(git status*)}, {@code write_file(src/**)}, {@code mcp__github__*}. The
 * subject is the command for {@code run_shell}, the path for file tools and the URL for {@code fetch_url}.
 * Deny wins over allow, allow over ask.
 */
public final class PermissionRules {
    public enum Effect { ALLOW, ASK, DENY }

    public record Rule(Effect effect, String text, Pattern tool, Pattern subject) {
        boolean matches(String toolName, String subjectText) {
            return tool.matcher(toolName).matches() && (subject == null || subject.matcher(subjectText).matches());
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
        rules.add(new Rule(effect, text.strip(), wildcard(m.group(1)), m.group(2) == null ? null : wildcard(m.group(2))));
        return this;
    }

    /** The deciding rule for a call, or null when none matches. */
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
}
