package ai.apprentice.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The schema, as an ordered list of migrations, for SQLite and, version for version, for PostgreSQL. SQLite's
 * {@code PRAGMA user_version} (PostgreSQL: {@link PgSchema}'s row for "runs") says how many have been applied; new
 * ones run in one transaction at open. Never edit a released step: append one, to both lists.
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
            """,
            // 3: the machine a running run's process lives on: a process on another machine sharing the store must
            // not take that run for dead because no such pid runs where it looks.
            """
            ALTER TABLE runs ADD COLUMN host TEXT;
            """,
            // 4: markInterrupted looks for running runs at every read of a run: without this it read the whole table
            """
            CREATE INDEX runs_running ON runs(host) WHERE status = 'running';
            """,
            // 5: the earlier messages a request brought (an OpenAI-compatible conversation), kept under the new run's id
            // before the run exists, so that whoever begins it (the server, or a durable engine's worker) reads them here
            """
            CREATE TABLE given_messages (
              run_id TEXT PRIMARY KEY,
              messages_json TEXT NOT NULL,
              given_at TEXT NOT NULL
            );
            """,
            // 6: the tool calls of runs on a durable engine that wait for a person, as their workers record them, so
            // that every server sharing the store lists them with one read (RunStore.approvalsWaiting); subject and
            // arguments are dropped once the call is settled
            """
            CREATE TABLE engine_approvals (
              run_id TEXT NOT NULL REFERENCES runs(id),
              id TEXT NOT NULL,
              tool TEXT NOT NULL,
              subject TEXT,
              arguments TEXT,
              asked_at TEXT NOT NULL,
              expires_at TEXT NOT NULL,
              settled TEXT,
              PRIMARY KEY (run_id, id)
            ) WITHOUT ROWID;
            CREATE INDEX engine_approvals_waiting ON engine_approvals(expires_at) WHERE settled IS NULL;
            """);

    /**
     * The same versions on PostgreSQL. Identifiers and timestamps compare byte by byte (COLLATE "C"), as SQLite's
     * text does, so that prefixes and time order mean the same whatever the database's locale. Payloads stay JSON
     * text (not jsonb): they are read back exactly as written.
     */
    static final List<String> POSTGRESQL_STEPS = List.of(
            """
            CREATE TABLE runs (
              id TEXT COLLATE "C" PRIMARY KEY,
              parent_id TEXT COLLATE "C",
              status TEXT NOT NULL,
              stop_reason TEXT,
              task TEXT NOT NULL,
              model TEXT,
              workspace TEXT,
              started_at TEXT COLLATE "C" NOT NULL,
              updated_at TEXT COLLATE "C" NOT NULL,
              finished_at TEXT COLLATE "C",
              steps INTEGER NOT NULL DEFAULT 0,
              input_tokens BIGINT NOT NULL DEFAULT 0,
              output_tokens BIGINT NOT NULL DEFAULT 0,
              cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
              answer TEXT,
              pid BIGINT,
              pid_started_at TEXT,
              settings_json TEXT
            );
            CREATE INDEX runs_started ON runs(started_at);
            CREATE INDEX runs_parent ON runs(parent_id);
            CREATE TABLE events (
              run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id),
              seq BIGINT NOT NULL,
              type TEXT NOT NULL,
              at TEXT COLLATE "C" NOT NULL,
              payload TEXT NOT NULL,
              PRIMARY KEY (run_id, seq)
            );
            """,
            """
            CREATE INDEX events_type ON events(type, run_id);
            CREATE TABLE written_files (
              workspace TEXT COLLATE "C" NOT NULL,
              path TEXT COLLATE "C" NOT NULL,
              run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id),
              sha256 TEXT NOT NULL,
              content TEXT,
              written_at TEXT NOT NULL,
              PRIMARY KEY (workspace, path)
            );
            """,
            """
            ALTER TABLE runs ADD COLUMN host TEXT;
            """,
            // 4: markInterrupted looks for running runs at every read of a run: without this it read the whole table
            """
            CREATE INDEX runs_running ON runs(host) WHERE status = 'running';
            """,
            """
            CREATE TABLE given_messages (
              run_id TEXT COLLATE "C" PRIMARY KEY,
              messages_json TEXT NOT NULL,
              given_at TEXT COLLATE "C" NOT NULL
            );
            """,
            """
            CREATE TABLE engine_approvals (
              run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id),
              id TEXT COLLATE "C" NOT NULL,
              tool TEXT NOT NULL,
              subject TEXT,
              arguments TEXT,
              asked_at TEXT COLLATE "C" NOT NULL,
              expires_at TEXT COLLATE "C" NOT NULL,
              settled TEXT,
              PRIMARY KEY (run_id, id)
            );
            CREATE INDEX engine_approvals_waiting ON engine_approvals(expires_at) WHERE settled IS NULL;
            """);

    static {
        if (STEPS.size() != POSTGRESQL_STEPS.size()) throw new IllegalStateException("every migration needs its PostgreSQL version");
    }

    private Migrations() {}

    /** Brings the run store's schema on PostgreSQL up to date. */
    static void applyPostgresql(Connection c, String where) throws SQLException {
        PgSchema.apply(c, "runs", POSTGRESQL_STEPS, (stored, known) -> tooNew(where, stored, known));
    }

    private static StoreException tooNew(String where, int version, int known) {
        return new StoreException(where + " has schema version " + version + ", newer than this apprentice "
                + "understands (" + known + "). Upgrade apprentice, or point APPRENTICE_HOME elsewhere.");
    }

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
                    throw tooNew(where, version, STEPS.size());
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
