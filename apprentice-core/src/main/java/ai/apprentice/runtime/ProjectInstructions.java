package ai.apprentice.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The project's own instructions for agents: {@code APPRENTICE.md}, and for compatibility with other agents
 * {@code AGENTS.md} and {@code CLAUDE.md}, in the workspace and each folder above it. Outer folders come first,
 * so the nearest file has the last word; in one folder the first name found is used. They are pinned: they
 * go into the instructions of every run, whole or cut at {@value #MAX_CHARS} characters with a note.
 */
public final class ProjectInstructions {
    public static final List<String> NAMES = List.of("APPRENTICE.md", "AGENTS.md", "CLAUDE.md");
    static final int MAX_CHARS = 20_000;

    private ProjectInstructions() {}

    public record File(Path path, String text) {}

    /** The files that apply to {@code workspace}, outermost first. */
    public static List<File> find(Path workspace) {
        var out = new ArrayList<File>();
        for (Path dir = workspace.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            for (var name : NAMES) {
                var f = dir.resolve(name);
                if (!Files.isRegularFile(f)) continue;
                try {
                    String text = Files.readString(f, StandardCharsets.UTF_8);
                    if (text.length() > MAX_CHARS) text = text.substring(0, MAX_CHARS) + "\n[... cut at " + MAX_CHARS + " characters]";
                    out.addFirst(new File(f, text.strip()));
                } catch (IOException | java.io.UncheckedIOException e) {
                    out.addFirst(new File(f, "[could not be read: " + e.getMessage() + "]"));
                }
                break;
            }
        }
        return out;
    }

    /** The section to add to an agent's instructions, or "" when there are none. */
    public static String section(Path workspace) {
        var files = find(workspace);
        if (files.isEmpty()) return "";
        var sb = new StringBuilder("## Project instructions\nFollow these; where they disagree, the later (nearer) file wins.");
        for (var f : files) sb.append("\n\n### ").append(f.path()).append("\n").append(f.text());
        return sb.toString();
    }
}
