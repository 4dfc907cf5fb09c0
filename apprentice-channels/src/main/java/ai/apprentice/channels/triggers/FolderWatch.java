package ai.apprentice.channels.triggers;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One watched folder, polled: each scan lists its regular files (size and modification time), skipping dot-files and
 * dot-folders (.git, .apprentice) and never following links. Polling rather than a WatchService, which misses changes on
 * network, container and some virtual file systems and is itself polling on macOS; a scan a second of a task's folder
 * costs little. A file counts once it is new or changed and then unchanged for one scan (a debounce: a file still being
 * written waits). The first scan only learns what is there.
 * <p>
 * A scan made while {@code quiet} (a run some trigger started in this workspace is going, or started since the previous
 * scan) learns what changed without reporting it, and so does the one after: the agent's own writes never start a run.
 */
final class FolderWatch {
    static final int MAX_FILES = 20_000;

    record Stamp(long size, long modifiedNanos) {}

    /** A file to fire for: its path relative to the workspace, and its stamp (what makes the fire unique). */
    record Change(String path, Stamp stamp) {}

    private Map<String, Stamp> known;
    private final Map<String, Stamp> pending = new HashMap<>();
    private boolean wasQuiet;
    private boolean warnedFull;
    private java.time.Instant previousScan;

    /** When the last scan was made (null before the first): runs started since then make the next scan quiet. */
    java.time.Instant previousScan() {
        return previousScan;
    }

    /** Scans {@code dir} (inside {@code workspace}); returns the files that are new or changed and have settled. */
    List<Change> scan(Path workspace, Path dir, boolean quiet, java.time.Instant at, java.io.PrintStream log, String name) {
        previousScan = at;
        var now = list(workspace, dir, log, name);
        var out = new ArrayList<Change>();
        if (known == null || quiet || wasQuiet) {
            known = now;
            pending.clear();
            wasQuiet = quiet;
            return out;
        }
        for (var e : now.entrySet()) {
            var path = e.getKey();
            var stamp = e.getValue();
            if (stamp.equals(known.get(path))) {
                pending.remove(path);
            } else if (stamp.equals(pending.get(path))) {
                pending.remove(path);
                known.put(path, stamp);
                out.add(new Change(path, stamp));
            } else {
                pending.put(path, stamp);
            }
        }
        known.keySet().retainAll(now.keySet());
        pending.keySet().retainAll(now.keySet());
        return out;
    }

    private Map<String, Stamp> list(Path workspace, Path dir, java.io.PrintStream log, String name) {
        var files = new HashMap<String, Stamp>();
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return files;
        try {
            Files.walkFileTree(dir, java.util.Set.of(), 32, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    return !d.equals(dir) && d.getFileName().toString().startsWith(".") ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    if (!attrs.isRegularFile() || f.getFileName().toString().startsWith(".")) return FileVisitResult.CONTINUE;
                    if (files.size() >= MAX_FILES) {
                        if (!warnedFull) log.println("trigger " + name + ": watching only the first " + MAX_FILES + " files of " + dir);
                        warnedFull = true;
                        return FileVisitResult.TERMINATE;
                    }
                    files.put(workspace.relativize(f).toString(), new Stamp(attrs.size(), attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE; // gone meanwhile, or unreadable: not a change to act on
                }
            });
        } catch (IOException e) {
            log.println("trigger " + name + ": cannot scan " + dir + ": " + e.getMessage());
        }
        return files;
    }
}
