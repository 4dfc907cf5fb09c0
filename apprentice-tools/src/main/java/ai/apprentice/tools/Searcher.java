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

    Searcher(Pattern pattern, int keep, Opener opener, long timeoutNanos) {
        this.pattern = pattern;
        this.keep = keep;
        this.opener = opener;
        this.timeoutNanos = timeoutNanos;
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
        try (var in = opener.open(file)) {
            if (in == null) return;
            var lines = new TextFiles.Lines(in, MAX_REGEX_LINE, MAX_FILE_BYTES);
            if (lines.binary()) return;
            int line = 0;
            for (String text; (text = lines.next()) != null; ) {
                line++;
                if (lines.lastCut()) longLines.incrementAndGet();
                boolean found;
                try {
                    found = pattern.matcher(new Bounded(text, deadline, caller)).find();
                } catch (StackOverflowError e) {
                    tooComplex.incrementAndGet();
                    continue;
                }
                if (found && total.incrementAndGet() <= keep) {
                    var shown = text.stripTrailing();
                    out.add(new Match(file, line, shown.length() > MAX_TEXT ? shown.substring(0, MAX_TEXT) + "…" : shown));
                }
            }
            if (lines.stopped()) cutFiles.incrementAndGet();
        } catch (TimeUp e) {
            timedOut.set(true);
        } catch (IOException e) {
            // unreadable files are skipped, as grep -s does
        }
    }
}
