package ai.apprentice.tools;

import ai.apprentice.json.Json;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.Tools;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.PatchFailedException;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The workspace file tools: {@code read_file}, {@code write_file}, {@code edit_file}, {@code list_files}
 * and {@code search_files}. Their names and argument names are a public contract (skills refer to them).
 */
public final class FileTools {
    static final int DEFAULT_READ_LINES = 2000;
    static final int MAX_LINE_CHARS = 2000;
    static final int MAX_LIST = 1000;
    static final int MAX_MATCHES = 500;

    private final Workspace workspace;

    public FileTools(Workspace workspace) {
        this.workspace = workspace;
    }

    public List<Tool> all() {
        return List.of(readFile(), writeFile(), editFile(), listFiles(), searchFiles());
    }

    private static JsonNode schema(String json) {
        return Json.tree(json);
    }

    public Tool readFile() {
        return Tools.builder("read_file")
                .description("Read a text file of the workspace with numbered lines. Long files are shown in windows: "
                        + "offset is the first line (1-based), limit the number of lines (default 2000).")
                .schema(schema("""
                        {"type":"object","properties":{
                          "path":{"type":"string","description":"file path, relative to the workspace"},
                          "offset":{"type":"integer","minimum":1,"description":"first line to show (1-based)"},
                          "limit":{"type":"integer","minimum":1,"description":"how many lines to show"}},
                         "required":["path"],"additionalProperties":false}"""))
                .execute((args, ctx) -> read(args.get("path").asText(), args.path("offset").asInt(1),
                        args.path("limit").asInt(DEFAULT_READ_LINES)));
    }

    String read(String given, int offset, int limit) throws ToolException, IOException {
        Path file = existingFile(given, false);
        byte[] bytes = Files.readAllBytes(file);
        if (TextFiles.isBinary(bytes, bytes.length)) {
            return "'" + given + "' is a binary file (" + bytes.length + " bytes); it is not shown as text.";
        }
        var lines = TextFiles.decode(bytes).split("\r?\n", -1);
        int total = lines.length > 0 && lines[lines.length - 1].isEmpty() ? lines.length - 1 : lines.length;
        if (total == 0) return "'" + given + "' is empty.";
        if (offset > total) {
            throw new ToolException("offset " + offset + " is past the end of '" + given + "', which has " + total + " lines");
        }
        int end = Math.min(total, offset - 1 + limit);
        var sb = new StringBuilder();
        for (int i = offset - 1; i < end; i++) {
            var line = lines[i];
            if (line.length() > MAX_LINE_CHARS) line = line.substring(0, MAX_LINE_CHARS) + " [line cut at " + MAX_LINE_CHARS + " characters]";
            sb.append(String.format("%6d\t%s%n", i + 1, line));
        }
        if (offset > 1 || end < total) {
            sb.append("[lines ").append(offset).append('-').append(end).append(" of ").append(total);
            sb.append(end < total ? "; read on with offset=" + (end + 1) + "]" : "]");
        }
        return sb.toString();
    }

    public Tool writeFile() {
        return Tools.builder("write_file")
                .description("Create a file or overwrite it with the given content. Parent directories are created.")
                .schema(schema("""
                        {"type":"object","properties":{
                          "path":{"type":"string","description":"file path, relative to the workspace"},
                          "content":{"type":"string","description":"the complete new content"}},
                         "required":["path","content"],"additionalProperties":false}"""))
                .sequential()
                .execute((args, ctx) -> {
                    Path file = workspace.resolve(args.get("path").asText());
                    if (Files.isDirectory(file)) throw new ToolException("'" + args.get("path").asText() + "' is a directory");
                    boolean existed = Files.exists(file);
                    String content = args.get("content").asText();
                    AtomicFiles.write(file, content);
                    return (existed ? "Overwrote " : "Created ") + workspace.display(file) + " ("
                            + content.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + " bytes, "
                            + content.lines().count() + " lines)";
                });
    }

    public Tool editFile() {
        return Tools.builder("edit_file")
                .description("Edit a file: replace old_string with new_string (old_string must match exactly once "
                        + "unless replace_all is true), or apply a unified diff given as patch. Returns the changed region.")
                .schema(schema("""
                        {"type":"object","properties":{
                          "path":{"type":"string","description":"file path, relative to the workspace"},
                          "old_string":{"type":"string","description":"exact text to replace"},
                          "new_string":{"type":"string","description":"replacement text"},
                          "replace_all":{"type":"boolean","description":"replace every occurrence"},
                          "patch":{"type":"string","description":"a unified diff to apply instead of old_string/new_string"}},
                         "required":["path"],"additionalProperties":false}"""))
                .sequential()
                .execute((args, ctx) -> {
                    String given = args.get("path").asText();
                    if (args.has("patch")) {
                        if (args.has("old_string") || args.has("new_string")) {
                            throw new ToolException("give either patch, or old_string and new_string, not both");
                        }
                        return applyPatch(given, args.get("patch").asText());
                    }
                    if (!args.has("old_string") || !args.has("new_string")) {
                        throw new ToolException("give old_string and new_string (or a unified diff as patch)");
                    }
                    return replace(given, args.get("old_string").asText(), args.get("new_string").asText(),
                            args.path("replace_all").asBoolean(false));
                });
    }

    String replace(String given, String oldString, String newString, boolean all) throws ToolException, IOException {
        Path file = existingFile(given, true);
        String text = Files.readString(file);
        if (oldString.isEmpty()) throw new ToolException("old_string is empty; to create a file use write_file");
        if (oldString.equals(newString)) throw new ToolException("old_string and new_string are the same; nothing to change");
        var starts = new ArrayList<Integer>();
        for (int i = text.indexOf(oldString); i >= 0; i = text.indexOf(oldString, i + oldString.length())) starts.add(i);
        if (starts.isEmpty()) {
            throw new ToolException("old_string was not found in '" + given + "'. It must match exactly, including "
                    + "whitespace and indentation; read the file again to copy the current text.");
        }
        if (starts.size() > 1 && !all) {
            var lines = starts.stream().map(s -> String.valueOf(lineOf(text, s))).toList();
            throw new ToolException("old_string matches " + starts.size() + " times in '" + given + "' (lines "
                    + String.join(", ", lines) + "). Include more surrounding text to make it unique, or set replace_all.");
        }
        String updated = all ? text.replace(oldString, newString) : text.substring(0, starts.getFirst()) + newString
                + text.substring(starts.getFirst() + oldString.length());
        AtomicFiles.write(file, updated);
        int firstLine = lineOf(updated, starts.getFirst());
        int lastLine = firstLine + (int) newString.lines().count() - 1;
        return "Edited " + workspace.display(file) + (starts.size() > 1 ? " (" + starts.size() + " replacements)" : "")
                + ":\n" + excerpt(updated, firstLine, Math.max(firstLine, lastLine));
    }

    String applyPatch(String given, String patchText) throws ToolException, IOException {
        Path file = existingFile(given, true);
        var original = Files.readString(file);
        var originalLines = List.of(original.split("\n", -1));
        var patch = UnifiedDiffUtils.parseUnifiedDiff(List.of(patchText.split("\n", -1)));
        if (patch.getDeltas().isEmpty()) throw new ToolException("the patch has no hunks (expected lines starting with @@)");
        List<String> result;
        try {
            result = patch.applyTo(new ArrayList<>(originalLines));
        } catch (PatchFailedException e) {
            throw new ToolException("the patch does not apply to '" + given + "': " + e.getMessage()
                    + ". Read the file again and make the context lines match it exactly.");
        }
        var updated = String.join("\n", result);
        AtomicFiles.write(file, updated);
        int first = patch.getDeltas().getFirst().getTarget().getPosition() + 1;
        var last = patch.getDeltas().getLast().getTarget();
        return "Patched " + workspace.display(file) + " (" + patch.getDeltas().size() + " hunks):\n"
                + excerpt(updated, first, last.getPosition() + Math.max(1, last.size()));
    }

    public Tool listFiles() {
        return Tools.builder("list_files")
                .description("List workspace files matching a glob (e.g. **/*.java, src/*.md), sorted, with .gitignore respected.")
                .schema(schema("""
                        {"type":"object","properties":{
                          "pattern":{"type":"string","description":"glob, matched against paths relative to path"},
                          "path":{"type":"string","description":"directory to search in (default: the workspace)"}},
                         "required":["pattern"],"additionalProperties":false}"""))
                .execute((args, ctx) -> list(args.get("pattern").asText(), args.path("path").asText(".")));
    }

    String list(String pattern, String dir) throws ToolException, IOException {
        Path start = existingDir(dir);
        java.nio.file.PathMatcher matcher;
        try {
            matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        } catch (IllegalArgumentException e) {
            throw new ToolException("bad glob '" + pattern + "': " + e.getMessage());
        }
        // "**/*.java" should also match files at the top level, as in most tools.
        var topLevel = pattern.startsWith("**/") ? FileSystems.getDefault().getPathMatcher("glob:" + pattern.substring(3)) : null;
        var matches = FileWalker.files(workspace.root(), start).stream().filter(workspace::readable)
                .filter(f -> {
                    var rel = start.relativize(f);
                    return matcher.matches(rel) || (topLevel != null && topLevel.matches(rel));
                })
                .map(workspace::display).sorted().toList();
        if (matches.isEmpty()) return "No files match '" + pattern + "' in " + workspace.display(start) + ".";
        var shown = matches.subList(0, Math.min(MAX_LIST, matches.size()));
        var out = String.join("\n", shown);
        return matches.size() > MAX_LIST ? out + "\n[" + (matches.size() - MAX_LIST) + " more files; narrow the pattern]" : out;
    }

    public Tool searchFiles() {
        return Tools.builder("search_files")
                .description("Search file contents with a regular expression (Java syntax). Returns file:line: text, "
                        + "sorted by file and line, with .gitignore respected and binary files skipped.")
                .schema(schema("""
                        {"type":"object","properties":{
                          "pattern":{"type":"string","description":"regular expression"},
                          "path":{"type":"string","description":"directory or file to search (default: the workspace)"},
                          "glob":{"type":"string","description":"only files whose path matches this glob, e.g. *.java"}},
                         "required":["pattern"],"additionalProperties":false}"""))
                .execute((args, ctx) -> search(args.get("pattern").asText(), args.path("path").asText("."),
                        args.has("glob") ? args.get("glob").asText() : null));
    }

    String search(String regex, String dir, String glob) throws ToolException, IOException {
        Pattern pattern;
        try {
            pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new ToolException("bad regular expression: " + e.getDescription() + " near index " + e.getIndex()
                    + " in '" + regex + "'");
        }
        Path start = workspace.resolveForRead(dir);
        if (!Files.exists(start)) throw new ToolException("'" + dir + "' does not exist");
        var files = Files.isDirectory(start) ? FileWalker.files(workspace.root(), start) : List.of(start);
        var matcher = glob == null ? null : globMatcher(glob);
        var result = new Searcher(Pattern.compile(regex, Pattern.MULTILINE), MAX_MATCHES).search(files.stream().filter(workspace::readable)
                .filter(f -> matcher == null || matcher.matches(f.getFileName()) || matcher.matches(start.relativize(f)))
                .toList());
        if (result.matches().isEmpty()) return "No matches for /" + regex + "/ in " + workspace.display(start) + ".";
        var sb = new StringBuilder();
        result.matches().stream().sorted(Comparator.comparing(Searcher.Match::file).thenComparingInt(Searcher.Match::line))
                .limit(MAX_MATCHES)
                .forEach(m -> sb.append(workspace.display(m.file())).append(':').append(m.line()).append(": ")
                        .append(m.text()).append('\n'));
        if (result.total() > MAX_MATCHES) {
            sb.append("[showing ").append(MAX_MATCHES).append(" of ").append(result.total()).append(" matches; narrow the search]\n");
        }
        return sb.toString();
    }

    private static java.nio.file.PathMatcher globMatcher(String glob) throws ToolException {
        try {
            return FileSystems.getDefault().getPathMatcher("glob:" + glob);
        } catch (IllegalArgumentException e) {
            throw new ToolException("bad glob '" + glob + "': " + e.getMessage());
        }
    }

    private Path existingFile(String given, boolean forWrite) throws ToolException {
        Path file = forWrite ? workspace.resolve(given) : workspace.resolveForRead(given);
        if (!Files.exists(file)) throw new ToolException("'" + given + "' does not exist" + suggestion(file));
        if (Files.isDirectory(file)) throw new ToolException("'" + given + "' is a directory; use list_files to see its files");
        return file;
    }

    private Path existingDir(String given) throws ToolException {
        Path dir = workspace.resolveForRead(given);
        if (!Files.isDirectory(dir)) throw new ToolException("'" + given + "' is not a directory");
        return dir;
    }

    /** Names files in the same directory that look alike, for a missing path. */
    private String suggestion(Path missing) {
        var parent = missing.getParent();
        if (parent == null || !Files.isDirectory(parent)) return "";
        String name = missing.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        try (var s = Files.list(parent)) {
            var similar = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.toLowerCase(java.util.Locale.ROOT).contains(stem(name)) || stem(n.toLowerCase(java.util.Locale.ROOT)).equals(stem(name)))
                    .sorted().limit(5).toList();
            return similar.isEmpty() ? "" : " (similar: " + String.join(", ", similar) + ")";
        } catch (IOException e) {
            return "";
        }
    }

    private static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static int lineOf(String text, int index) {
        int line = 1;
        for (int i = 0; i < index && i < text.length(); i++) if (text.charAt(i) == '\n') line++;
        return line;
    }

    /** Lines first..last of the text, numbered, with two lines of context either side. */
    private static String excerpt(String text, int first, int last) {
        var lines = text.split("\n", -1);
        int from = Math.max(1, first - 2);
        int to = Math.min(lines.length, last + 2);
        var sb = new StringBuilder();
        for (int i = from; i <= to; i++) sb.append(String.format("%6d\t%s%n", i, lines[i - 1]));
        return sb.toString();
    }
}
