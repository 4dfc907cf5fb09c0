package ai.apprentice.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Versioned migrations on PostgreSQL, the same versions as SQLite's {@code PRAGMA user_version}: one row per
 * component (the run store, the memory store) in {@value #TABLE}, so that both can share one database. Two
 * processes opening a new database at once are serialised by an advisory lock held for the transaction.
 */
public final class PgSchema {
    public static final String TABLE = "apprentice_schema";
    /** Any fixed number: the advisory lock that serialises migrations of every component. */
    private static final long LOCK = 0x61707072656e7469L; // "apprenti"

    private PgSchema() {}

    /** What to say when the database is newer than this code: the stored and the known version. */
    public interface TooNew {
        RuntimeException error(int stored, int known);
    }

    /** Applies the steps of {@code component} not applied yet, in one transaction; refuses a newer schema. Returns the version. */
    public static int apply(Connection c, String component, List<String> steps, TooNew tooNew) throws SQLException {
        return apply(c, component, null, steps, tooNew);
    }

    /**
     * The same with the component's tables in a PostgreSQL schema of their own ({@code schema}, made if missing), for
     * components whose table names would clash with others' (a chat channel's {@code runs} beside the run store's).
     * Its version is kept in the one {@value #TABLE} with everyone else's, so doctor reads all versions in one place.
     */
    public static int apply(Connection c, String component, String schema, List<String> steps, TooNew tooNew) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (var st = c.createStatement()) {
            st.execute("SELECT pg_advisory_xact_lock(" + LOCK + ")");
            st.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
            String versions = TABLE;
            if (schema != null) {
                try (var rs = st.executeQuery("SELECT quote_ident(current_schema())")) {
                    rs.next();
                    versions = rs.getString(1) + "." + TABLE; // where the table above is, before the path moves
                }
                st.execute("CREATE SCHEMA IF NOT EXISTS " + quoted(schema));
                st.execute("SET LOCAL search_path TO " + quoted(schema)); // the steps' tables go there; reverts at commit
            }
            int version = 0;
            try (var ps = c.prepareStatement("SELECT version FROM " + versions + " WHERE component = ?")) {
                ps.setString(1, component);
                try (var rs = ps.executeQuery()) {
                    if (rs.next()) version = rs.getInt(1);
                }
            }
            if (version > steps.size()) throw tooNew.error(version, steps.size());
            for (int v = version; v < steps.size(); v++) {
                for (var sql : steps.get(v).split(";")) if (!sql.isBlank()) st.execute(sql);
            }
            if (version < steps.size()) {
                try (var ps = c.prepareStatement("INSERT INTO " + versions + "(component, version) VALUES (?, ?) "
                        + "ON CONFLICT (component) DO UPDATE SET version = excluded.version")) {
                    ps.setString(1, component);
                    ps.setInt(2, steps.size());
                    ps.executeUpdate();
                }
            }
            c.commit();
            return steps.size();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** A schema's name as an SQL identifier: lowercase letters, digits and underscores only (it is ours, never a user's). */
    public static String quoted(String schema) {
        if (!schema.matches("[a-z_][a-z0-9_]*")) throw new IllegalArgumentException("not a schema name: " + schema);
        return '"' + schema + '"';
    }

    /** Sets a component's version, for tests that need a database newer than the code. */
    static void force(Connection c, String component, int version) throws SQLException {
        try (var ps = c.prepareStatement("UPDATE " + TABLE + " SET version = ? WHERE component = ?")) {
            ps.setInt(1, version);
            ps.setString(2, component);
            ps.executeUpdate();
        }
    }
}
