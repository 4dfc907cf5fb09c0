package ai.apprentice.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Splits a shell command line into the simple commands it runs, so that a permission rule can be applied to
 * each: on {@code ; && || | |& &} and newlines, into subshells {@code ( … )}, groups {@code { …; }}, command
 * substitution {@code $( … )} and backticks (also inside double quotes) and process substitution
 * {@code <( … )}. Each command comes back normalised: words joined by one space, quotes and backslashes
 * removed (so {@code r'm'  -rf} is {@code rm -rf}), leading reserved words ({@code if then do ! { …}) dropped.
 *
 * <p>A small tokenizer, not a bash parser. It gives up ({@link Split#reliable()} false) on what it does not
 * model: unbalanced quotes or parentheses, heredocs ({@code <<}), ANSI-C quotes ({@code $'…'}). Variables,
 * aliases, {@code eval}, {@code bash -c '…'} and wrappers such as {@code sudo} or {@code env} are not looked
 * into: the word after them is an argument, not a command.
 */
public final class ShellCommands {
    /** The commands found, normalised; reliable when the whole line was understood. */
    public record Split(List<String> commands, boolean reliable) {}

    private static final Set<String> RESERVED = Set.of("if", "then", "else", "elif", "fi", "do", "done", "while", "until",
            "!", "{", "}", "time");

    private final String s;
    private int i;
    private boolean reliable = true;
    private final List<String> out = new ArrayList<>();

    private ShellCommands(String s) {
        this.s = s;
    }

    public static Split split(String command) {
        var p = new ShellCommands(command);
        p.list(false);
        if (p.i < p.s.length()) p.reliable = false; // a ')' without its '('
        return new Split(List.copyOf(p.out), p.reliable);
    }

    /** Normalises one command's text as {@link #split} does (used for rule patterns too); null if it has several. */
    public static String normalize(String command) {
        var split = split(command);
        return split.commands().size() == 1 && split.reliable() ? split.commands().getFirst() : null;
    }

    /** Reads commands until the end, or until the ')' that closes a nested list (left unread). */
    private void list(boolean nested) {
        var words = new ArrayList<String>();
        var word = new StringBuilder();
        boolean inWord = false;
        while (i < s.length()) {
            char c = s.charAt(i);
            char next = i + 1 < s.length() ? s.charAt(i + 1) : 0;
            char prev = i > 0 ? s.charAt(i - 1) : 0;
            if (c == ')') {
                if (!nested) {
                    reliable = false;
                    i++;
                    continue;
                }
                break;
            }
            if (c == ' ' || c == '\t') {
                inWord = endWord(words, word, inWord);
                i++;
            } else if (c == '\n' || c == ';' || (c == '&' && prev != '>' && prev != '<' && next != '>') || (c == '|' && prev != '>')) {
                inWord = endWord(words, word, inWord);
                endCommand(words);
                i++;
            } else if (c == '(') {
                // $( … ) and <( … ) are part of the word they stand in; a bare ( … ) is a subshell of its own
                boolean inline = prev == '$' || prev == '<' || prev == '>';
                int start = i;
                nestedList();
                if (inline) {
                    word.append(s, start, i);
                    inWord = true;
                }
            } else if (c == '`') {
                int start = i;
                backticks();
                word.append(s, start, i);
                inWord = true;
            } else if (c == '\'') {
                int end = s.indexOf('\'', i + 1);
                if (end < 0) {
                    reliable = false;
                    end = s.length() - 1;
                }
                if (prev == '$') { // $'…' decodes escapes we do not
                    reliable = false;
                }
                word.append(s, i + 1, Math.max(i + 1, end));
                inWord = true;
                i = end + 1;
            } else if (c == '"') {
                doubleQuoted(word);
                inWord = true;
            } else if (c == '\\') {
                if (next == '\n') {
                    i += 2; // line continuation
                } else {
                    if (next != 0) word.append(next);
                    inWord = true;
                    i += 2;
                }
            } else {
                if (c == '<' && next == '<' && (i + 2 >= s.length() || s.charAt(i + 2) != '<') && prev != '<') reliable = false; // heredoc
                word.append(c);
                inWord = true;
                i++;
            }
        }
        endWord(words, word, inWord);
        endCommand(words);
    }

    private void nestedList() {
        i++; // past '('
        list(true);
        if (i < s.length() && s.charAt(i) == ')') i++;
        else reliable = false;
    }

    /** `…`: the text up to the closing backtick is split as commands of its own. */
    private void backticks() {
        int end = i + 1;
        var inner = new StringBuilder();
        while (end < s.length() && s.charAt(end) != '`') {
            if (s.charAt(end) == '\\' && end + 1 < s.length()) end++;
            inner.append(s.charAt(end++));
        }
        if (end >= s.length()) reliable = false;
        var nested = split(inner.toString());
        out.addAll(nested.commands());
        reliable &= nested.reliable();
        i = Math.min(end + 1, s.length());
    }

    /** "…": literal text except for backslash escapes, $( … ) and backticks, which run commands. */
    private void doubleQuoted(StringBuilder word) {
        i++;
        while (i < s.length() && s.charAt(i) != '"') {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                word.append(s.charAt(i + 1));
                i += 2;
            } else if (c == '$' && i + 1 < s.length() && s.charAt(i + 1) == '(') {
                int start = i;
                i++;
                nestedList();
                word.append(s, start, i);
            } else if (c == '`') {
                int start = i;
                backticks();
                word.append(s, start, i);
            } else {
                word.append(c);
                i++;
            }
        }
        if (i >= s.length()) reliable = false;
        i++;
    }

    private static boolean endWord(List<String> words, StringBuilder word, boolean inWord) {
        if (inWord) words.add(word.toString());
        word.setLength(0);
        return false;
    }

    private void endCommand(List<String> words) {
        int first = 0;
        while (first < words.size() && RESERVED.contains(words.get(first))) first++;
        if (first < words.size()) out.add(String.join(" ", words.subList(first, words.size())));
        words.clear();
    }
}
