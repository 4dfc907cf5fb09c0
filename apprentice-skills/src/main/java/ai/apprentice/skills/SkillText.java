package ai.apprentice.skills;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A skill's body as the agent gets it, after Claude Code's substitutions (code.claude.com/docs/en/skills, "String
 * substitutions" and "Inject dynamic context"), re-implemented:
 * <ul>
 *   <li>{@code ${CLAUDE_SKILL_DIR}} is the skill's folder, {@code ${CLAUDE_PLUGIN_ROOT}} its plugin's,
 *   {@code ${CLAUDE_SESSION_ID}} the run's id;</li>
 *   <li>{@code !`command`} and fenced {@code ```!} blocks are replaced by the command's output. Commands are what the
 *   skill's author wrote: the {@link Shell} runs them through the session's permission policy (ASK mode asks the
 *   person, AUTO mode runs them only inside the sandbox) and arguments reach them only shell-quoted;</li>
 *   <li>when the skill was invoked with arguments: {@code $ARGUMENTS} (all of them), {@code $ARGUMENTS[N]} and
 *   {@code $N} (0-based), and {@code $name} for names the {@code arguments} field declares. When the body uses none
 *   of these, the arguments are appended as {@code ARGUMENTS: ...}, so they are never lost.</li>
 * </ul>
 */
public final class SkillText {
    /** Runs one preprocessing command for a run: its output, or a bracketed note saying why it did not run. */
    @FunctionalInterface
    public interface Shell {
        Shell NONE = command -> "[not run: this agent has no shell]";

        String run(String command) throws InterruptedException;
    }

    /** At most this many commands run per load: a skill cannot turn one use_skill into an unbounded script. */
    static final int MAX_COMMANDS = 20;
    static final int MAX_OUTPUT_CHARS = 10_000;

    private static final Pattern INLINE = Pattern.compile("!`([^`\\n]+)`");
    private static final Pattern FENCED = Pattern.compile("(?m)^```!\\s*\\n(.*?)\\n```\\s*$", Pattern.DOTALL);
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{CLAUDE_SKILL_DIR}|\\$\\{CLAUDE_SESSION_ID}|\\$\\{CLAUDE_PLUGIN_ROOT}");
    private static final Pattern ARGUMENT = Pattern.compile("\\$ARGUMENTS\\[(\\d+)]|\\$ARGUMENTS\\b|\\$(\\d+)|\\$([A-Za-z_][A-Za-z0-9_]*)");

    private SkillText() {}

    /**
     * The body of {@code skill} for a run: {@code arguments} null when it was loaded without arguments (then
     * {@code $1} in "costs $1" stays as written).
     */
    public static String render(Skill skill, String body, String arguments, String runId, Shell shell) throws InterruptedException {
        var text = VARIABLE.matcher(body).replaceAll(m -> Matcher.quoteReplacement(
                m.group().contains("SKILL_DIR") ? skill.dir().toString()
                        : m.group().contains("PLUGIN_ROOT") ? (skill.plugin() == null ? skill.dir() : skill.plugin().root()).toString()
                        : runId == null ? "" : runId));
        var args = arguments == null ? null : split(arguments);
        text = preprocess(text, skill, args, shell);
        if (args == null) return text;
        var used = new boolean[] {false};
        var rendered = ARGUMENT.matcher(text).replaceAll(m -> {
            var value = argument(m, skill, args, arguments.strip(), false);
            if (value == null) return Matcher.quoteReplacement(m.group());
            used[0] = true;
            return Matcher.quoteReplacement(value);
        });
        return used[0] || arguments.isBlank() ? rendered : rendered + "\n\nARGUMENTS: " + arguments.strip();
    }

    /** The value of one placeholder, or null when it is not one (a {@code $name} the skill does not declare). */
    private static String argument(java.util.regex.MatchResult m, Skill skill, List<String> args, String all, boolean quoted) {
        String index = m.group(1) != null ? m.group(1) : m.group(2);
        if (index != null) {
            int i = Integer.parseInt(index);
            var v = i < args.size() ? args.get(i) : "";
            return quoted ? quote(v) : v;
        }
        if (m.group(3) != null) {
            int i = skill.invocation().argumentNames().indexOf(m.group(3));
            if (i < 0) return null;
            var v = i < args.size() ? args.get(i) : "";
            return quoted ? quote(v) : v;
        }
        return quoted ? String.join(" ", args.stream().map(SkillText::quote).toList()) : all;
    }

    private static String preprocess(String text, Skill skill, List<String> args, Shell shell) throws InterruptedException {
        int[] budget = {MAX_COMMANDS};
        text = replace(FENCED, text, skill, args, shell, budget);
        return replace(INLINE, text, skill, args, shell, budget);
    }

    private static String replace(Pattern p, String text, Skill skill, List<String> args, Shell shell, int[] budget) throws InterruptedException {
        var m = p.matcher(text);
        var out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            out.append(text, last, m.start());
            var command = m.group(1);
            if (args != null) {
                command = ARGUMENT.matcher(command).replaceAll(a -> {
                    var v = argument(a, skill, args, null, true);
                    return Matcher.quoteReplacement(v == null ? a.group() : v);
                });
            }
            if (budget[0]-- <= 0) {
                out.append("[not run: more than ").append(MAX_COMMANDS).append(" commands in one skill]");
            } else {
                var result = shell.run(command);
                out.append(result.length() > MAX_OUTPUT_CHARS ? result.substring(0, MAX_OUTPUT_CHARS) + "\n[output cut]" : result.strip());
            }
            last = m.end();
        }
        return out.append(text.substring(last)).toString();
    }

    /** Arguments split as a shell would at the top level: spaces separate, single and double quotes group. */
    public static List<String> split(String arguments) {
        var out = new ArrayList<String>();
        var current = new StringBuilder();
        boolean any = false;
        char quote = 0;
        for (char c : arguments.toCharArray()) {
            if (quote != 0) {
                if (c == quote) quote = 0;
                else current.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                any = true;
            } else if (Character.isWhitespace(c)) {
                if (any || !current.isEmpty()) out.add(current.toString());
                current.setLength(0);
                any = false;
            } else {
                current.append(c);
            }
        }
        if (any || !current.isEmpty()) out.add(current.toString());
        return out;
    }

    /** One word for bash, whatever it contains. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
