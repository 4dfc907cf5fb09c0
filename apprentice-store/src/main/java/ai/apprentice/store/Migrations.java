package ai.apprentice.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The schema, as an ordered list of migrations. The database's {@code PRAGMA user_version} says how many
 * have been applied; new ones run in one transaction at open. Never edit a released step: append one.
 */
final class Migrations {
    static final List<String> STEPS = List.of(
            """
            CREATE TABLE runs (
              id TEXT PRIMARY KEY,
              parent_id TEXT,
              status TEXT NOT NULL,
              stop_reason TEXT,
              task TEXT NOT NULL,
              model TEXT,
              workspace TEXT,
              started_at TEXT NOT NULL,
              updated_at TEXT NOT NULL,
              finished_at TEXT,
              steps INTEGER NOT NULL DEFAULT 0,
              input_tokens INTEGER NOT NULL DEFAULT 0,
              output_tokens INTEGER NOT NULL DEFAULT 0,
              cost_usd REAL NOT NULL DEFAULT 0,
              answer TEXT,
              pid INTEGER,
              pid_started_at TEXT,
              settings_json TEXT
            );
            CREATE INDEX runs_started ON runs(started_at);
            CREATE INDEX runs_parent ON runs(parent_id);
            CREATE TABLE events (
              run_id TEXT NOT NULL REFERENCES runs(id),
              seq INTEGER NOT NULL,
              type TEXT NOT NULL,
              at TEXT NOT NULL,
              payload TEXT NOT NULL,
              PRIMARY KEY (run_id, seq)
            ) WITHOUT ROWID;
            """,
            // 2: rewards and feedback are found by type. The files the agent wrote are kept to detect a person's
            // corrections: their hash, and their text when it is UTF-8 and at most WrittenFiles.MAX_CONTENT bytes.
            """
            CREATE INDEX events_type ON events(type, run_id);
            CREATE TABLE written_files (
              workspace TEXT NOT NULL,
              path TEXT NOT NULL,
              run_id TEXT NOT NULL REFERENCES runs(id),
              sha256 TEXT NOT NULL,
              content TEXT,
              written_at TEXT NOT NULL,
              PRIMARY KEY (workspace, path)
            ) WITHOUT ROWID;
            """);

    private Migrations() {}

    static void apply(Connection c, String where) throws SQLException {
        try (var st = c.createStatement()) {
            // IMMEDIATE takes the write lock first, so two processes opening a new database do not race.
            st.execute("BEGIN IMMEDIATE");
            try {
                int version;
                try (var rs = st.executeQuery("PRAGMA user_version")) {
                    version = rs.getInt(1);
                }
                if (version > STEPS.size()) {
                    throw new StoreException(where + " has schema version " + version + ", newer than this apprentice "
                            + "understands (" + STEPS.size() + "). Upgrade apprentice, or point APPRENTICE_HOME elsewhere.");
                }
                for (int v = version; v < STEPS.size(); v++) {
                    for (var sql : STEPS.get(v).split(";")) if (!sql.isBlank()) st.execute(sql);
                }
                if (version < STEPS.size()) st.execute("PRAGMA user_version = " + STEPS.size());
                st.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                st.execute("ROLLBACK");
                throw e;
            }
        }
    }
}
