package ai.apprentice.tools;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Regex search over many files, in parallel, line by line as grep does (one match per line). Every input is
 * bounded, so no pattern or file can hang or crash the search: at most {@link #MAX_FILE_BYTES} of a file,
 * at most {@link #MAX_REGEX_LINE} characters of a line are given to the regex, a deadline (and the caller's
 * interrupt) is checked while the regex runs, and a pattern that overflows the stack on a line skips that
 * line. What was cut or skipped is reported as notices. Collection stops keeping matches past the limit but
 * keeps counting them.
 */
final class Searcher {
    record Match(Path file, int line, String text) {}

    record Result(List<Match> matches, int total, List<String> notices) {}

    /** Opens a file for reading, or returns null to skip it (not a regular file, gone, ...). */
    interface Opener {
        InputStream open(Path file) throws IOException;
    }

    static final long MAX_FILE_BYTES = 8L * 1024 * 1024;
    static final int MAX_REGEX_LINE = 10_000;
    static final long DEFAULT_TIMEOUT_NANOS = 20_000_000_000L;
    private static final int MAX_TEXT = 300;
    private final Pattern pattern;
    private final int keep;
    private final Opener opener;
    private final long timeoutNanos;


    /** Whether the pattern runs in time linear in its input (see {@link #linear(String)}). */
    private final boolean linear;

    Searcher(Pattern pattern, int keep, Opener opener, long timeoutNanos) {
        this.pattern = pattern;
        this.linear = linear(pattern.pattern());
        this.keep = keep;
        this.opener = opener;
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * Whether java.util.regex matches {@code regex} without bad backtracking: no quantified group, no back
     * reference, and at most one unbounded quantifier ({@code *}, {@code +}, {@code {n,}}); so a search over a
     * file is linear (per start position, bounded by the line). Anything else runs with the deadline.
     */
    static boolean linear(String regex) {
        int unbounded = 0;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                if (i + 1 < regex.length() && Character.isDigit(regex.charAt(i + 1)) && regex.charAt(i + 1) != '0') return false; // \1
                if (i + 1 < regex.length() && regex.charAt(i + 1) == 'k') return false; // \k<name>
                i++;
            } else if (c == '[') {
                for (i++; i < regex.length() && regex.charAt(i) != ']'; i++) if (regex.charAt(i) == '\\') i++;
            } else if (c == ')') {
                if (i + 1 < regex.length() && "*+?{".indexOf(regex.charAt(i + 1)) >= 0) return false;
            } else if (c == '*' || c == '+') {
                unbounded++;
            } else if (c == '{') {
                int close = regex.indexOf('}', i);
                if (close > 0 && regex.substring(i, close).contains(",")) unbounded++;
            }
        }
        return unbounded <= 1;
    }

    /** Thrown from {@link Bounded#charAt} to abandon a regex that runs past the deadline. */
    private static final class TimeUp extends RuntimeException {
        TimeUp() {
            super(null, null, false, false);
        }
    }

    /**
     * A line that gives up in {@code charAt} once the search is over time or the caller is interrupted: a
     * running java.util.regex match cannot be stopped any other way.
     */
    private static final class Bounded implements CharSequence {
        private final String s;
        private final long deadline;
        private final Thread caller;
        private int calls;

        Bounded(String s, long deadline, Thread caller) {
            this.s = s;
            this.deadline = deadline;
            this.caller = caller;
        }

        @Override public int length() { return s.length(); }
        @Override public String toString() { return s; }
        @Override public CharSequence subSequence(int start, int end) { return new Bounded(s.substring(start, end), deadline, caller); }

        @Override
        public char charAt(int index) {
            if ((++calls & 0xFFF) == 0 && (System.nanoTime() > deadline || caller.isInterrupted())) throw new TimeUp();
            return s.charAt(index);
        }
    }

    private final AtomicInteger cutFiles = new AtomicInteger();
    private final AtomicInteger longLines = new AtomicInteger();
    private final AtomicInteger tooComplex = new AtomicInteger();
    private final AtomicBoolean timedOut = new AtomicBoolean();

    Result search(Collection<Path> files) {
        var matches = new ConcurrentLinkedQueue<Match>();
        var total = new AtomicInteger();
        long deadline = System.nanoTime() + timeoutNanos;
        var caller = Thread.currentThread();
        files.parallelStream().forEach(f -> {
            if (!timedOut.get()) searchFile(f, matches, total, deadline, caller);
        });
        var notices = new ArrayList<String>();
        if (timedOut.get()) {
            notices.add("the search was stopped after " + timeoutNanos / 1_000_000_000 + " s (the pattern is too slow on this "
                    + "input, or there is too much to search); results are partial: simplify the pattern or narrow the path");
        }
        if (cutFiles.get() > 0) notices.add(cutFiles.get() + " files were searched only in their first " + MAX_FILE_BYTES / (1024 * 1024) + " MiB");
        if (longLines.get() > 0) notices.add(longLines.get() + " lines longer than " + MAX_REGEX_LINE + " characters were searched only in their start");
        if (tooComplex.get() > 0) {
            notices.add(tooComplex.get() + " lines were skipped: the pattern is too complex for them (stack overflow); "
                    + "avoid repeated groups such as (a|b)* on long lines");
        }
        return new Result(new ArrayList<>(matches), total.get(), notices);
    }

    private void searchFile(Path file, ConcurrentLinkedQueue<Match> out, AtomicInteger total, long deadline, Thread caller) {
        byte[] bytes;
        try (var in = opener.open(file)) {
            if (in == null) return;
            bytes = in.readNBytes((int) MAX_FILE_BYTES + 1); // bounded: a 3 GB file costs 8 MiB
        } catch (IOException e) {
            return; // unreadable files are skipped, as grep -s does
        }
        int length = Math.min(bytes.length, (int) MAX_FILE_BYTES);
        if (TextFiles.isBinary(bytes, Math.min(length, TextFiles.SNIFF))) return;
        if (bytes.length > MAX_FILE_BYTES) cutFiles.incrementAndGet();
        var text = new String(bytes, 0, length, java.nio.charset.StandardCharsets.UTF_8);
        var found = new ArrayList<Match>();
        try {
            try {
                wholeText(file, text, found, deadline, caller);
            } catch (StackOverflowError e) {
                // Too complex for the whole text (a repeated group over a long stretch): line by line, each bounded.
                found.clear();
                byLine(file, text, found, deadline, caller);
            }
        } catch (TimeUp e) {
            timedOut.set(true);
        }
        for (var m : found) if (total.incrementAndGet() <= keep) out.add(m);
    }

    /** One pass of the regex over the file (as grep does over its buffer), at most one match per line. */
    private void wholeText(Path file, String text, List<Match> found, long deadline, Thread caller) {
        // The deadline costs a virtual call per character; a pattern that cannot backtrack badly runs on the String.
        var matcher = pattern.matcher(linear ? text : new Bounded(text, deadline, caller));
        int line = 1;
        int counted = 0; // newlines before this index are counted in line
        int from = 0;
        while (from <= text.length() && matcher.find(from)) {
            int at = matcher.start();
            for (int i = counted; i < at; i++) if (text.charAt(i) == '\n') line++;
            counted = at;
            int lineStart = text.lastIndexOf('\n', at - 1) + 1;
            int lineEnd = text.indexOf('\n', at);
            if (lineEnd < 0) lineEnd = text.length();
            found.add(match(file, line, text.substring(lineStart, Math.min(lineEnd, lineStart + MAX_TEXT + 1))));
            from = lineEnd + 1; // the next match starts on a later line
        }
    }

    private void byLine(Path file, String text, List<Match> found, long deadline, Thread caller) {
        var matcher = pattern.matcher("");
        int line = 0;
        for (int from = 0; from < text.length(); ) {
            int nl = text.indexOf('\n', from);
            int to = nl < 0 ? text.length() : nl;
            line++;
            int cut = Math.min(to, from + MAX_REGEX_LINE);
            if (cut < to) longLines.incrementAndGet();
            var lineText = text.substring(from, cut);
            from = to + 1;
            try {
                if (matcher.reset(new Bounded(lineText, deadline, caller)).find()) found.add(match(file, line, lineText));
            } catch (StackOverflowError e) {
                tooComplex.incrementAndGet();
            }
        }
    }

    private static Match match(Path file, int line, String lineText) {
        var shown = lineText.stripTrailing();
        return new Match(file, line, shown.length() > MAX_TEXT ? shown.substring(0, MAX_TEXT) + "…" : shown);
    }
}
