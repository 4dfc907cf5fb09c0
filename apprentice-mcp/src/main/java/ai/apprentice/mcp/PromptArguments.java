package ai.apprentice.mcp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

/**
 * Completion values for a served prompt's one argument: the arguments line of a skill, completed word by word from
 * what the skill says about its arguments. Skills declare no enum of values; what they have is Claude Code's
 * {@code argument-hint}, a usage line such as {@code [file]}, {@code [pr-number] [priority]} or
 * {@code add [tag] | remove [tag] | list} (else the names of its {@code arguments} field). From it:
 * <ul>
 *   <li>a bare word of the usage ({@code add}, {@code list}) is offered as itself where it may stand;</li>
 *   <li>a placeholder listing choices ({@code [major|minor|patch]}) offers those choices;</li>
 *   <li>a placeholder that names a path ({@code [file]}, {@code <src-dir>}, {@code output_path}) offers the files and folders
 *       under the served root that start with what is typed (a folder with a trailing {@code /}; hidden ones only once a
 *       {@code .} is typed; nothing that resolves outside the root, through {@code ..} or a link);</li>
 *   <li>any other placeholder ({@code [issue-number]}) is free text, and gets nothing: there is nothing honest to offer.</li>
 * </ul>
 * A bare word in capitals ({@code FILE}) is a placeholder too. A hint with neither brackets nor {@code |} is prose, one
 * placeholder. Words are split as {@code SkillText.split} splits
 * them (spaces separate, quotes group); a value with a space or a quote is offered in single quotes.
 */
final class PromptArguments {
    private enum Kind { LITERAL, CHOICES, PATH, FREE }

    /** One position of a usage line; {@code repeats}: it takes every later word too ({@code [files...]}). */
    private record Slot(Kind kind, List<String> words, boolean repeats) {}

    /** What the completion offers: at most the limit of values, and how many there are in all. */
    record Values(List<String> values, int total) {
        static final Values NONE = new Values(List.of(), 0);
    }

    private static final Set<String> PATH_WORDS = Set.of("file", "files", "filename", "filenames", "filepath", "filepaths", "path", "paths",
            "dir", "dirs", "directory", "directories", "folder", "folders");
    static final PromptArguments NONE = new PromptArguments(List.of());

    private final List<List<Slot>> alternatives;

    private PromptArguments(List<List<Slot>> alternatives) {
        this.alternatives = alternatives;
    }

    /** From a skill's {@code argument-hint}, else from the names of its {@code arguments} field; neither: nothing to complete. */
    static PromptArguments of(String hint, List<String> names) {
        if (hint != null && !hint.isBlank()) return new PromptArguments(parse(hint.strip()));
        if (names != null && !names.isEmpty()) {
            return new PromptArguments(List.of(names.stream().map(n -> placeholder(n, false)).toList()));
        }
        return NONE;
    }

    private static List<List<Slot>> parse(String hint) {
        boolean grammar = hint.indexOf('[') >= 0 || hint.indexOf('<') >= 0 || hint.indexOf('|') >= 0;
        if (!grammar) return List.of(List.of(placeholder(hint, false)));
        var out = new ArrayList<List<Slot>>();
        for (var alternative : splitOutsideBrackets(hint, '|')) {
            var slots = new ArrayList<Slot>();
            for (var token : splitOutsideBrackets(alternative, ' ')) {
                if (token.isBlank()) continue;
                if (token.equals("...") || token.equals("…")) {
                    if (!slots.isEmpty()) {
                        var last = slots.removeLast();
                        slots.add(new Slot(last.kind(), last.words(), true));
                    }
                    continue;
                }
                char first = token.charAt(0);
                if (first == '[' || first == '<' || token.matches("[A-Z][A-Z0-9_-]*[A-Z0-9]")) { // [file], <file>, FILE
                    slots.add(placeholder(token, false));
                } else {
                    slots.add(new Slot(Kind.LITERAL, List.of(token), false));
                }
            }
            if (!slots.isEmpty()) out.add(List.copyOf(slots));
        }
        return List.copyOf(out);
    }

    /** {@code [name]}, {@code <name>}, {@code [a|b]}, {@code [names...]}, or a bare name. */
    private static Slot placeholder(String token, boolean repeats) {
        var inner = token.strip();
        while (inner.length() >= 2 && (inner.startsWith("[") && inner.endsWith("]") || inner.startsWith("<") && inner.endsWith(">"))) {
            inner = inner.substring(1, inner.length() - 1).strip();
        }
        if (inner.endsWith("...") || inner.endsWith("…")) {
            repeats = true;
            inner = inner.replaceAll("(\\.\\.\\.|…)$", "").strip();
        }
        if (inner.indexOf('|') >= 0) {
            var choices = new ArrayList<String>();
            for (var c : inner.split("\\|")) {
                var v = c.strip().replaceAll("^[\\[<'\"]+|[\\]>'\"]+$", "");
                if (!v.isEmpty() && !choices.contains(v)) choices.add(v);
            }
            return new Slot(Kind.CHOICES, List.copyOf(choices), repeats);
        }
        // Words of the name: separated by anything not a letter or digit, and at lower-to-upper case changes (srcDir).
        var words = inner.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT).split("[^a-z0-9]+");
        for (var w : words) {
            if (PATH_WORDS.contains(w)) return new Slot(Kind.PATH, List.of(), repeats);
        }
        return new Slot(Kind.FREE, List.of(), repeats);
    }

    /** Splits at {@code separator} (a space: any whitespace) where no bracket is open. */
    private static List<String> splitOutsideBrackets(String text, char separator) {
        var out = new ArrayList<String>();
        var current = new StringBuilder();
        int depth = 0;
        for (char c : text.toCharArray()) {
            if (c == '[' || c == '<' || c == '(') depth++;
            if ((c == ']' || c == '>' || c == ')') && depth > 0) depth--;
            boolean split = depth == 0 && (separator == ' ' ? Character.isWhitespace(c) : c == separator);
            if (split) {
                out.add(current.toString().strip());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        out.add(current.toString().strip());
        return out;
    }

    /** The words typed so far (unquoted), the word being typed (unquoted) and where it starts in the typed text. */
    private record Typed(List<String> done, String current, int currentStart) {}

    private static Typed split(String typed) {
        var done = new ArrayList<String>();
        var current = new StringBuilder();
        boolean any = false;
        int start = 0;
        char quote = 0;
        for (int i = 0; i < typed.length(); i++) {
            char c = typed.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else current.append(c);
            } else if (c == '\'' || c == '"') {
                if (!any && current.isEmpty()) start = i;
                quote = c;
                any = true;
            } else if (Character.isWhitespace(c)) {
                if (any || !current.isEmpty()) done.add(current.toString());
                current.setLength(0);
                any = false;
                start = i + 1;
            } else {
                if (!any && current.isEmpty()) start = i;
                current.append(c);
            }
        }
        return new Typed(done, current.toString(), Math.min(start, typed.length()));
    }

    /** The slot of word {@code i} in an alternative, or null when it has none there. */
    private static Slot at(List<Slot> slots, int i) {
        if (i < slots.size()) return slots.get(i);
        var last = slots.getLast();
        return last.repeats() ? last : null;
    }

    /**
     * The values for {@code typed} (the argument's value so far): each is the whole value, what is typed with its last word
     * completed, so each starts with the words before it; at most {@code limit}, in the usage's order, paths sorted.
     */
    Values complete(String typed, WorkspaceRoot root, int limit) {
        if (alternatives.isEmpty()) return Values.NONE;
        var t = split(typed == null ? "" : typed);
        int i = t.done().size();
        var candidates = new LinkedHashSet<String>();
        boolean paths = false;
        for (var slots : alternatives) {
            if (!fits(slots, t.done())) continue;
            var slot = at(slots, i);
            if (slot == null) continue;
            switch (slot.kind()) {
                case LITERAL, CHOICES -> slot.words().stream().filter(w -> w.startsWith(t.current())).forEach(candidates::add);
                case PATH -> paths = true;
                case FREE -> { }
            }
        }
        var found = new ArrayList<>(candidates);
        if (paths) {
            for (var p : paths(t.current(), root)) if (!candidates.contains(p)) found.add(p);
        }
        var before = (typed == null ? "" : typed).substring(0, t.currentStart());
        var values = found.stream().limit(limit).map(v -> before + written(v)).toList();
        return new Values(values, found.size());
    }

    /** Whether the words already typed fit an alternative: its bare words and choices as they are, any word for the rest. */
    private static boolean fits(List<Slot> slots, List<String> done) {
        for (int j = 0; j < done.size(); j++) {
            var slot = at(slots, j);
            if (slot == null) return false;
            if ((slot.kind() == Kind.LITERAL || slot.kind() == Kind.CHOICES) && !slot.words().contains(done.get(j))) return false;
        }
        return true;
    }

    /** As typed: a value with a space or a quote in single quotes (a single quote itself in double quotes), else as it is. */
    static String written(String value) {
        for (char c : value.toCharArray()) {
            if (Character.isWhitespace(c) || c == '\'' || c == '"') return "'" + value.replace("'", "'\"'\"'") + "'";
        }
        return value;
    }

    /**
     * The files and folders under {@code root} whose path (relative to it) starts with {@code typed}, sorted; folders end
     * with {@code /}. Nothing for an absolute path or one that leaves the root, and nothing a link takes outside it.
     */
    private static List<String> paths(String typed, WorkspaceRoot root) {
        if (typed.startsWith("/") || typed.startsWith("~") || typed.startsWith("\\")) return List.of();
        int slash = typed.lastIndexOf('/');
        var folder = typed.substring(0, slash + 1);
        var name = typed.substring(slash + 1);
        var base = root.path();
        Path dir;
        try {
            dir = base.resolve(folder).normalize();
            if (!dir.startsWith(base) || !Files.isDirectory(dir) || !dir.toRealPath().startsWith(base)) return List.of();
        } catch (IOException | java.nio.file.InvalidPathException e) {
            return List.of();
        }
        var sorted = new TreeMap<String, String>();
        try (var entries = Files.newDirectoryStream(dir)) {
            for (var entry : entries) {
                var n = entry.getFileName().toString();
                if (!n.startsWith(name) || (n.startsWith(".") && !name.startsWith("."))) continue;
                if (Files.isSymbolicLink(entry) && !(Files.exists(entry) && entry.toRealPath().startsWith(base))) continue;
                sorted.put(n, folder + n + (Files.isDirectory(entry) ? "/" : ""));
            }
        } catch (IOException | RuntimeException e) {
            return List.of(); // an unreadable folder offers nothing
        }
        return List.copyOf(sorted.values());
    }
}
