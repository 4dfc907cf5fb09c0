package ai.apprentice.cli;

import ai.apprentice.json.Json;
import ai.apprentice.redact.Visible;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import java.util.ArrayList;
import java.util.List;

/**
 * What a file edit changes, as a unified diff (java-diff-utils): shown in the transcript and in the approval prompt,
 * so that a person sees the content and not only "edit_file: calc.py". Lines are made visible ({@link Visible}):
 * a file's escape sequences must not repaint the prompt.
 */
final class Diffs {
    /** Lines of a diff shown at most; the rest are counted. */
    static final int MAX_LINES = 40;

    private Diffs() {}

    /** The diff lines of an edit_file or write_file call, or empty for other tools or arguments that do not parse. */
    static List<String> of(String tool, String arguments) {
        JsonNode args;
        try {
            args = Json.tree(arguments);
        } catch (RuntimeException e) {
            return List.of();
        }
        var path = args.path("path").asText("");
        if (tool.equals("edit_file") && args.path("patch").isTextual()) return List.of(args.get("patch").asText().split("\n", -1));
        if (tool.equals("edit_file") && args.path("old_string").isTextual() && args.path("new_string").isTextual()) {
            var before = lines(args.get("old_string").asText());
            var after = lines(args.get("new_string").asText());
            var patch = DiffUtils.diff(before, after);
            // Line numbers are those of the replaced text, not of the file: the tool finds where it is.
            return UnifiedDiffUtils.generateUnifiedDiff("a/" + path, "b/" + path, before, patch, 2);
        }
        if (tool.equals("write_file") && args.path("content").isTextual()) {
            var out = new ArrayList<String>();
            out.add("+++ " + path + " (whole file)");
            for (var l : lines(args.get("content").asText())) out.add("+" + l);
            return out;
        }
        return List.of();
    }

    private static List<String> lines(String s) {
        return s.isEmpty() ? List.of() : List.of(s.split("\n", -1));
    }

    /** The diff for a terminal: at most {@link #MAX_LINES} lines, indented, coloured when asked (red out, green in). */
    static String render(List<String> diff, boolean color) {
        var sb = new StringBuilder();
        int shown = Math.min(diff.size(), MAX_LINES);
        for (int i = 0; i < shown; i++) {
            var line = Visible.escape(diff.get(i));
            String code = !color ? null
                    : line.startsWith("+++") || line.startsWith("---") ? "1"
                    : line.startsWith("@@") ? "36"
                    : line.startsWith("+") ? "32"
                    : line.startsWith("-") ? "31" : null;
            sb.append("  ").append(code == null ? line : "\u001b[" + code + "m" + line + "\u001b[0m").append('\n');
        }
        if (diff.size() > shown) sb.append("  … ").append(diff.size() - shown).append(" more lines\n");
        return sb.toString();
    }
}
