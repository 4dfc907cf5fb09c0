package ai.apprentice.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code @path} in a REPL line attaches that workspace file to the task, as Claude Code's {@code @} mentions do: the
 * line stays as typed, and each file follows it inside {@code <file path="...">}. Only files inside the workspace
 * (symbolic links resolved) and of at most {@link #MAX_BYTES} of UTF-8 text; {@code \@} keeps an {@code @} as text.
 */
final class Mentions {
    /** Per file: larger ones are for read_file, which pages through them. */
    static final int MAX_BYTES = 100_000;
    /** An @ at the start of a word (not inside an address like a@b.c), up to the next whitespace. */
    private static final Pattern MENTION = Pattern.compile("(?<![\\w@\\\\])@([^\\s@]+)");
    private static final String TRAILING = ".,;:!?)]}'\"";

    /** The task to send, and the files attached (workspace-relative, as mentioned). */
    record Attached(String task, List<String> files) { }

    /** Why a line was not sent: which mention, and what is wrong with it. */
    static final class MentionException extends Exception {
        MentionException(String message) {
            super(message);
        }
    }

    private Mentions() { }

    static Attached attach(String line, Path workspace) throws MentionException {
        Path root;
        try {
            root = workspace.toRealPath();
        } catch (IOException e) {
            throw new MentionException("the workspace " + workspace + " cannot be read: " + e.getMessage());
        }
        Map<String, String> files = new LinkedHashMap<>();
        Matcher m = MENTION.matcher(line);
        while (m.find()) {
            var name = m.group(1);
            var file = resolve(root, name);
            if (file == null) {
                var stripped = stripTrailing(name);
                if (!stripped.equals(name)) file = resolve(root, stripped);
                if (file != null) name = stripped;
            }
            if (file == null) {
                // @Override, @team, @v2: a word that does not look like a path is text; a missing path is most likely a typo
                if (!name.contains("/") && !name.contains(".")) continue;
                throw new MentionException("@" + name + ": no such file in " + root + " (nothing was sent; write \\@ for an @ that names no file)");
            }
            files.putIfAbsent(root.relativize(file).toString(), read(file, name));
        }
        var task = new StringBuilder(line.replace("\\@", "@"));
        files.forEach((path, content) -> task.append("\n\n<file path=\"").append(path).append("\">\n").append(content)
                .append(content.endsWith("\n") ? "" : "\n").append("</file>"));
        return new Attached(task.toString(), List.copyOf(files.keySet()));
    }

    /** The file {@code name} names under {@code root}, real path; null when there is none. Outside the root is an error. */
    private static Path resolve(Path root, String name) throws MentionException {
        var candidate = root.resolve(name).normalize();
        if (!Files.exists(candidate)) return null;
        Path real;
        try {
            real = candidate.toRealPath();
        } catch (IOException e) {
            return null;
        }
        if (!real.startsWith(root)) throw new MentionException("@" + name + ": outside the workspace " + root + "; only its files can be attached");
        if (Files.isDirectory(real)) throw new MentionException("@" + name + ": a folder; mention the files in it (Tab lists them)");
        return real;
    }

    private static String stripTrailing(String name) {
        int end = name.length();
        while (end > 0 && TRAILING.indexOf(name.charAt(end - 1)) >= 0) end--;
        return name.substring(0, end);
    }

    private static String read(Path file, String name) throws MentionException {
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new MentionException(String.format(java.util.Locale.ROOT, "@%s: %,d bytes, more than the %,d that can be attached; ask the agent to read it instead",
                        name, size, MAX_BYTES));
            }
            var bytes = Files.readAllBytes(file);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new MentionException("@" + name + ": not UTF-8 text; only text files can be attached");
        } catch (IOException e) {
            throw new MentionException("@" + name + ": cannot be read: " + e.getMessage());
        }
    }

    /** Workspace paths that complete {@code typed} (what follows the @): files, and folders with a trailing slash. */
    static List<String> complete(Path workspace, String typed) {
        int slash = typed.lastIndexOf('/');
        var dirPart = slash >= 0 ? typed.substring(0, slash + 1) : "";
        var prefix = typed.substring(slash + 1);
        var out = new ArrayList<String>();
        try {
            var root = workspace.toRealPath();
            var dir = root.resolve(dirPart).normalize();
            if (!dir.toRealPath().startsWith(root) || !Files.isDirectory(dir)) return out;
            try (var entries = Files.list(dir)) {
                entries.filter(p -> p.getFileName().toString().startsWith(prefix))
                        .filter(p -> !p.getFileName().toString().startsWith(".") || prefix.startsWith("."))
                        .sorted()
                        .limit(200)
                        .forEach(p -> out.add(dirPart + p.getFileName() + (Files.isDirectory(p) ? "/" : "")));
            }
        } catch (IOException | RuntimeException e) {
            return out; // nothing to offer: completion never interrupts typing
        }
        return out;
    }
}
