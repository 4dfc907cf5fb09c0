package ai.apprentice.envs.repo;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One injected bug: a marked line of a template changed by one mutation operator. The operators are the
 * classic ones of mutation testing: a comparison moved by one, a constant off by one, an arithmetic or logical
 * operator swapped, an equality inverted, a boolean literal flipped, a null check removed.
 */
record Mutant(RepoTemplate template, String file, int line, Kind kind, String function, String original, String mutated) {

    enum Kind {
        BOUNDARY("off-by-one comparison"), CONSTANT("off-by-one constant"), ARITHMETIC("wrong arithmetic operator"),
        EQUALITY("inverted equality"), LOGIC("wrong logical operator"), BOOLEAN("inverted boolean"), GUARD("missing null check");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private static final Pattern COMPARISON = Pattern.compile("(?<![<>=!-])(<=|>=|<|>)(?![<>=])");
    private static final Pattern INTEGER = Pattern.compile("(?<![\\w.])(\\d+)(?![\\w.])");
    private static final Pattern ARITH = Pattern.compile(" ([+-]) ");
    private static final Pattern EQUALS = Pattern.compile("(==|!=)");
    private static final Pattern LOGICAL = Pattern.compile("( and | or |&&|\\|\\|)");
    private static final Pattern BOOL = Pattern.compile("\\b(True|False|true|false)\\b");

    /** A short id, stable across runs: template, file, line, operator. */
    String id() {
        return template.name() + ":" + file + ":" + line + ":" + kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Every mutant of every template, in a fixed order. */
    static List<Mutant> all() {
        var out = new ArrayList<Mutant>();
        for (var t : RepoTemplate.ALL) out.addAll(of(t));
        return List.copyOf(out);
    }

    static List<Mutant> of(RepoTemplate template) {
        var out = new ArrayList<Mutant>();
        template.files().forEach((path, text) -> {
            if (RepoTemplate.hidden(path) || !text.contains("@")) return;
            var lines = text.split("\n", -1);
            String function = null;
            for (int i = 0; i < lines.length; i++) {
                var fm = template.language().function.matcher(lines[i]);
                if (fm.find()) function = fm.group(1);
                String line = lines[i];
                if (line.matches(".*(#|//) @guard\\s*$")) {
                    out.add(new Mutant(template, path, i + 1, Kind.GUARD, function, line, null));
                } else if (line.matches(".*(#|//) @mutable\\s*$")) {
                    String code = RepoTemplate.strip(line);
                    add(out, template, path, i, function, line, Kind.BOUNDARY, replaceFirst(code, COMPARISON, s -> switch (s) {
                        case "<=" -> "<"; case ">=" -> ">"; case "<" -> "<="; default -> ">=";
                    }));
                    add(out, template, path, i, function, line, Kind.CONSTANT, replaceFirst(code, INTEGER, s -> String.valueOf(Integer.parseInt(s) + 1)));
                    add(out, template, path, i, function, line, Kind.ARITHMETIC, replaceFirst(code, ARITH, s -> s.equals("+") ? "-" : "+"));
                    add(out, template, path, i, function, line, Kind.EQUALITY, replaceFirst(code, EQUALS, s -> s.equals("==") ? "!=" : "=="));
                    add(out, template, path, i, function, line, Kind.LOGIC, replaceFirst(code, LOGICAL, s -> switch (s) {
                        case " and " -> " or "; case " or " -> " and "; case "&&" -> "||"; default -> "&&";
                    }));
                    add(out, template, path, i, function, line, Kind.BOOLEAN, replaceFirst(code, BOOL, s -> switch (s) {
                        case "True" -> "False"; case "False" -> "True"; case "true" -> "false"; default -> "true";
                    }));
                }
            }
        });
        return out;
    }

    private static void add(List<Mutant> out, RepoTemplate t, String path, int i, String function, String line, Kind kind, String mutated) {
        if (mutated != null) out.add(new Mutant(t, path, i + 1, kind, function, line, mutated));
    }

    /** The code with the first match of {@code p}'s group 1 replaced, or null when there is none. */
    private static String replaceFirst(String code, Pattern p, java.util.function.UnaryOperator<String> change) {
        // Leave string literals alone: only the code before the first quote is searched.
        int quote = code.indexOf('"');
        String searchable = quote < 0 ? code : code.substring(0, quote);
        Matcher m = p.matcher(searchable);
        if (!m.find()) return null;
        return code.substring(0, m.start(1)) + change.apply(m.group(1)) + code.substring(m.end(1));
    }

    /** The file as the agent receives it: this bug in, every marker out. */
    String apply(String source) {
        var lines = new ArrayList<>(List.of(source.split("\n", -1)));
        int i = line - 1;
        if (kind == Kind.GUARD) {
            // A Python guard is "if ...:" with its body on the next line; a Java guard is one line.
            boolean block = lines.get(i).stripTrailing().replaceAll("\\s*(#|//) @guard$", "").endsWith(":");
            lines.remove(i);
            if (block) lines.remove(i);
        } else {
            lines.set(i, mutated);
        }
        return RepoTemplate.strip(String.join("\n", lines));
    }
}
