package ai.apprentice.envs.taubench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The reference simulated user's system-prompt template. It belongs to tau-bench, so it is never in our
 * source: {@code env install} extracts it from the upstream Python file and writes {@value #FILE} into the
 * data folder, and the environment reads it from there. In that file the template is the text between two
 * {@value #MARKER} lines, with {@value #PLACEHOLDER} where the instruction goes.
 */
public final class UserTemplate {
    public static final String FILE = "user_simulator.md";
    static final String MARKER = "---8<---";
    static final String PLACEHOLDER = "{instruction_display}";

    private UserTemplate() {}

    /** The template in {@code file} (a {@value #FILE}); fails naming the file when it is missing or malformed. */
    public static String read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("No tau-bench user template at " + file
                    + ": install it with 'apprentice env install taubench' or pass --data DIR (the tau-bench data folder)");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read the tau-bench user template " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    static String parse(String text, String source) {
        var lines = text.split("\n", -1);
        int open = -1;
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].strip().equals(MARKER)) continue;
            if (open < 0) {
                open = i;
                continue;
            }
            var template = String.join("\n", java.util.Arrays.copyOfRange(lines, open + 1, i));
            if (!template.contains(PLACEHOLDER)) {
                throw new IllegalArgumentException("The user template in " + source + " has no " + PLACEHOLDER);
            }
            return template;
        }
        throw new IllegalArgumentException(source + " has no user template: expected it between two '" + MARKER + "' lines");
    }

    /** The system message for one task, as the reference builds it (no instruction: nothing is shown). */
    static String render(String template, String instruction) {
        var display = instruction == null ? "" : "\n\nInstruction: " + instruction + "\n";
        return template.replace(PLACEHOLDER, display);
    }

    /**
     * The template from the source of {@code tau_bench/envs/user.py}: the f-string that
     * {@code LLMUserSimulationEnv.build_system_prompt} returns. Strict on purpose: anything the reader does not
     * understand (escapes, other placeholders) fails rather than yield a subtly different prompt.
     */
    public static String fromPython(String source) {
        int cls = source.indexOf("class LLMUserSimulationEnv");
        int def = cls < 0 ? -1 : source.indexOf("def build_system_prompt", cls);
        int start = def < 0 ? -1 : source.indexOf("return f\"\"\"", def);
        // The next class (or method) must not come first, or we would read another class's prompt.
        int nextDef = def < 0 ? -1 : source.indexOf("\n    def ", def + 1);
        if (start < 0 || (nextDef >= 0 && nextDef < start)) {
            throw new IllegalArgumentException("no 'return f\"\"\"...\"\"\"' in LLMUserSimulationEnv.build_system_prompt");
        }
        start += "return f\"\"\"".length();
        int end = source.indexOf("\"\"\"", start);
        if (end < 0) throw new IllegalArgumentException("the system prompt's f-string is not closed");
        var body = source.substring(start, end);
        if (body.contains("\\")) throw new IllegalArgumentException("the system prompt has an escape sequence this reader does not handle");
        // The only replacement field must be {instruction_display}; {{ and }} are literal braces.
        var rest = body.replace(PLACEHOLDER, "").replace("{{", "").replace("}}", "");
        if (rest.contains("{") || rest.contains("}")) {
            throw new IllegalArgumentException("the system prompt has a replacement field other than " + PLACEHOLDER);
        }
        if (!body.contains(PLACEHOLDER)) throw new IllegalArgumentException("the system prompt has no " + PLACEHOLDER);
        var parts = body.split(java.util.regex.Pattern.quote(PLACEHOLDER), -1);
        for (int i = 0; i < parts.length; i++) parts[i] = parts[i].replace("{{", "{").replace("}}", "}");
        return String.join(PLACEHOLDER, parts);
    }

    /** A {@value #FILE} holding {@code template}, saying where it came from. */
    static String markdown(String template, String origin) {
        return "# tau-bench's simulated user (strategy llm)\n\n"
                + "Extracted by 'apprentice env install taubench' from " + origin + ".\n"
                + "The environment reads the template below at run time; " + PLACEHOLDER + " becomes\n"
                + "\"\\n\\nInstruction: \" + instruction + \"\\n\".\n\n"
                + "## Template (verbatim between the lines)\n" + MARKER + "\n" + template + "\n" + MARKER + "\n";
    }
}
