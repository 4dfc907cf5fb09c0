package ai.apprentice.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules of one {@code .gitignore} file, matched as git does: patterns without a slash match a name at
 * any depth, patterns with one are anchored to the file's directory, {@code **} spans directories, a
 * trailing slash matches only directories, {@code !} re-includes. The last matching rule wins.
 */
final class GitIgnore {
    private record Rule(Pattern regex, boolean negate, boolean dirOnly) {}

    private final List<Rule> rules;

    private GitIgnore(List<Rule> rules) {
        this.rules = rules;
    }

    static GitIgnore load(Path file) throws IOException {
        return parse(Files.readAllLines(file, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    static GitIgnore parse(List<String> lines) {
        var rules = new ArrayList<Rule>();
        for (var raw : lines) {
            var line = raw.stripTrailing();
            if (line.isEmpty() || line.startsWith("#")) continue;
            boolean negate = line.startsWith("!");
            if (negate) line = line.substring(1);
            if (line.startsWith("\\")) line = line.substring(1);
            boolean dirOnly = line.endsWith("/");
            if (dirOnly) line = line.substring(0, line.length() - 1);
            boolean anchored = line.contains("/");
            if (line.startsWith("/")) line = line.substring(1);
            if (line.isEmpty()) continue;
            String regex = (anchored ? "" : "(?:.*/)?") + toRegex(line) + "(?:/.*)?";
            rules.add(new Rule(Pattern.compile(regex), negate, dirOnly));
        }
        return new GitIgnore(rules);
    }

    /**
     * Whether {@code relative} (slash-separated, relative to this file's directory) is ignored: true, false,
     * or null when no rule speaks about it.
     */
    Boolean ignored(String relative, boolean isDirectory) {
        Boolean result = null;
        for (var r : rules) {
            if (r.dirOnly && !isDirectory) {
                // "build/" still ignores files under a directory named build
                if (!matchesParentDir(r, relative)) continue;
            } else if (!r.regex.matcher(relative).matches()) {
                continue;
            }
            result = !r.negate;
        }
        return result;
    }

    private static boolean matchesParentDir(Rule r, String relative) {
        int slash = relative.lastIndexOf('/');
        return slash > 0 && r.regex.matcher(relative.substring(0, slash)).matches();
    }

    private static String toRegex(String glob) {
        var sb = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    boolean slashAfter = i + 2 < glob.length() && glob.charAt(i + 2) == '/';
                    sb.append(slashAfter ? "(?:.*/)?" : ".*");
                    i += slashAfter ? 2 : 1;
                } else {
                    sb.append("[^/]*");
                }
            } else if (c == '?') {
                sb.append("[^/]");
            } else if (c == '[') {
                int end = glob.indexOf(']', i + 1);
                if (end < 0) {
                    sb.append("\\[");
                } else {
                    var cls = glob.substring(i + 1, end).replace("\\", "\\\\");
                    if (cls.startsWith("!")) cls = "^" + cls.substring(1);
                    sb.append('[').append(cls).append(']');
                    i = end;
                }
            } else if (c == '\\' && i + 1 < glob.length()) {
                sb.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
            } else {
                sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return sb.toString();
    }
}
