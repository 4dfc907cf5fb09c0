package ai.apprentice.learn;

import ai.apprentice.json.Json;
import ai.apprentice.memory.playbook.Playbook;
import ai.apprentice.skills.SkillParser;
import ai.apprentice.skills.SkillProblem;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Candidates written by a person rather than a reflector ({@code learn --proposals FILE}, {@code learn gate
 * --candidate FILE}).
 *
 * <p>A {@code .json} or {@code .jsonl} file holds one JSON object per candidate: JSON Lines, one object, or an
 * array. An object is a reflector's candidate ({@code {"edits": [...], "rationale": "...", "from_runs": [...]}}) or
 * the short form {@code {"lesson": "text"}} or {@code {"lessons": ["a", "b"]}} (adds, in one candidate).
 *
 * <p>Any other file is Markdown: blocks separated by lines of {@code ---}, one candidate each. In a block, each list
 * item ({@code - }, {@code * }, {@code 1. }) is a lesson to add, and may wrap onto indented lines that follow it;
 * a block without list items is one lesson, its text without a leading {@code #} heading. A block's heading and
 * other prose become the candidate's rationale.
 *
 * <p>Errors are {@link IllegalArgumentException}s that name the file and the line.
 */
public final class Proposals {
    private static final Pattern SEPARATOR = Pattern.compile("\\s*-{3,}\\s*");
    private static final Pattern ITEM = Pattern.compile("\\s*(?:[-*+]|\\d{1,3}[.)])\\s+(.*)");
    private static final Pattern EMPTY_ITEM = Pattern.compile("\\s*(?:[-*+]|\\d{1,3}[.)])\\s*");
    private static final Pattern HEADING = Pattern.compile("\\s*#{1,6}(?:\\s+(.*?))?\\s*#*\\s*");

    private Proposals() {}

    /** The candidates in {@code file}; adds without a scope go to {@code scope}. */
    public static List<Candidate> read(Path file, String scope) {
        checkScope(scope);
        String text = text(file);
        if (text.isBlank()) throw new IllegalArgumentException(file + ": the file is empty: no candidates");
        var name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        var out = name.endsWith(".json") || name.endsWith(".jsonl") ? json(file, text, scope) : markdown(file, text, scope);
        if (out.isEmpty()) throw new IllegalArgumentException(file + ": no candidates in the file");
        return out;
    }

    /** A skill folder as a candidate: a new skill, or a changed version of one. It must hold a SKILL.md that loads. */
    public static Candidate skill(Path dir) {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": not a folder; a skill candidate is a folder with a SKILL.md");
        if (!Files.isRegularFile(dir.resolve("SKILL.md"))) {
            throw new IllegalArgumentException(dir + ": not a skill folder: it has no SKILL.md");
        }
        var parsed = SkillParser.parse(dir, "candidate");
        if (parsed.skill() == null) {
            throw new IllegalArgumentException("the skill in " + dir + " does not load: "
                    + String.join("; ", parsed.problems().stream().map(SkillProblem::toString).toList()));
        }
        String content = text(dir.resolve("SKILL.md"));
        String id = "C-" + Edits.sha256("skill\n" + dir.toAbsolutePath().normalize().getFileName() + "\n" + content).substring(0, 8);
        return new Candidate(id, List.of(), dir.toAbsolutePath().normalize(), "skill " + parsed.skill().name() + ": " + parsed.skill().description(),
                "file", List.of());
    }

    /**
     * What {@code learn gate --candidate} tests: a skill folder (or its SKILL.md), or a file of lessons, all of them in
     * one candidate, since the gate judges them together.
     */
    public static Candidate gateCandidate(Path fileOrDir, String scope) {
        if (Files.isDirectory(fileOrDir)) return skill(fileOrDir);
        if (fileOrDir.getFileName() != null && fileOrDir.getFileName().toString().equals("SKILL.md")) {
            return skill(fileOrDir.toAbsolutePath().normalize().getParent());
        }
        return together(read(fileOrDir, scope), fileOrDir);
    }

    /** One candidate with the edits of all of {@code candidates}, in order. */
    static Candidate together(List<Candidate> candidates, Path file) {
        if (candidates.size() == 1) return candidates.getFirst();
        var edits = new ArrayList<Playbook.Delta>();
        var runs = new LinkedHashSet<String>();
        for (var c : candidates) {
            edits.addAll(c.edits());
            runs.addAll(c.fromRuns());
        }
        var rationales = candidates.stream().map(Candidate::rationale).filter(r -> r != null && !r.isBlank()).distinct().toList();
        String rationale = rationales.isEmpty() ? edits.size() + " lessons from " + file : String.join(" / ", rationales);
        return new Candidate(Edits.id(edits), edits, null, rationale, "file", List.copyOf(runs));
    }

    // ---------------------------------------------------------------- JSON

    private static List<Candidate> json(Path file, String text, String scope) {
        var out = new ArrayList<Candidate>();
        try (JsonParser p = Json.MAPPER.getFactory().createParser(text)) {
            var token = p.nextToken();
            if (token == JsonToken.START_ARRAY) {
                while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (token == null) throw new IllegalArgumentException(file + ": the array is not closed");
                    int line = p.currentTokenLocation().getLineNr();
                    out.add(candidate(file, line, p.readValueAsTree(), scope));
                }
                if (p.nextToken() != null) {
                    throw new IllegalArgumentException(file + ":" + p.currentTokenLocation().getLineNr() + ": more after the array of candidates");
                }
            } else {
                // one object, or JSON Lines (one object a line), or several objects one after the other
                while (token != null) {
                    int line = p.currentTokenLocation().getLineNr();
                    out.add(candidate(file, line, p.readValueAsTree(), scope));
                    token = p.nextToken();
                }
            }
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new IllegalArgumentException(file + (line > 0 ? ":" + line : "") + ": malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        }
        return out;
    }

    private static Candidate candidate(Path file, int line, JsonNode node, String scope) {
        String where = file + ":" + line;
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + ": expected a JSON object per candidate ({\"edits\": [...]}, {\"lesson\": \"...\"} or "
                    + "{\"lessons\": [...]}), got " + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        var edits = new ArrayList<Playbook.Delta>();
        try {
            int forms = (node.has("edits") ? 1 : 0) + (node.has("lesson") ? 1 : 0) + (node.has("lessons") ? 1 : 0);
            if (forms == 0) throw new IllegalArgumentException("a candidate has \"edits\", \"lesson\" or \"lessons\"");
            if (forms > 1) throw new IllegalArgumentException("a candidate has one of \"edits\", \"lesson\" and \"lessons\", not several");
            if (node.has("edits")) {
                edits.addAll(Edits.parse(node.get("edits"), new Edits.Rules(scope, true, null)));
            } else if (node.has("lesson")) {
                var l = node.get("lesson");
                if (!l.isTextual() || l.asText().isBlank()) throw new IllegalArgumentException("\"lesson\" is not a text");
                edits.add(Playbook.Delta.add(l.asText().strip(), scope));
            } else {
                var list = node.get("lessons");
                if (!list.isArray() || list.isEmpty()) throw new IllegalArgumentException("\"lessons\" is not a list of texts");
                for (int i = 0; i < list.size(); i++) {
                    if (!list.get(i).isTextual() || list.get(i).asText().isBlank()) {
                        throw new IllegalArgumentException("lesson " + (i + 1) + " of \"lessons\" is not a text");
                    }
                    edits.add(Playbook.Delta.add(list.get(i).asText().strip(), scope));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        var r = node.path("rationale");
        String rationale = r.isTextual() && !r.asText().isBlank() ? r.asText().strip() : "from " + file.getFileName();
        var runs = new ArrayList<String>();
        for (var run : node.path("from_runs")) if (run.isTextual() && !run.asText().isBlank()) runs.add(run.asText().strip());
        return new Candidate(Edits.id(edits), edits, null, rationale, "file", runs);
    }

    // ---------------------------------------------------------------- Markdown

    private static List<Candidate> markdown(Path file, String text, String scope) {
        var lines = text.split("\r?\n", -1);
        var out = new ArrayList<Candidate>();
        int blockStart = 0;
        for (int i = 0; i <= lines.length; i++) {
            if (i == lines.length || SEPARATOR.matcher(lines[i]).matches()) {
                var c = block(file, lines, blockStart, i, scope);
                if (c != null) out.add(c);
                blockStart = i + 1;
            }
        }
        return out;
    }

    /** The candidate of lines [from, to), or null when the block is blank. */
    private static Candidate block(Path file, String[] lines, int from, int to, String scope) {
        var items = new ArrayList<StringBuilder>();
        var prose = new ArrayList<String>();
        String heading = null;
        int firstLine = -1;
        StringBuilder current = null; // the list item that indented lines continue
        for (int i = from; i < to; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                current = null;
                continue;
            }
            if (firstLine < 0) firstLine = i + 1;
            var item = ITEM.matcher(line);
            if (item.matches()) {
                if (item.group(1).isBlank()) throw new IllegalArgumentException(file + ":" + (i + 1) + ": an empty list item");
                current = new StringBuilder(item.group(1).strip());
                items.add(current);
                continue;
            }
            if (EMPTY_ITEM.matcher(line).matches()) throw new IllegalArgumentException(file + ":" + (i + 1) + ": an empty list item");
            if (current != null && Character.isWhitespace(line.charAt(0))) {
                current.append(' ').append(line.strip());
                continue;
            }
            current = null;
            var h = HEADING.matcher(line);
            if (heading == null && prose.isEmpty() && items.isEmpty() && h.matches()) {
                heading = h.group(1) == null ? "" : h.group(1).strip();
                continue;
            }
            prose.add(line.strip());
        }
        if (firstLine < 0) return null;
        var edits = new ArrayList<Playbook.Delta>();
        String rationale;
        if (!items.isEmpty()) {
            for (var it : items) edits.add(Playbook.Delta.add(it.toString(), scope));
            var why = new ArrayList<String>();
            if (heading != null && !heading.isEmpty()) why.add(heading);
            if (!prose.isEmpty()) why.add(String.join(" ", prose));
            rationale = why.isEmpty() ? "from " + file.getFileName() : String.join(": ", why);
        } else {
            if (prose.isEmpty()) throw new IllegalArgumentException(file + ":" + firstLine + ": the block has a heading but no lesson");
            edits.add(Playbook.Delta.add(String.join(" ", prose), scope));
            rationale = heading != null && !heading.isEmpty() ? heading : "from " + file.getFileName();
        }
        return new Candidate(Edits.id(edits), edits, null, rationale, "file", List.of());
    }

    // ---------------------------------------------------------------- helpers

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static void checkScope(String scope) {
        if (!Edits.validScope(scope)) throw new IllegalArgumentException("not a scope: " + scope + " (user, workspace:PATH or environment:NAME)");
    }
}
