package ai.apprentice.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds credentials in text so that they are never stored: provider API keys, cloud and chat tokens, JWTs,
 * private key blocks, and values assigned to names like password, token or api_key. They are replaced by
 * {@code [secret removed: KIND]}.
 */
public final class Secrets {
    private Secrets() {}

    private record Rule(String kind, Pattern pattern, int group) {}

    private static final List<Rule> RULES = List.of(
            new Rule("private key", Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)"), 0),
            new Rule("api key", Pattern.compile("\\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}"), 0),
            new Rule("github token", Pattern.compile("\\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})"), 0),
            new Rule("aws key", Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b"), 0),
            new Rule("slack token", Pattern.compile("\\bxox[abprs]-[A-Za-z0-9-]{10,}"), 0),
            new Rule("google api key", Pattern.compile("\\bAIza[0-9A-Za-z_-]{35}"), 0),
            new Rule("hugging face token", Pattern.compile("\\bhf_[A-Za-z0-9]{30,}"), 0),
            new Rule("jwt", Pattern.compile("\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}"), 0),
            new Rule("bearer token", Pattern.compile("(?i)\\bbearer\\s+([A-Za-z0-9._~+/-]{16,}=*)"), 1),
            new Rule("password", Pattern.compile("(?i)\\b(?:password|passwd|pwd|passphrase|密码)\\s*(?:is|[:=：])\\s*[\"']?([^\\s\"',;]{4,})"), 1),
            new Rule("credential", Pattern.compile("(?i)\\b(?:api[_-]?key|access[_-]?token|auth[_-]?token|secret[_-]?key|client[_-]?secret|token)\\s*(?:is|[:=：])\\s*[\"']?([A-Za-z0-9._~+/-]{12,})"), 1));

    /** The text with every secret replaced, and the kinds found (empty when it is clean). */
    public record Scrubbed(String text, List<String> found) {
        public boolean clean() {
            return found.isEmpty();
        }
    }

    public static Scrubbed scrub(String text) {
        var found = new ArrayList<String>();
        String out = text;
        for (var rule : RULES) {
            Matcher m = rule.pattern().matcher(out);
            var sb = new StringBuilder();
            boolean any = false;
            while (m.find()) {
                any = true;
                found.add(rule.kind());
                int start = m.start(rule.group());
                int end = m.end(rule.group());
                m.appendReplacement(sb, Matcher.quoteReplacement(out.substring(m.start(), start) + "[secret removed: " + rule.kind() + "]" + out.substring(end, m.end())));
            }
            if (any) {
                m.appendTail(sb);
                out = sb.toString();
            }
        }
        return new Scrubbed(out, List.copyOf(found));
    }
}
