package ai.apprentice.skills;

import ai.apprentice.skills.SkillProblem.Severity;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a skill folder against the Agent Skills specification (agentskills.io): {@code name} 1-64
 * lowercase letters, digits and hyphens, not starting or ending with a hyphen nor with two in a row, equal
 * to the folder name; {@code description} 1-1024 characters; optional {@code license},
 * {@code compatibility} (at most 500 characters), {@code metadata} (string to string) and
 * {@code allowed-tools} (space-separated tool names). Re-implemented from the published rules.
 */
public final class SkillParser {
    /** The front matter is read from at most this much of SKILL.md, so a huge file costs little at discovery. */
    static final int MAX_HEAD_BYTES = 64 * 1024;
    static final long LARGE_BODY_BYTES = 1024 * 1024;
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    private static final List<String> SPEC = List.of("name", "description", "license", "compatibility", "metadata", "allowed-tools");
    /**
     * Fields Claude Code documents (code.claude.com/docs/en/skills, "Frontmatter reference") and {@code version},
     * common in published collections; Codex reads the specification's fields (with metadata.short-description).
     * Known fields are never warned about; those without an effect here are listed in the README.
     */
    static final List<String> CLAUDE_CODE = List.of("when_to_use", "argument-hint", "arguments", "disable-model-invocation",
            "user-invocable", "model", "effort", "context", "agent", "hooks", "paths", "shell", "version");
    /** The template placeholders of {@code apprentice skills new}: a line that is only "TODO", "1. TODO", "- TODO". */
    private static final Pattern TODO_LINE = Pattern.compile("\\s*(?:[-*]|\\d+\\.)?\\s*TODO\\s*");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** A parsed skill (null when a fatal problem prevents loading) and every problem found. */
    public record Result(Skill skill, List<SkillProblem> problems) {
        public boolean clean() {
            return problems.isEmpty();
        }
    }

    private SkillParser() {}

    public static Result parse(Path dir, String source) {
        return parse(dir, source, null);
    }

    /** A skill folder ({@code SKILL.md}, or the lowercase {@code skill.md}), of {@code plugin} when not null. */
    public static Result parse(Path dir, String source, Skill.Plugin plugin) {
        var upper = dir.resolve("SKILL.md");
        var file = Files.isRegularFile(upper) || !Files.isRegularFile(dir.resolve("skill.md")) ? upper : dir.resolve("skill.md");
        return read(file, dir, source, plugin, false);
    }

    /**
     * A Claude Code plugin's command ({@code commands/NAME.md}): a skill named after the file, whose front matter is
     * optional and whose description, when missing, is the first line of its text.
     */
    public static Result parseCommand(Path file, String source, Skill.Plugin plugin) {
        return read(file, plugin.root(), source, plugin, true);
    }

    private static Result read(Path file, Path dir, String source, Skill.Plugin plugin, boolean command) {
        var problems = new ArrayList<SkillProblem>();
        byte[] head;
        long size;
        try (var in = Files.newInputStream(file)) {
            head = in.readNBytes(MAX_HEAD_BYTES);
            size = Files.size(file);
        } catch (IOException e) {
            problems.add(new SkillProblem(file, 0, Severity.FATAL, "cannot read SKILL.md: " + e.getMessage()));
            return new Result(null, problems);
        }
        var lines = Arrays.asList(new String(head, StandardCharsets.UTF_8).split("\r?\n", -1));
        if (command && (lines.isEmpty() || !lines.getFirst().strip().equals("---"))) {
            return commandWithoutFrontMatter(file, dir, source, plugin, lines, problems);
        }
        if (lines.isEmpty() || !lines.getFirst().strip().equals("---")) {
            problems.add(new SkillProblem(file, 1, Severity.FATAL, "no YAML front matter: SKILL.md must start with a line '---', "
                    + "then name: and description:, then '---'"));
            return new Result(null, problems);
        }
        int end = -1;
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("---")) {
                end = i;
                break;
            }
        }
        if (end < 0) {
            problems.add(new SkillProblem(file, 1, Severity.FATAL, "the front matter is not closed: add a line '---' after it"));
            return new Result(null, problems);
        }
        var fields = new LinkedHashMap<String, JsonNode>();
        var fieldLines = new LinkedHashMap<String, Integer>();
        try (var p = YAML.getFactory().createParser(String.join("\n", lines.subList(1, end)))) {
            var first = p.nextToken();
            if (first != null && first != JsonToken.START_OBJECT) {
                problems.add(new SkillProblem(file, 2, Severity.FATAL, "the front matter must be a mapping of fields (name: ..., description: ...)"));
                return new Result(null, problems);
            }
            while (first != null && p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                fieldLines.put(key, p.currentTokenLocation().getLineNr() + 1);
                p.nextToken();
                fields.put(key, YAML.readTree(p));
            }
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            problems.add(new SkillProblem(file, loc == null ? 1 : loc.getLineNr() + 1, Severity.FATAL,
                    "the front matter is not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse("")));
            return new Result(null, problems);
        } catch (IOException e) {
            problems.add(new SkillProblem(file, 1, Severity.FATAL, "cannot read the front matter: " + e.getMessage()));
            return new Result(null, problems);
        }
        for (var key : fields.keySet()) {
            if (!SPEC.contains(key) && !CLAUDE_CODE.contains(key)) {
                problems.add(new SkillProblem(file, fieldLines.get(key), Severity.VIOLATION,
                        "unknown field '" + key + "' (the specification knows " + String.join(", ", SPEC) + "; Claude Code adds "
                                + String.join(", ", CLAUDE_CODE) + ")"));
            }
        }
        String name = command ? stem(file) : text(fields.get("name"));
        String description = text(fields.get("description"));
        if (command && (description == null || description.isBlank())) description = firstLine(lines.subList(end + 1, lines.size()), file);
        var folderName = dir.toAbsolutePath().normalize().getFileName();
        if (name == null || name.isBlank()) { // Claude Code defaults it to the folder's name; so do we, with a warning
            problems.add(new SkillProblem(file, 2, Severity.VIOLATION, "the required field 'name' is missing; the folder's name '"
                    + folderName + "' is used"));
            name = folderName == null ? "" : folderName.toString();
            fieldLines.putIfAbsent("name", 2);
        }
        if (description == null || description.isBlank()) {
            problems.add(new SkillProblem(file, 2, Severity.FATAL, "the required field 'description' is missing: say what the skill does and when to use it"));
        }
        if (problems.stream().anyMatch(p -> p.severity() == Severity.FATAL)) return new Result(null, problems);

        int nameLine = fieldLines.getOrDefault("name", 1);
        if (name.length() > 64) violation(problems, file, nameLine, "name is " + name.length() + " characters; at most 64");
        if (!NAME.matcher(name).matches()) {
            violation(problems, file, nameLine, "name '" + name + "' must be lowercase letters, digits and single hyphens, "
                    + "not starting or ending with a hyphen");
        }
        var folder = folderName;
        if (!command && folder != null && !folder.toString().equals(name)) {
            violation(problems, file, nameLine, "name '" + name + "' differs from the folder name '" + folder + "'");
        }
        if (description.length() > 1024) {
            violation(problems, file, fieldLines.get("description"), "description is " + description.length() + " characters; at most 1024");
        }
        String compatibility = text(fields.get("compatibility"));
        if (compatibility != null && compatibility.length() > 500) {
            violation(problems, file, fieldLines.get("compatibility"), "compatibility is " + compatibility.length() + " characters; at most 500");
        }
        var metadata = new LinkedHashMap<String, String>();
        var meta = fields.get("metadata");
        if (meta != null && !meta.isNull()) {
            if (!meta.isObject()) {
                violation(problems, file, fieldLines.get("metadata"), "metadata must be a mapping of strings to strings");
            } else {
                meta.fields().forEachRemaining(e -> {
                    if (!e.getValue().isValueNode()) {
                        violation(problems, file, fieldLines.get("metadata"), "metadata." + e.getKey() + " must be a string");
                    }
                    metadata.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
                });
            }
        }
        List<String> allowed = List.of();
        var tools = fields.get("allowed-tools");
        if (tools != null && !tools.isNull()) {
            if (tools.isTextual()) {
                allowed = splitTools(tools.asText());
            } else if (tools.isArray()) { // Claude Code documents a YAML list as well as the specification's string
                var list = new ArrayList<String>();
                tools.forEach(t -> list.addAll(splitTools(t.asText())));
                allowed = List.copyOf(list);
            } else {
                violation(problems, file, fieldLines.get("allowed-tools"), "allowed-tools must be a space-separated string of tool names");
            }
        }
        if (size > LARGE_BODY_BYTES) {
            violation(problems, file, end + 2, "SKILL.md is " + size / 1024 + " KiB; keep instructions short (the spec suggests "
                    + "under 5,000 tokens) and move detail to references/; agents get the first " + Skill.MAX_BODY_CHARS + " characters and a pointer to the rest");
        }
        if (description.strip().startsWith("TODO")) {
            violation(problems, file, fieldLines.get("description"), "the description is still the template's TODO: say what the "
                    + "skill does and when to use it");
        }
        for (int i = end + 1; i < lines.size(); i++) {
            if (TODO_LINE.matcher(lines.get(i)).matches()) {
                violation(problems, file, i + 1, "a TODO placeholder of the template is left: write the step or remove the line");
            }
        }
        var invocation = invocation(fields, fieldLines, file, problems);
        var skill = new Skill(name, description.strip(), text(fields.get("license")), compatibility, Map.copyOf(metadata), allowed,
                dir.toAbsolutePath().normalize(), source, end + 2, invocation, file.toAbsolutePath().normalize(), plugin);
        return new Result(skill, problems);
    }

    private static Result commandWithoutFrontMatter(Path file, Path dir, String source, Skill.Plugin plugin, List<String> lines,
                                                    List<SkillProblem> problems) {
        var skill = new Skill(stem(file), firstLine(lines, file), null, null, Map.of(), List.of(), dir.toAbsolutePath().normalize(),
                source, 1, Skill.Invocation.DEFAULT, file.toAbsolutePath().normalize(), plugin);
        return new Result(skill, problems);
    }

    private static String stem(Path file) {
        var n = file.getFileName().toString();
        return n.endsWith(".md") ? n.substring(0, n.length() - 3) : n;
    }

    /** The first line of text, without Markdown heading marks: what a command without a description is about. */
    private static String firstLine(List<String> lines, Path file) {
        return lines.stream().map(l -> l.replaceFirst("^#+\\s*", "").strip()).filter(l -> !l.isEmpty()).findFirst()
                .orElse("the command " + stem(file));
    }

    /**
     * Tool entries separated by spaces or commas outside parentheses, so that Claude Code's {@code Bash(git status:*)}
     * stays one entry.
     */
    static List<String> splitTools(String text) {
        var out = new ArrayList<String>();
        var current = new StringBuilder();
        int depth = 0;
        for (char c : text.toCharArray()) {
            if (c == '(') depth++;
            if (c == ')' && depth > 0) depth--;
            if (depth == 0 && (Character.isWhitespace(c) || c == ',')) {
                if (!current.isEmpty()) out.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        if (!current.isEmpty()) out.add(current.toString());
        return List.copyOf(out);
    }

    /** Claude Code's invocation fields; a value of the wrong type is a warning and the default is used. */
    private static Skill.Invocation invocation(Map<String, JsonNode> fields, Map<String, Integer> lines, Path file, List<SkillProblem> problems) {
        var names = new ArrayList<String>();
        var args = fields.get("arguments");
        if (args != null && args.isTextual()) names.addAll(Arrays.asList(args.asText().strip().split("\\s+")));
        if (args != null && args.isArray()) args.forEach(a -> names.add(a.asText()));
        names.removeIf(String::isBlank);
        String context = text(fields.get("context"));
        if (context != null && !context.equals("fork") && !context.equals("inherit")) {
            violation(problems, file, lines.get("context"), "context is 'fork' or 'inherit', not '" + context + "'");
        }
        String model = text(fields.get("model"));
        return new Skill.Invocation(text(fields.get("argument-hint")), names,
                !flag(fields, lines, "disable-model-invocation", false, file, problems),
                flag(fields, lines, "user-invocable", true, file, problems),
                model == null || model.isBlank() || model.equals("inherit") ? null : model.strip(),
                "fork".equals(context), text(fields.get("when_to_use")));
    }

    private static boolean flag(Map<String, JsonNode> fields, Map<String, Integer> lines, String key, boolean otherwise, Path file,
                                List<SkillProblem> problems) {
        var v = fields.get(key);
        if (v == null || v.isNull()) return otherwise;
        if (v.isBoolean()) return v.asBoolean();
        if (v.isTextual() && (v.asText().equals("true") || v.asText().equals("false"))) return Boolean.parseBoolean(v.asText());
        violation(problems, file, lines.get(key), key + " must be true or false; " + otherwise + " is used");
        return otherwise;
    }

    private static void violation(List<SkillProblem> problems, Path file, Integer line, String message) {
        problems.add(new SkillProblem(file, line == null ? 0 : line, Severity.VIOLATION, message));
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.isValueNode() ? node.asText() : node.toString();
    }
}
