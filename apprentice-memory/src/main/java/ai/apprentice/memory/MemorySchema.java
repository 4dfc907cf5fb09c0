package ai.apprentice.memory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The memory database's schema, as an ordered list of migrations. {@code PRAGMA user_version} says how many
 * have been applied; new ones run in one transaction at open. Never edit a released step: append one.
 */
final class MemorySchema {
    static final List<String> STEPS = List.of(
            // 1: the schema as it was before it had versions, verbatim (hence IF NOT EXISTS).
            """
            CREATE TABLE IF NOT EXISTS memories (
              id TEXT PRIMARY KEY, text TEXT NOT NULL, context TEXT, kind TEXT NOT NULL, scope TEXT NOT NULL,
              source TEXT, source_seq INTEGER, hash TEXT NOT NULL, confidence REAL NOT NULL, weight REAL NOT NULL DEFAULT 1,
              recalls INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, last_recalled_at TEXT,
              superseded_by TEXT, forgotten INTEGER NOT NULL DEFAULT 0,
              embedder TEXT, vector BLOB, context_vector BLOB);
            CREATE INDEX IF NOT EXISTS memories_hash ON memories(scope, hash);
            CREATE INDEX IF NOT EXISTS memories_source ON memories(source, source_seq);
            CREATE TABLE IF NOT EXISTS changes (
              seq INTEGER PRIMARY KEY AUTOINCREMENT, batch TEXT NOT NULL, at TEXT NOT NULL, op TEXT NOT NULL,
              memory_id TEXT NOT NULL, text TEXT, before TEXT, reason TEXT, undone INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX IF NOT EXISTS changes_batch ON changes(batch);
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """);

    private MemorySchema() {}

    /** Brings the database at {@code where} up to the latest version, or refuses one newer than this code. */
    static void apply(Connection c, String where) throws SQLException {
        try (var st = c.createStatement()) {
            // IMMEDIATE takes the write lock first, so two processes opening a new database do not race.
            st.execute("BEGIN IMMEDIATE");
            try {
                int stored;
                try (var rs = st.executeQuery("PRAGMA user_version")) {
                    stored = rs.getInt(1);
                }
                int version = stored;
                // Databases made before versioning say 0 but have step 1's tables: they are at version 1.
                if (version == 0) {
                    try (var rs = st.executeQuery("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'memories'")) {
                        if (rs.next()) version = 1;
                    }
                }
                if (version > STEPS.size()) {
                    throw new MemoryException(where + " has schema version " + version + ", newer than this apprentice understands ("
                            + STEPS.size() + "). Upgrade apprentice, or point APPRENTICE_HOME elsewhere.");
                }
                for (int v = version; v < STEPS.size(); v++) {
                    for (var sql : STEPS.get(v).split(";")) if (!sql.isBlank()) st.execute(sql);
                }
                if (stored < STEPS.size()) st.execute("PRAGMA user_version = " + STEPS.size());
                st.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                st.execute("ROLLBACK");
                throw e;
            }
        }
    }
}
