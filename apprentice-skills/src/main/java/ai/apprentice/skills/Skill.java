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
 * @param invocation who may invoke it and how (Claude Code's fields)
 * @param file       its SKILL.md (or skill.md, or a plugin command's file)
 * @param plugin     the Claude Code plugin it comes with, or null
 */
public record Skill(String name, String description, String license, String compatibility, Map<String, String> metadata,
                    List<String> allowedTools, Path dir, String source, int bodyLine, Invocation invocation, Path file, Plugin plugin) {
    /** A Claude Code plugin: a folder with {@code .claude-plugin/plugin.json}, whose skills are named {@code plugin:skill}. */
    public record Plugin(String name, Path root) {}

    /**
     * Claude Code's invocation fields (code.claude.com/docs/en/skills, "Frontmatter reference"), re-implemented:
     *
     * @param argumentHint   shown after {@code /name} (e.g. {@code [issue-number]})
     * @param argumentNames  the {@code arguments} field: names for positional arguments, usable as {@code $name}
     * @param modelInvocable false for {@code disable-model-invocation: true}: left out of the model's index, and
     *                       use_skill refuses it; only the user starts it
     * @param userInvocable  false for {@code user-invocable: false}: no {@code /name} command
     * @param model          the {@code model} field, for when the skill runs as its own agent; null to inherit
     * @param fork           {@code context: fork}: run in a subagent with its own context, which returns its answer
     * @param whenToUse      {@code when_to_use}: more trigger text, shown after the description in the index
     */
    public record Invocation(String argumentHint, List<String> argumentNames, boolean modelInvocable, boolean userInvocable,
                             String model, boolean fork, String whenToUse) {
        public static final Invocation DEFAULT = new Invocation(null, List.of(), true, true, null, false, null);

        public Invocation {
            argumentNames = argumentNames == null ? List.of() : List.copyOf(argumentNames);
        }
    }

    public Skill {
        invocation = invocation == null ? Invocation.DEFAULT : invocation;
        file = file == null ? dir.resolve("SKILL.md") : file;
    }

    /** The name it is addressed by: {@code plugin:name} for a plugin's skill, else its name. */
    public String qualifiedName() {
        return plugin == null ? name : plugin.name() + ":" + name;
    }

    /** Whether it is a plugin command (one Markdown file) rather than a skill folder. */
    public boolean isCommand() {
        var n = file.getFileName().toString();
        return !n.equals("SKILL.md") && !n.equals("skill.md");
    }

    /** The description as the index shows it: with {@code when_to_use} after it, as Claude Code lists it. */
    public String indexText() {
        var w = invocation.whenToUse();
        return w == null || w.isBlank() ? description : description + " " + w.strip();
    }

    /** The largest body handed to a model; longer ones end with a pointer to read_file for the rest. */
    public static final int MAX_BODY_CHARS = 100_000;

    /** SKILL.md, the lowercase skill.md some collections use, or a plugin command's file. */
    public Path skillFile() {
        return file;
    }

    /**
     * The instructions after the front matter, whole up to {@link #MAX_BODY_CHARS}; a longer body is cut at a line
     * end and ends with the exact read_file call (path and line) that continues it, so nothing is silently lost.
     */
    public String body() throws IOException {
        var lines = Files.readAllLines(skillFile());
        int first = Math.min(bodyLine - 1, lines.size());
        var body = String.join("\n", lines.subList(first, lines.size())).strip();
        if (body.length() <= MAX_BODY_CHARS) return body;
        var kept = new StringBuilder();
        int line = first;
        for (; line < lines.size(); line++) {
            if (kept.length() + lines.get(line).length() + 1 > MAX_BODY_CHARS) break;
            kept.append(lines.get(line)).append('\n');
        }
        if (kept.isEmpty()) { // one giant line: cut inside it, and continue from that same line
            kept.append(lines.get(first), 0, MAX_BODY_CHARS);
            line = first;
        }
        return kept.toString().strip() + "\n\n[The instructions continue: " + (body.length() - kept.length())
                + " more characters. Read them with read_file path=" + skillFile() + " offset=" + (line + 1)
                + " before you act on this skill.]";
    }

    /** The skill's other files (scripts, references, assets, at any depth), relative to its folder, sorted. */
    public List<String> files() throws IOException {
        if (isCommand()) return List.of(); // its folder is the plugin's, not its own
        try (var walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.equals("SKILL.md") && !p.equals("skill.md")).sorted().toList();
        }
    }
}
