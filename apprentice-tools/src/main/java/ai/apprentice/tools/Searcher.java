package ai.apprentice.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Regex search over many files, in parallel: each file is read once, binary files are skipped, and the
 * pattern runs over the whole text (multi-line mode, so ^ and $ are line anchors); one match per line is
 * reported, as grep does. Collection stops keeping matches past the limit but keeps counting them.
 */
final class Searcher {
    record Match(Path file, int line, String text) {}

    record Result(List<Match> matches, int total) {}

    private static final int MAX_TEXT = 300;
    private final Pattern pattern;
    private final int keep;

    Searcher(Pattern pattern, int keep) {
        this.pattern = pattern;
        this.keep = keep;
    }

    Result search(Collection<Path> files) {
        var matches = new ConcurrentLinkedQueue<Match>();
        var total = new AtomicInteger();
        files.parallelStream().forEach(f -> searchFile(f, matches, total));
        return new Result(new ArrayList<>(matches), total.get());
    }

    private void searchFile(Path file, ConcurrentLinkedQueue<Match> out, AtomicInteger total) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | OutOfMemoryError e) {
            return; // unreadable files are skipped, as grep -s does
        }
        if (TextFiles.isBinary(bytes, bytes.length)) return;
        String text = TextFiles.decode(bytes);
        var m = pattern.matcher(text);
        int line = 1;
        int scanned = 0;
        int lastLineReported = 0;
        while (m.find()) {
            int start = m.start();
            for (int i = scanned; i < start; i++) if (text.charAt(i) == '\n') line++;
            scanned = start;
            if (line == lastLineReported) continue;
            lastLineReported = line;
            if (total.incrementAndGet() <= keep) {
                int ls = text.lastIndexOf('\n', start - 1) + 1;
                int le = text.indexOf('\n', start);
                var lineText = text.substring(ls, le < 0 ? text.length() : le).stripTrailing();
                if (lineText.length() > MAX_TEXT) lineText = lineText.substring(0, MAX_TEXT) + "…";
                out.add(new Match(file, line, lineText));
            }
            if (m.end() == start && start < text.length()) {
                // empty match: move on to the next line to avoid reporting every position
                int next = text.indexOf('\n', start);
                if (next < 0) break;
                m.region(next + 1, text.length());
            }
        }
    }
}
