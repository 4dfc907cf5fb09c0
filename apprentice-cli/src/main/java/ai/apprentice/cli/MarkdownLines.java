package ai.apprentice.cli;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Markdown as a terminal shows it, one completed line at a time (the model's answer streams, so whole documents are
 * never at hand): headings, bullets, quotes, rules, emphasis, inline code, and fenced code blocks with their
 * keywords, strings and comments highlighted. The syntax followed is CommonMark's (https://spec.commonmark.org/),
 * kept to what one line shows. Lines come in already redacted and with controls made visible; only this class's own
 * escapes are added. Without colour (NO_COLOR) only what needs none changes: bullets, rules; the marks stay as written.
 */
final class MarkdownLines {
    private static final String BOLD = "\u001b[1m", NO_BOLD = "\u001b[22m", ITALIC = "\u001b[3m", NO_ITALIC = "\u001b[23m";
    private static final String UNDERLINE = "\u001b[4m", NO_UNDERLINE = "\u001b[24m", DIM = "\u001b[2m", NO_DIM = "\u001b[22m";
    private static final String CYAN = "\u001b[36m", MAGENTA = "\u001b[35m", GREEN = "\u001b[32m", YELLOW = "\u001b[33m", FG = "\u001b[39m";

    private static final Pattern FENCE = Pattern.compile("^( {0,3})(`{3,}|~{3,})\\s*([\\w+#.-]*).*$");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)(?:\\s+#+)?\\s*$");
    private static final Pattern BULLET = Pattern.compile("^(\\s*)[-*+]\\s+(.*)$");
    private static final Pattern ORDERED = Pattern.compile("^(\\s*)(\\d{1,9}[.)])\\s+(.*)$");
    private static final Pattern QUOTE = Pattern.compile("^ {0,3}>\\s?(.*)$");
    private static final Pattern RULE = Pattern.compile("^ {0,3}([-*_])(\\s*\\1){2,}\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(.+?)\\1");
    private static final Pattern STRONG = Pattern.compile("\\*\\*(?=\\S)(.+?)(?<=\\S)\\*\\*|(?<![\\w_])__(?=\\S)(.+?)(?<=\\S)__(?![\\w_])");
    private static final Pattern EMPHASIS = Pattern.compile("(?<![\\w*])\\*(?=[^\\s*])(.+?)(?<=[^\\s*])\\*(?![\\w*])|(?<![\\w_])_(?=[^\\s_])(.+?)(?<=[^\\s_])_(?![\\w_])");
    private static final Pattern LINK = Pattern.compile("\\[([^\\]]+)]\\(([^)\\s]+)\\)");

    /** Words highlighted in code of any language: the keywords most languages share, and those of the common ones. */
    private static final Set<String> KEYWORDS = Set.of("abstract", "and", "as", "async", "await", "break", "case", "catch", "class", "const",
            "continue", "def", "default", "defer", "del", "do", "done", "elif", "else", "enum", "esac", "except", "export", "extends", "false",
            "fi", "final", "finally", "fn", "for", "from", "func", "function", "go", "if", "impl", "implements", "import", "in", "interface",
            "is", "lambda", "let", "loop", "match", "mod", "mut", "new", "nil", "None", "not", "null", "or", "package", "pass", "private",
            "protected", "pub", "public", "raise", "record", "return", "self", "static", "struct", "super", "switch", "then", "this", "throw",
            "throws", "trait", "true", "True", "False", "try", "type", "typeof", "use", "val", "var", "void", "while", "with", "yield");
    /** Languages whose comments start with '#'; the others get '//' (and '--' for SQL and Lua). */
    private static final Set<String> HASH_COMMENTS = Set.of("python", "py", "sh", "bash", "shell", "zsh", "console", "ruby", "rb", "yaml",
            "yml", "toml", "perl", "r", "makefile", "dockerfile", "ini", "conf");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*|\\d[\\d_.]*");

    private final boolean color;
    /** The fence that opened the code block the lines are in, or null outside one. */
    private String fence;
    private String language = "";

    MarkdownLines(boolean color) {
        this.color = color;
    }

    /** Forgets an open code block: a new answer (or a retried one) starts outside. */
    void reset() {
        fence = null;
        language = "";
    }

    /** Whether the lines are inside a fenced code block. */
    boolean inCode() {
        return fence != null;
    }

    /** One line, without its line break, as shown. */
    String render(String line) {
        var f = FENCE.matcher(line);
        if (fence != null) {
            if (f.matches() && f.group(2).charAt(0) == fence.charAt(0) && f.group(2).length() >= fence.length() && f.group(3).isEmpty()) {
                fence = null;
                return dim(line);
            }
            return code(line);
        }
        if (f.matches() && !(f.group(2).charAt(0) == '`' && line.substring(f.end(2)).contains("`"))) {
            fence = f.group(2);
            language = f.group(3).toLowerCase(java.util.Locale.ROOT);
            return dim(line);
        }
        if (RULE.matcher(line).matches()) return dim("─".repeat(40));
        var h = HEADING.matcher(line);
        if (h.matches()) {
            if (!color) return line;
            var text = inline(h.group(2));
            return h.group(1).length() == 1 ? BOLD + UNDERLINE + text + NO_UNDERLINE + NO_BOLD : BOLD + text + NO_BOLD;
        }
        var q = QUOTE.matcher(line);
        if (q.matches()) return dim("│ ") + (color ? ITALIC + inline(q.group(1)) + NO_ITALIC : q.group(1));
        var b = BULLET.matcher(line);
        if (b.matches()) return b.group(1) + "• " + inline(b.group(2));
        var o = ORDERED.matcher(line);
        if (o.matches()) return o.group(1) + (color ? BOLD + o.group(2) + NO_BOLD : o.group(2)) + " " + inline(o.group(3));
        return inline(line);
    }

    /** Code spans, strong, emphasis and links of one line of text; without colour the line as written. */
    String inline(String text) {
        if (!color) return text;
        var sb = new StringBuilder();
        Matcher m = CODE_SPAN.matcher(text);
        int at = 0;
        while (m.find()) {
            sb.append(emphasis(text.substring(at, m.start())));
            sb.append(CYAN).append(m.group(2).strip().isEmpty() ? m.group(2) : m.group(2).strip()).append(FG);
            at = m.end();
        }
        return sb.append(emphasis(text.substring(at))).toString();
    }

    private static String emphasis(String text) {
        text = LINK.matcher(text).replaceAll(r -> Matcher.quoteReplacement(UNDERLINE + r.group(1) + NO_UNDERLINE + " " + DIM + "(" + r.group(2) + ")" + NO_DIM));
        text = STRONG.matcher(text).replaceAll(r -> Matcher.quoteReplacement(BOLD + (r.group(1) != null ? r.group(1) : r.group(2)) + NO_BOLD));
        return EMPHASIS.matcher(text).replaceAll(r -> Matcher.quoteReplacement(ITALIC + (r.group(1) != null ? r.group(1) : r.group(2)) + NO_ITALIC));
    }

    /** A line of code: keywords, strings, numbers and a trailing comment coloured; as written without colour. */
    private String code(String line) {
        if (!color) return line;
        int comment = commentStart(line);
        var body = comment < 0 ? line : line.substring(0, comment);
        var sb = new StringBuilder();
        var s = STRING.matcher(body);
        int at = 0;
        while (s.find()) {
            sb.append(words(body.substring(at, s.start()))).append(GREEN).append(s.group()).append(FG);
            at = s.end();
        }
        sb.append(words(body.substring(at)));
        if (comment >= 0) sb.append(DIM).append(line.substring(comment)).append(NO_DIM);
        return sb.toString();
    }

    private static String words(String text) {
        return WORD.matcher(text).replaceAll(r -> {
            var w = r.group();
            if (Character.isDigit(w.charAt(0))) return Matcher.quoteReplacement(YELLOW + w + FG);
            return Matcher.quoteReplacement(KEYWORDS.contains(w) ? MAGENTA + w + FG : w);
        });
    }

    /** Where a comment starts outside strings, by the language's marker; -1 without one. */
    private int commentStart(String line) {
        var marker = HASH_COMMENTS.contains(language) ? "#" : language.equals("sql") || language.equals("lua") ? "--" : "//";
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (line.startsWith(marker, i) && (!marker.equals("#") || i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return i;
            }
        }
        return -1;
    }

    private String dim(String s) {
        return color ? DIM + s + NO_DIM : s;
    }
}
