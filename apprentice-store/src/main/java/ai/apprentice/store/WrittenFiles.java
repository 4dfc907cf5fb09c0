package ai.apprentice.store;

import ai.apprentice.runtime.Event;
import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.algorithm.myers.MeyersDiffWithLinearSpace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The files the agent wrote, per workspace, so that a person's later edit of one becomes feedback for the run
 * that wrote it: a correction, with the diff from the agent's version to theirs. Kept in the run store.
 */
public final class WrittenFiles {
    /** Larger (or non-UTF-8) files are tracked by hash only: a change is reported without a diff. */
    public static final int MAX_CONTENT = 256 * 1024;
    /** Diffs longer than this are cut: feedback is for reading and learning, not for restoring files. */
    public static final int MAX_DIFF = 64 * 1024;
    /** Diffing takes time proportional to lines times changes (seconds for a rewritten 25,000-line file): skip beyond this. */
    static final int MAX_DIFF_LINES = 10_000;

    private final RunStore store;

    public WrittenFiles(RunStore store) {
        this.store = store;
    }

    /**
     * Remembers what run {@code runId} (which must be in the store) wrote to {@code relPath}, a path relative to
     * the workspace in any spelling; call it after a write_file or edit_file succeeded. Writing a file again
     * replaces the record: it is no correction. (A person's edit made before the agent's rewrite, and not detected
     * in between, is lost; detect before a run to keep it.)
     */
    public void recordWrite(Path workspace, String relPath, String runId, byte[] content) {
        String ws = key(workspace);
        String path = relative(workspace, relPath);
        store.write(() -> {
            try (var ps = store.connection().prepareStatement("""
                    INSERT INTO written_files(workspace, path, run_id, sha256, content, written_at) VALUES (?,?,?,?,?,?)
                    ON CONFLICT(workspace, path) DO UPDATE SET run_id=excluded.run_id, sha256=excluded.sha256,
                      content=excluded.content, written_at=excluded.written_at""")) {
                ps.setString(1, ws);
                ps.setString(2, path);
                ps.setString(3, runId);
                ps.setString(4, sha256(content));
                ps.setString(5, text(content));
                ps.setString(6, RunStore.time(Instant.now()));
                ps.executeUpdate();
            }
        }, "record a write of " + path + " by run " + runId);
    }

    private record Written(String path, String runId, String sha256, String content) {}

    /**
     * Finds the recorded files of {@code workspace} that changed or vanished since the agent wrote them, appends a
     * feedback event by {@code author} to the run that wrote each, and returns those events. Each change is
     * reported once: the record moves to the new content (a deleted file's record is dropped), in the same
     * transaction as the feedback, so two detectors at once do not both report it.
     */
    public List<Event.Feedback> detectCorrections(Path workspace, String author) {
        String ws = key(workspace);
        var written = store.read(() -> {
            var out = new ArrayList<Written>();
            try (var ps = store.connection().prepareStatement(
                    "SELECT path, run_id, sha256, content FROM written_files WHERE workspace=? ORDER BY path")) {
                ps.setString(1, ws);
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) out.add(new Written(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
            return out;
        });
        var found = new ArrayList<Event.Feedback>();
        for (var w : written) {
            byte[] now;
            try {
                now = contentOrNull(Path.of(ws).resolve(w.path()));
            } catch (IOException e) {
                continue; // unreadable (a directory now, permissions): not evidence of a correction
            }
            String hash = now == null ? null : sha256(now);
            if (w.sha256().equals(hash)) continue;
            String newText = now == null ? null : text(now);
            String diff = now == null ? null : diff(w.path(), w.content(), newText);
            var feedback = new Event.Feedback(w.runId(), Instant.now(), null, null,
                    "a person " + (now == null ? "deleted " : "edited ") + w.path() + " after run " + w.runId() + " wrote it",
                    author, w.path(), diff);
            boolean reported = store.transaction(() -> {
                // Compare-and-set on the old hash: only the detector that moves the record reports the change.
                var sql = now == null ? "DELETE FROM written_files WHERE workspace=? AND path=? AND sha256=?"
                        : "UPDATE written_files SET sha256=?, content=?, written_at=? WHERE workspace=? AND path=? AND sha256=?";
                try (var ps = store.connection().prepareStatement(sql)) {
                    int i = 1;
                    if (now != null) {
                        ps.setString(i++, hash);
                        ps.setString(i++, newText);
                        ps.setString(i++, RunStore.time(Instant.now()));
                    }
                    ps.setString(i++, ws);
                    ps.setString(i++, w.path());
                    ps.setString(i, w.sha256());
                    if (ps.executeUpdate() == 0) return false;
                }
                store.appendToRun(feedback);
                return true;
            }, "record a correction of " + w.path());
            if (reported) found.add(feedback);
        }
        return found;
    }

    /** The file's bytes, or null when it no longer exists. */
    private static byte[] contentOrNull(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** A unified diff from the agent's text to the person's, or null when either is not kept (too big, binary). */
    static String diff(String path, String before, String after) {
        if (before == null || after == null) return null;
        var a = List.of(before.split("\n", -1));
        var b = List.of(after.split("\n", -1));
        if (a.size() + b.size() > MAX_DIFF_LINES) return null;
        var patch = DiffUtils.diff(a, b, new MeyersDiffWithLinearSpace<String>()); // the default keeps every path in memory
        var lines = UnifiedDiffUtils.generateUnifiedDiff("a/" + path, "b/" + path, a, patch, 3);
        var sb = new StringBuilder();
        for (var line : lines) {
            if (sb.length() + line.length() + 1 > MAX_DIFF) return sb.append("[... diff cut at ").append(MAX_DIFF).append(" characters]\n").toString();
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    private static String key(Path workspace) {
        return workspace.toAbsolutePath().normalize().toString();
    }

    /** One spelling per file ("./a", "a", "/ws/a" are the same), with / as separator. */
    private static String relative(Path workspace, String relPath) {
        var ws = workspace.toAbsolutePath().normalize();
        return ws.relativize(ws.resolve(relPath).normalize()).toString().replace(java.io.File.separatorChar, '/');
    }

    private static String text(byte[] content) {
        if (content.length > MAX_CONTENT) return null;
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString();
            return text.indexOf('\0') >= 0 ? null : text; // binary in all but name (and PostgreSQL's text cannot hold NUL)
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
