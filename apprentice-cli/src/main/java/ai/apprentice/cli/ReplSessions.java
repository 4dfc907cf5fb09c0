package ai.apprentice.cli;

import ai.apprentice.json.Json;
import ai.apprentice.runtime.RunIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * REPL conversations kept as sessions, one small JSON file each in {@code $APPRENTICE_HOME/sessions}: the workspace,
 * a title (the first task) and the last run. The conversation itself is that run's stored history, so a session
 * costs no copy of it, and {@code apprentice --continue} or {@code --resume ID} picks it up where it stopped.
 */
final class ReplSessions {
    record Entry(String id, String workspace, String title, String lastRunId, int turns, String updatedAt) {
        Entry after(String runId, String task) {
            return new Entry(id, workspace, title == null || title.isBlank() ? oneLine(task) : title, runId, turns + 1, Instant.now().toString());
        }
    }

    private final Path dir;

    ReplSessions(Path home) {
        this.dir = home.resolve("sessions");
    }

    Entry create(Path workspace) {
        return new Entry("ses-" + RunIds.next(), workspace.toString(), null, null, 0, Instant.now().toString());
    }

    /** Written whole to a temporary file, then moved into place: a crash leaves the old entry or the new one. */
    void save(Entry e) {
        try {
            Files.createDirectories(dir);
            var tmp = Files.createTempFile(dir, e.id(), ".tmp");
            Files.writeString(tmp, Json.write(e));
            Files.move(tmp, dir.resolve(e.id() + ".json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ex) {
            throw new UncheckedIOException("Cannot save the session in " + dir + ": " + ex.getMessage(), ex);
        }
    }

    /** Sessions with at least one turn, newest first; only those of {@code workspace} unless it is null. */
    List<Entry> list(Path workspace) {
        var out = new ArrayList<Entry>();
        if (!Files.isDirectory(dir)) return out;
        try (var files = Files.list(dir)) {
            for (var f : files.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
                try {
                    var e = Json.MAPPER.readValue(f.toFile(), Entry.class);
                    if (e.lastRunId() != null && (workspace == null || e.workspace().equals(workspace.toString()))) out.add(e);
                } catch (IOException | RuntimeException unreadable) {
                    // a damaged entry is left out, not fatal
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the sessions in " + dir + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(Entry::updatedAt).reversed());
        return out;
    }

    /** The session with this id, or the only one whose id starts with it. */
    Entry find(String idOrPrefix) {
        var matches = list(null).stream().filter(e -> e.id().equals(idOrPrefix) || e.id().startsWith(idOrPrefix)).toList();
        var exact = matches.stream().filter(e -> e.id().equals(idOrPrefix)).findFirst();
        if (exact.isPresent()) return exact.get();
        if (matches.size() == 1) return matches.get(0);
        if (matches.isEmpty()) throw new UsageException("No session '" + idOrPrefix + "' in " + dir + "; 'apprentice --resume' lists them");
        throw new UsageException("'" + idOrPrefix + "' matches " + matches.size() + " sessions; give more of the id");
    }

    Optional<Entry> latest(Path workspace) {
        return list(workspace).stream().findFirst();
    }

    /** One line per session: id, when, turns, title. */
    static String describe(Entry e) {
        return String.format("%s  %s  %d turn%s  %s", e.id(), e.updatedAt().replace('T', ' ').replaceAll("\\.\\d+Z$|Z$", ""), e.turns(),
                e.turns() == 1 ? " " : "s", e.title() == null ? "" : ai.apprentice.redact.Visible.escape(e.title()));
    }

    private static String oneLine(String task) {
        var s = task.strip().replaceAll("\\s+", " ");
        return s.length() <= 60 ? s : s.substring(0, 59) + "…";
    }
}
