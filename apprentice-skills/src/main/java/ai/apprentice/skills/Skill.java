package ai.apprentice.skills;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A skill: a folder with {@code SKILL.md} (YAML front matter, then Markdown instructions) and optional
 * {@code scripts/}, {@code references/}, {@code assets/}. Only the front matter is read at discovery; the
 * instructions are read when the agent asks for them (progressive disclosure).
 *
 * @param source where it was found (workspace, user, claude-workspace, claude-user, built-in)
 * @param bodyLine the line of SKILL.md where the instructions start
 */
public record Skill(String name, String description, String license, String compatibility, Map<String, String> metadata,
                    List<String> allowedTools, Path dir, String source, int bodyLine) {
    /** The largest body handed to a model; longer ones are cut with a notice. */
    public static final int MAX_BODY_CHARS = 100_000;

    public Path skillFile() {
        return dir.resolve("SKILL.md");
    }

    /** The instructions after the front matter. */
    public String body() throws IOException {
        var lines = Files.readAllLines(skillFile());
        var body = String.join("\n", lines.subList(Math.min(bodyLine - 1, lines.size()), lines.size())).strip();
        if (body.length() > MAX_BODY_CHARS) {
            body = body.substring(0, MAX_BODY_CHARS) + "\n\n[skill instructions cut at " + MAX_BODY_CHARS + " of "
                    + body.length() + " characters; read " + skillFile().getFileName() + " with read_file for the rest]";
        }
        return body;
    }

    /** The skill's other files (scripts, references, assets), relative to its folder, sorted. */
    public List<String> files() throws IOException {
        try (var walk = Files.walk(dir, 4)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString())
                    .filter(p -> !p.equals("SKILL.md")).sorted().limit(200).toList();
        }
    }
}
