package ai.apprentice.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the server keeps beside the run store, in {@code $APPRENTICE_HOME/server/server.db} (SQLite, WAL): access
 * tokens (hashed), conversations and which runs belong to them, the history an OpenAI-style request brought, and the runs the server accepted, so that queued and
 * interrupted runs go on after a restart. Runs and their events stay in the run store, the one source of truth.
 */
public final class ServerDb implements AutoCloseable {
    private static final List<String> STEPS = List.of("""
            CREATE TABLE tokens (
              id TEXT PRIMARY KEY,
              name TEXT NOT NULL,
              sha256 TEXT NOT NULL UNIQUE,
              created_at TEXT NOT NULL,
              last_used_at TEXT,
              revoked_at TEXT
            );
            CREATE TABLE conversations (
              id TEXT PRIMARY KEY,
              title TEXT,
              workspace TEXT NOT NULL,
              settings_json TEXT NOT NULL,
              created_at TEXT NOT NULL
            );
            CREATE TABLE accepted_runs (
              run_id TEXT PRIMARY KEY,
              conversation_id TEXT,
              task TEXT NOT NULL,
              workspace TEXT NOT NULL,
              settings_json TEXT NOT NULL,
              state TEXT NOT NULL,
              error TEXT,
              accepted_at TEXT NOT NULL
            );
            CREATE INDEX accepted_conversation ON accepted_runs(conversation_id, accepted_at);
            CREATE TABLE given_history (
              run_id TEXT PRIMARY KEY,
              messages_json TEXT NOT NULL
            );
            """, """
            ALTER TABLE accepted_runs ADD COLUMN author TEXT;
            ALTER TABLE accepted_runs ADD COLUMN origin TEXT;
            ALTER TABLE accepted_runs ADD COLUMN profile_json TEXT;
            CREATE TABLE conversation_keys (
              key TEXT PRIMARY KEY,
              conversation_id TEXT NOT NULL
            );
            """);

    private final Path file;
    private final Connection db;

    private ServerDb(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    static ServerDb open(Path file) {
        return open(file, STEPS);
    }

    /**
     * A database of an entry point's own (a chat channel's, triggers'), at {@code file}, migrated through {@code steps}:
     * step N (SQL statements separated by ';') runs once, when the file's user_version is below N+1.
     */
    public static ServerDb open(Path file, List<String> steps) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            var db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (var st = db.createStatement()) {
                st.execute("PRAGMA busy_timeout = 10000");
                st.execute("PRAGMA journal_mode = WAL");
                st.execute("PRAGMA synchronous = NORMAL");
                st.execute("BEGIN IMMEDIATE");
                int version;
                try (var rs = st.executeQuery("PRAGMA user_version")) {
                    version = rs.getInt(1);
                }
                if (version > steps.size()) {
                    st.execute("ROLLBACK");
                    throw new ServerException(file + " has schema version " + version + ", newer than this apprentice understands ("
                            + steps.size() + "). Upgrade apprentice, or point APPRENTICE_HOME elsewhere.");
                }
                for (int v = version; v < steps.size(); v++) {
                    for (var sql : steps.get(v).split(";")) if (!sql.isBlank()) st.execute(sql);
                }
                st.execute("PRAGMA user_version = " + steps.size());
                st.execute("COMMIT");
            }
            return new ServerDb(file, db);
        } catch (SQLException | java.io.IOException e) {
            throw new ServerException("Cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    Path file() {
        return file;
    }

    public interface Rows<T> {
        T read(ResultSet rs) throws SQLException;
    }

    public synchronized <T> List<T> query(String sql, Rows<T> row, Object... args) {
        try (var ps = prepare(sql, args); var rs = ps.executeQuery()) {
            var out = new ArrayList<T>();
            while (rs.next()) out.add(row.read(rs));
            return out;
        } catch (SQLException e) {
            throw new ServerException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** One statement in its own transaction (autocommit). */
    public synchronized int update(String sql, Object... args) {
        try (var ps = prepare(sql, args)) {
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new ServerException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private PreparedStatement prepare(String sql, Object... args) throws SQLException {
        var ps = db.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
        return ps;
    }

    /** Config flags stored as a JSON object, back as a map of scalars. */
    static java.util.Map<String, Object> flags(String json) {
        var out = new java.util.LinkedHashMap<String, Object>();
        ai.apprentice.json.Json.tree(json).fields().forEachRemaining(f -> out.put(f.getKey(), scalar(f.getValue())));
        return out;
    }

    /** A stored value as given: a number, a boolean, text, or a list of them (a profile's permission rules). */
    private static Object scalar(com.fasterxml.jackson.databind.JsonNode v) {
        if (v.isArray()) {
            var list = new java.util.ArrayList<Object>();
            v.forEach(e -> list.add(scalar(e)));
            return list;
        }
        return v.isNumber() ? v.numberValue() : v.isBoolean() ? v.booleanValue() : v.asText();
    }

    public static String now() {
        return Instant.now().toString();
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new ServerException("Cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
