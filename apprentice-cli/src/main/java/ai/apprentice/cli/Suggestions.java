package ai.apprentice.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;

/**
 * "Did you mean" for mistyped commands and options: names within a small edit distance (a swap of two letters
 * counts as one edit, so 'rnu' is next to 'run'), or that begin with what was typed.
 */
final class Suggestions {
    private Suggestions() {}

    /** The closest names to {@code typed}, best first; empty when none is close. */
    static List<String> closest(String typed, Collection<String> names) {
        var t = typed.toLowerCase(Locale.ROOT);
        int limit = t.length() <= 3 ? 1 : 2;
        var scored = new ArrayList<java.util.Map.Entry<String, Integer>>();
        for (var name : names) {
            var n = name.toLowerCase(Locale.ROOT);
            int d = distance(t, n);
            if (d <= limit) scored.add(java.util.Map.entry(name, d));
            else if (t.length() >= 2 && n.startsWith(t)) scored.add(java.util.Map.entry(name, limit + 1));
        }
        scored.sort(Comparator.comparingInt(java.util.Map.Entry<String, Integer>::getValue).thenComparing(java.util.Map.Entry::getKey));
        return scored.stream().map(java.util.Map.Entry::getKey).distinct().limit(3).toList();
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** The names a command answers to: its subcommands (and their aliases), shown ones only. */
    static List<String> subcommands(CommandLine command) {
        return command.getSubcommands().entrySet().stream()
                .filter(e -> !e.getValue().getCommandSpec().usageMessage().hidden()).map(java.util.Map.Entry::getKey).toList();
    }

    static List<String> options(CommandLine command) {
        return command.getCommandSpec().options().stream().filter(o -> !o.hidden()).flatMap(o -> java.util.Arrays.stream(o.names())).toList();
    }

    /**
     * Parse errors: an unknown command or option gets one line naming it, the nearest names, and where to look; the
     * rest as picocli says them. Exit 2 either way.
     */
    static final class Handler implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) {
            var command = ex.getCommandLine();
            PrintWriter err = command.getErr();
            var path = command.getCommandSpec().qualifiedName();
            if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
                var typed = u.getUnmatched().get(0);
                boolean option = typed.startsWith("-");
                if (option || !command.getSubcommands().isEmpty()) {
                    var near = closest(option ? typed.replaceFirst("=.*", "") : typed, option ? options(command) : subcommands(command));
                    err.println("apprentice: unknown " + (option ? "option" : "command") + " '" + typed + "'"
                            + (option || path.equals("apprentice") ? "" : " for '" + path + "'")
                            + (near.isEmpty() ? "" : ". Did you mean " + String.join(" or ", near.stream().map(n -> "'" + n + "'").toList()) + "?"));
                    err.println("See '" + path + " --help'.");
                    err.flush();
                    return ExitCodes.USAGE;
                }
            }
            err.println("apprentice: " + ex.getMessage());
            err.println("See '" + path + " --help'.");
            err.flush();
            return ExitCodes.USAGE;
        }
    }
}
