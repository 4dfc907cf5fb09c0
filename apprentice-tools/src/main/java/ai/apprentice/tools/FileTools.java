package ai.apprentice.tools;

import ai.apprentice.json.Json;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.Tools;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.PatchFailedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
    /** read_file reads no further into a file than this (a window far down a huge file needs another tool). */
    static final long MAX_READ_BYTES = 64L * 1024 * 1024;
    /** read_file shows about this many characters at most, whatever the limit. */
    static final int MAX_READ_CHARS = 200_000;
    /** edit_file loads the whole file, so it only edits files up to this size. */
    static final long MAX_EDIT_BYTES = 16L * 1024 * 1024;

    private final Workspace workspace;
    /** How long one search_files call may take; settable for tests. */
    long searchTimeoutNanos = Searcher.DEFAULT_TIMEOUT_NANOS;

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
                .effect(Tool.Effect.READ_ONLY)
                .execute((args, ctx) -> read(args.get("path").asText(), args.path("offset").asInt(1),
                        args.path("limit").asInt(DEFAULT_READ_LINES)));
    }

    String read(String given, int offset, int limit) throws ToolException, IOException {
        Path file = workspace.resolveForRead(given);
        try (var h = workspace.open(file, given, Workspace.Access.READ)) {
            long size = requireRegular(given, file, h);
            try (var in = java.nio.channels.Channels.newInputStream(h.openRead())) {
                return window(given, size, new TextFiles.Lines(in, MAX_LINE_CHARS, MAX_READ_BYTES), offset, limit);
            }
        }
    }

    /**
     * Lines offset..offset+limit-1 of the file, streamed: at most {@link #MAX_READ_BYTES} are read (lines
     * are counted that far) and at most {@link #MAX_READ_CHARS} characters shown, so a huge file costs no more
     * than a small one. Arithmetic is in longs, so no offset or limit can overflow.
     */
    private static String window(String given, long size, TextFiles.Lines lines, int offset, int limit) throws ToolException, IOException {
        if (lines.binary()) return "'" + given + "' is a binary file (" + size + " bytes); it is not shown as text.";
        long first = Math.max(1, offset);
        long last = first - 1 + Math.max(1, limit);
        var sb = new StringBuilder();
        long shownTo = 0;
        long n = 0;
        for (String line; (line = lines.next()) != null; ) {
            n++;
            if (n < first || n > last) continue;
            if (sb.length() > MAX_READ_CHARS) {
                last = n - 1; // enough for one observation; the model reads on from here
                continue;
            }
            if (lines.lastCut()) line += " [line cut at " + MAX_LINE_CHARS + " characters]";
            sb.append(String.format("%6d\t%s%n", n, line));
            shownTo = n;
        }
        String total = (lines.stopped() ? "at least " : "") + n;
        if (n == 0 && !lines.stopped()) return "'" + given + "' is empty.";
        if (first > n) {
            throw new ToolException("offset " + first + " is past the end of '" + given + "', which has " + total + " lines");
        }
        if (first > 1 || shownTo < n || lines.stopped()) {
            sb.append("[lines ").append(first).append('-').append(shownTo).append(" of ").append(total);
            sb.append(shownTo < n ? "; read on with offset=" + (shownTo + 1) + "]" : "]");
        }
        if (lines.stopped()) {
            sb.append("\n[the file has ").append(size).append(" bytes; only its first ").append(MAX_READ_BYTES / (1024 * 1024))
                    .append(" MiB are read, so lines past that are not shown; use search_files or run_shell to look further]");
        }
        return sb.toString();
    }

    /** The file's size; refuses what is missing, a directory, or not a regular file (a FIFO would block the read). */
    private long requireRegular(String given, Path file, Workspace.Handle h) throws ToolException, IOException {
        var attrs = h.attributes();
        if (attrs == null) throw new ToolException("'" + given + "' does not exist" + suggestion(file));
        if (attrs.isDirectory()) throw new ToolException("'" + given + "' is a directory; use list_files to see its files");
        if (!attrs.isRegularFile()) {
            throw new ToolException("'" + given + "' is not a regular file (a FIFO, device or socket); the file tools only read regular files");
        }
        return attrs.size();
    }

    public Tool writeFile() {
        return Tools.builder("write_file")
                .description("Create a file or overwrite it with the given content. Parent directories are created.")
                .schema(schema("""
                        {"type":"object","properties":{
                          "path":{"type":"string","description":"file path, relative to the workspace"},
                          "content":{"type":"string","description":"the complete new content"}},
                         "required":["path","content"],"additionalProperties":false}"""))
                .effect(Tool.Effect.IDEMPOTENT) // the same content again changes nothing (see write)
                .sequential()
                .execute((args, ctx) -> write(args.get("path").asText(), args.get("content").asText()));
    }

    String write(String given, String content) throws ToolException, IOException {
        Path file = workspace.resolve(given);
        try (var h = workspace.open(file, given, Workspace.Access.CREATE)) {
            var attrs = h.attributes();
            if (attrs != null && attrs.isDirectory()) throw new ToolException("'" + given + "' is a directory");
            if (attrs != null && !attrs.isRegularFile()) throw new ToolException("'" + given + "' is not a regular file");
            var bytes = content.getBytes(StandardCharsets.UTF_8);
            // The same content again is left as it is (no new inode, no new mtime): a write repeated after a crash is a no-op.
            if (attrs != null && attrs.size() == bytes.length && sameContent(h, bytes)) {
                return "Unchanged " + workspace.display(file) + " (it already has this content: " + bytes.length + " bytes, "
                        + content.lines().count() + " lines)";
            }
            h.write(bytes);
            return (attrs != null ? "Overwrote " : "Created ") + workspace.display(file) + " (" + bytes.length + " bytes, "
                    + content.lines().count() + " lines)";
        }
    }

    private static boolean sameContent(Workspace.Handle h, byte[] bytes) throws IOException {
        try (var in = java.nio.channels.Channels.newInputStream(h.openRead())) {
            return java.util.Arrays.equals(in.readNBytes(bytes.length + 1), bytes);
        }
    }

    /** An edit's new text, and what the model is told. */
    private record Edited(String text, String report) {}

    private interface Edit {
        Edited apply(String text) throws ToolException;
    }

    /** Reads a file for editing and writes the result back to the same directory entry it was read from. */
    private String edit(String given, Edit edit) throws ToolException, IOException {
        Path file = workspace.resolve(given);
        try (var h = workspace.open(file, given, Workspace.Access.WRITE)) {
            long size = requireRegular(given, file, h);
            if (size > MAX_EDIT_BYTES) {
                throw new ToolException("'" + given + "' has " + size + " bytes; edit_file edits files up to "
                        + MAX_EDIT_BYTES / (1024 * 1024) + " MiB (use run_shell for bigger ones)");
            }
            byte[] bytes;
            try (var in = java.nio.channels.Channels.newInputStream(h.openRead())) {
                bytes = in.readNBytes((int) MAX_EDIT_BYTES + 1);
            }
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new ToolException("'" + given + "' is not UTF-8 text; edit_file does not change it");
            }
            var edited = edit.apply(text);
            h.write(edited.text().getBytes(StandardCharsets.UTF_8));
            return edited.report();
        }
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
        return edit(given, text -> replaced(given, text, oldString, newString, all));
    }

    private Edited replaced(String given, String text, String oldString, String newString, boolean all) throws ToolException {
        Path file = workspace.resolve(given);
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
        int firstLine = lineOf(updated, starts.getFirst());
        int lastLine = firstLine + (int) newString.lines().count() - 1;
        return new Edited(updated, "Edited " + workspace.display(file) + (starts.size() > 1 ? " (" + starts.size() + " replacements)" : "")
                + ":\n" + excerpt(updated, firstLine, Math.max(firstLine, lastLine)));
    }

    String applyPatch(String given, String patchText) throws ToolException, IOException {
        return edit(given, text -> patched(given, text, patchText));
    }

    private Edited patched(String given, String original, String patchText) throws ToolException {
        Path file = workspace.resolve(given);
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
        int first = patch.getDeltas().getFirst().getTarget().getPosition() + 1;
        var last = patch.getDeltas().getLast().getTarget();
        return new Edited(updated, "Patched " + workspace.display(file) + " (" + patch.getDeltas().size() + " hunks):\n"
                + excerpt(updated, first, last.getPosition() + Math.max(1, last.size())));
    }

    public Tool listFiles() {
        return Tools.builder("list_files")
                .description("List workspace files matching a glob (e.g. **/*.java, src/*.md), sorted, with .gitignore respected.")
                .schema(schema("""
                        {"type":"object","properties":{
                          "pattern":{"type":"string","description":"glob, matched against paths relative to path"},
                          "path":{"type":"string","description":"directory to search in (default: the workspace)"}},
                         "required":["pattern"],"additionalProperties":false}"""))
                .effect(Tool.Effect.READ_ONLY)
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
        var out = String.join("\n", shown) + undecodable(shown);
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
                .effect(Tool.Effect.READ_ONLY)
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
        Searcher.Result result;
        try (var dirs = new Workspace.Directories()) { // each directory opened once for the whole search
            result = new Searcher(Pattern.compile(regex, Pattern.MULTILINE), MAX_MATCHES, f -> openForSearch(f, dirs), searchTimeoutNanos)
                    .search(files.stream().filter(workspace::readable)
                            .filter(f -> matcher == null || matcher.matches(f.getFileName()) || matcher.matches(start.relativize(f)))
                            .toList());
        }
        var notices = new StringBuilder();
        for (var n : result.notices()) notices.append('[').append(n).append("]\n");
        if (result.matches().isEmpty()) return "No matches for /" + regex + "/ in " + workspace.display(start) + ".\n" + notices;
        var sb = new StringBuilder();
        result.matches().stream().sorted(Comparator.comparing(Searcher.Match::file).thenComparingInt(Searcher.Match::line))
                .limit(MAX_MATCHES)
                .forEach(m -> sb.append(workspace.display(m.file())).append(':').append(m.line()).append(": ")
                        .append(m.text()).append('\n'));
        if (result.total() > MAX_MATCHES) {
            sb.append("[showing ").append(MAX_MATCHES).append(" of ").append(result.total()).append(" matches; narrow the search]\n");
        }
        return sb.append(notices).append(undecodable(result.matches().stream().map(m -> workspace.display(m.file())).toList())).toString();
    }

    /**
     * A notice when names were shown with U+FFFD: this process decodes file names with {@code sun.jnu.encoding}
     * (from the locale), and under an ASCII locale (LANG unset) non-ASCII bytes cannot be shown or given back.
     */
    static String undecodable(List<String> names) {
        if (names.stream().noneMatch(n -> n.indexOf('\uFFFD') >= 0)) return "";
        return "\n[names with \uFFFD could not be decoded: this process reads file names as "
                + System.getProperty("sun.jnu.encoding") + "; start it with a UTF-8 locale (e.g. LANG=C.UTF-8) to use them]";
    }

    /** A file to search, opened as read_file opens it; null (skipped) when it is not a regular file. */
    private java.io.InputStream openForSearch(Path file, Workspace.Directories dirs) throws IOException {
        Workspace.Handle h;
        try {
            h = workspace.open(file, workspace.display(file), Workspace.Access.READ, dirs);
        } catch (ToolException e) {
            return null;
        }
        try {
            var attrs = h.attributes();
            if (attrs == null || !attrs.isRegularFile()) {
                h.close();
                return null;
            }
            var in = java.nio.channels.Channels.newInputStream(h.openRead());
            return new java.io.FilterInputStream(in) {
                @Override
                public void close() throws IOException {
                    try (h) {
                        super.close();
                    }
                }
            };
        } catch (IOException | RuntimeException e) {
            h.close();
            throw e;
        }
    }

    private static java.nio.file.PathMatcher globMatcher(String glob) throws ToolException {
        try {
            return FileSystems.getDefault().getPathMatcher("glob:" + glob);
        } catch (IllegalArgumentException e) {
            throw new ToolException("bad glob '" + glob + "': " + e.getMessage());
        }
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
