package ai.apprentice.server;

import ai.apprentice.harness.Harness;
import ai.apprentice.harness.StoreSetting;
import ai.apprentice.store.Database;
import ai.apprentice.store.PgSchema;
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
import java.util.Map;

/**
 * What the server keeps beside the run store: access tokens (hashed), conversations and which runs belong to them, and
 * the runs the server accepted, so that queued and interrupted runs go on after a restart. Runs and their events stay
 * in the run store, the one source of truth, and so does the history an OpenAI-style request brought (workers of an
 * engine read it there); {@code given_history} holds only what earlier versions kept here.
 *
 * <p>Where: {@code $APPRENTICE_HOME/server/NAME.db} (SQLite, WAL) by default; in the PostgreSQL database of the
 * {@code store} setting when it names one, each component (server, channels, triggers) in a schema of its own
 * ({@code apprentice_NAME}), so that servers behind a load balancer share tokens, conversations, chat deliveries and
 * trigger fires: a webhook redelivered to another server, or a schedule two servers see due, is claimed once.
 */
public final class ServerDb implements AutoCloseable {
    static final List<String> STEPS = List.of("""
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
            """, """
            ALTER TABLE accepted_runs ADD COLUMN server TEXT;
            """);

    private final String where;
    private final Path file;
    private final Connection db;
    private final Database pg;
    private final String schema;
    private final boolean ownsPg;

    private ServerDb(String where, Path file, Connection db, Database pg, String schema, boolean ownsPg) {
        this.where = where;
        this.file = file;
        this.db = db;
        this.pg = pg;
        this.schema = schema;
        this.ownsPg = ownsPg;
    }

    static ServerDb open(Path file) {
        return open(file, STEPS);
    }

    /** The server's own database, where the harness keeps its stores: a file in its home, or its PostgreSQL. */
    static ServerDb open(Harness harness) {
        return open(harness, "server", STEPS);
    }

    /**
     * An entry point's database named {@code name} (server, channels, triggers), migrated through {@code steps}:
     * {@code $APPRENTICE_HOME/server/NAME.db}, or schema {@code apprentice_NAME} of the harness's PostgreSQL.
     */
    public static ServerDb open(Harness harness, String name, List<String> steps) {
        if (!harness.storeSetting().postgresql()) return open(harness.home().resolve("server").resolve(name + ".db"), steps);
        return open(harness.database(), name, steps, false);
    }

    /**
     * The same for a command that has no harness ({@code serve token}, {@code triggers}): the store setting is read from
     * {@code home}'s config and {@code env}; a PostgreSQL pool opened here is closed with the database.
     */
    public static ServerDb open(Path home, Map<String, String> env, String name, List<String> steps) {
        StoreSetting setting;
        try {
            setting = StoreSetting.read(home, env);
        } catch (RuntimeException e) {
            throw new ServerException(e.getMessage(), e);
        }
        if (!setting.postgresql()) return open(home.resolve("server").resolve(name + ".db"), steps);
        Database database;
        try {
            database = setting.connect(env);
        } catch (RuntimeException e) {
            throw new ServerException(e.getMessage(), e); // it names the setting and what to do
        }
        try {
            return open(database, name, steps, true);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
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
            return new ServerDb(file.toString(), file, db, null, null, false);
        } catch (SQLException | java.io.IOException e) {
            throw new ServerException("Cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    static ServerDb open(Database database, String name, List<String> steps, boolean owns) {
        String schema = "apprentice_" + name;
        String where = "schema " + schema + " of " + database;
        try (var c = database.connection()) {
            PgSchema.apply(c, name, schema, steps, (stored, known) -> new ServerException(where + " has schema version " + stored
                    + ", newer than this apprentice understands (" + known + "). Upgrade apprentice on every machine that shares it."));
            return new ServerDb(where, null, null, database, schema, owns);
        } catch (SQLException e) {
            throw new ServerException("Cannot open " + where + ": " + e.getMessage(), e);
        }
    }

    Path file() {
        return file;
    }

    public interface Rows<T> {
        T read(ResultSet rs) throws SQLException;
    }

    public <T> List<T> query(String sql, Rows<T> row, Object... args) {
        try {
            return run(c -> {
                try (var ps = prepare(c, sql, args); var rs = ps.executeQuery()) {
                    var out = new ArrayList<T>();
                    while (rs.next()) out.add(row.read(rs));
                    return out;
                }
            });
        } catch (SQLException e) {
            throw new ServerException("Cannot read " + where + ": " + e.getMessage(), e);
        }
    }

    /** One statement in its own transaction. */
    public int update(String sql, Object... args) {
        try {
            return run(c -> {
                try (var ps = prepare(c, sql, args)) {
                    return ps.executeUpdate();
                }
            });
        } catch (SQLException e) {
            throw new ServerException("Cannot write " + where + ": " + e.getMessage(), e);
        }
    }

    private interface Statement<T> {
        T on(Connection c) throws SQLException;
    }

    /** SQLite: on the one connection, one statement at a time. PostgreSQL: a pooled connection, in this component's schema. */
    private <T> T run(Statement<T> statement) throws SQLException {
        if (pg == null) {
            synchronized (this) {
                return statement.on(db);
            }
        }
        try (var c = pg.connection()) {
            c.setAutoCommit(false);
            try {
                try (var st = c.createStatement()) {
                    st.execute("SET LOCAL search_path TO " + PgSchema.quoted(schema)); // this transaction only: the pool is shared
                }
                var out = statement.on(c);
                c.commit();
                return out;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        var ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
        return ps;
    }

    /** Whether this database is shared by the servers of one PostgreSQL (not a file in this home). */
    public boolean shared() {
        return pg != null;
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
    public void close() {
        if (pg != null) {
            if (ownsPg) pg.close();
            return;
        }
        synchronized (this) {
            try {
                db.close();
            } catch (SQLException e) {
                throw new ServerException("Cannot close " + file + ": " + e.getMessage(), e);
            }
        }
    }
}
