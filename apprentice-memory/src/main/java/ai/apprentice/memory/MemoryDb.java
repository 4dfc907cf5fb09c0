package ai.apprentice.memory;

import ai.apprentice.memory.Memory.Change;
import ai.apprentice.memory.Memory.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The store's truth in SQLite or PostgreSQL: every memory with its embeddings, the log of changes, and a few settings.
 * On PostgreSQL each call (or transaction) borrows a connection from the shared pool, and write transactions take one
 * advisory lock, as SQLite's BEGIN IMMEDIATE takes the file: change numbers are then committed in the order they are
 * given, so an index that caught up to change N never misses a change below N committed later.
 * Every SQL problem comes out as a {@link MemoryException} that names the file (and the memory, where there
 * is one). Not thread-safe: {@link MemoryStore} serialises the calls.
 */
final class MemoryDb implements AutoCloseable {
    /** Everything a {@link Memory} shows; the embeddings stay on disk unless asked for. */
    private static final String COLUMNS = "id, text, context, kind, scope, source, source_seq, confidence, weight, recalls, created_at, "
            + "last_recalled_at, superseded_by, forgotten";
    private static final String ACTIVE = "forgotten = 0 AND superseded_by IS NULL";

    /** A memory with its stored vectors (null where none is stored) and the embedding model that made them. */
    record Stored(Memory memory, String embedder, float[] vector, float[] contextVector) {}

    /** Any fixed number: the advisory lock every memory write transaction on PostgreSQL holds. */
    private static final long WRITE_LOCK = 0x6d656d6f72795f77L; // "memory_w"

    /** SQLite: the one connection. Null on PostgreSQL. */
    private final Connection fixed;
    /** PostgreSQL: the pool (its owner closes it). Null on SQLite. */
    private final ai.apprentice.store.Database database;
    /** The connection of the call or transaction in progress, on PostgreSQL. */
    private Connection current;
    private final String where;
    /** Prepared statements: on SQLite for the store's life, on PostgreSQL for one borrowed connection. */
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    private MemoryDb(Connection fixed, ai.apprentice.store.Database database, String where) {
        this.fixed = fixed;
        this.database = database;
        this.where = where;
    }

    /** Opens the memory tables in a PostgreSQL database, bringing their schema up to date. */
    static MemoryDb open(ai.apprentice.store.Database database) {
        String where = database.toString();
        try (var c = database.connection()) {
            MemorySchema.applyPostgresql(c, where);
        } catch (SQLException e) {
            throw new MemoryException("cannot open the memory store in " + where + ": " + e.getMessage(), e);
        }
        return new MemoryDb(null, database, where);
    }

    private Connection conn() {
        if (current != null) return current;
        if (fixed != null) return fixed;
        throw new IllegalStateException("no connection outside a call");
    }

    /** Opens the database on {@code db}, bringing its schema up to date. */
    static MemoryDb open(Connection db) {
        String where = where(db);
        try {
            try (var st = db.createStatement()) {
                st.execute("PRAGMA busy_timeout = 30000");
                st.execute("PRAGMA journal_mode = WAL");
                st.execute("PRAGMA synchronous = NORMAL");
            }
            MemorySchema.apply(db, where);
            return new MemoryDb(db, null, where);
        } catch (SQLException e) {
            throw new MemoryException("cannot open the memory database " + where + ": " + e.getMessage(), e);
        }
    }

    private static String where(Connection db) {
        try {
            return db.getMetaData().getURL().replaceFirst("^jdbc:sqlite:", "");
        } catch (SQLException e) {
            return "(memory database)";
        }
    }

    // ---------------------------------------------------------------- memories

    Memory get(String id) {
        return sql("cannot read memory " + id, () -> first(prepared("SELECT " + COLUMNS + " FROM memories WHERE id = ?", id)));
    }

    /** The memory not forgotten in {@code scope} with this hash (of kind and text), if any. */
    Memory sameIn(String scope, String hash) {
        return sql("cannot look for a duplicate in " + scope, () ->
                first(prepared("SELECT " + COLUMNS + " FROM memories WHERE scope = ? AND hash = ? AND forgotten = 0", scope, hash)));
    }

    /** The active memory at position {@code seq} of {@code source}, if any. */
    Memory activeAt(String source, int seq) {
        return sql("cannot read " + source + " #" + seq, () ->
                first(prepared("SELECT " + COLUMNS + " FROM memories WHERE source = ? AND source_seq = ? AND " + ACTIVE, source, seq)));
    }

    /** Memories, newest first; inactive ones (forgotten, superseded) only when asked. */
    List<Memory> list(String scope, boolean includeInactive, int limit) {
        var where = new StringBuilder("WHERE 1 = 1");
        if (!includeInactive) where.append(" AND ").append(ACTIVE);
        if (scope != null) where.append(" AND scope = ?");
        var sql = "SELECT " + COLUMNS + " FROM memories " + where + " ORDER BY created_at DESC, rowid DESC LIMIT ?";
        return sql("cannot list memories", () -> memories(scope == null ? prepared(sql, limit) : prepared(sql, scope, limit)));
    }

    /** The rows of these ids, in one query per 500. */
    List<Memory> byIds(Collection<String> ids) {
        var out = new ArrayList<Memory>();
        var list = new ArrayList<>(ids);
        for (int from = 0; from < list.size(); from += 500) {
            var part = list.subList(from, Math.min(list.size(), from + 500));
            sql("cannot read memories " + part.getFirst() + "...", () -> {
                try (var st = conn().prepareStatement("SELECT " + COLUMNS + " FROM memories WHERE id IN (" + "?,".repeat(part.size() - 1) + "?)")) {
                    for (int i = 0; i < part.size(); i++) st.setString(i + 1, part.get(i));
                    return out.addAll(memories(st));
                }
            });
        }
        return out;
    }

    int count() {
        return sql("cannot count memories", () -> {
            try (var rs = prepared("SELECT COUNT(*) FROM memories WHERE " + ACTIVE).executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        });
    }

    /** Every active memory, oldest first, with its stored vectors (the context's only when asked: they are big). */
    List<Stored> active(boolean contextVectors) {
        return sql("cannot read the active memories", () -> stored(prepared("SELECT " + COLUMNS + ", embedder, vector"
                + (contextVectors ? ", context_vector" : "") + " FROM memories WHERE " + ACTIVE + " ORDER BY created_at, rowid"), contextVectors));
    }

    /** An active memory with all its vectors, or null when it is not active (or gone). */
    Stored active(String id) {
        return sql("cannot read memory " + id, () -> {
            var rows = stored(prepared("SELECT " + COLUMNS + ", embedder, vector, context_vector FROM memories WHERE id = ? AND " + ACTIVE, id), true);
            return rows.isEmpty() ? null : rows.getFirst();
        });
    }

    void insert(String id, Memory.New n, String text, String context, String hash, String space, float[] vector, float[] contextVector) {
        write(id, "INSERT INTO memories(id, text, context, kind, scope, source, source_seq, hash, confidence, created_at, embedder, vector, context_vector) "
                        + "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", id, text, context, n.kind().label(), n.scope(), n.source(), n.sourceSeq(), hash,
                n.confidence(), Instant.now().toString(), space, bytes(vector), contextVector == null ? null : bytes(contextVector));
    }

    void setSupersededBy(String id, String byOrNull) {
        write(id, "UPDATE memories SET superseded_by = ? WHERE id = ?", byOrNull, id);
    }

    void setForgotten(String id, boolean forgotten) {
        write(id, "UPDATE memories SET forgotten = ? WHERE id = ?", forgotten ? 1 : 0, id);
    }

    void setWeight(String id, double weight) {
        write(id, "UPDATE memories SET weight = ? WHERE id = ?", weight, id);
    }

    void recalled(String id, Instant at) {
        write(id, "UPDATE memories SET recalls = recalls + 1, last_recalled_at = ? WHERE id = ?", at.toString(), id);
    }

    /** Deletes the row and erases its text from the log: for good. */
    void erase(String id) {
        write(id, "DELETE FROM memories WHERE id = ?", id);
        write(id, "UPDATE changes SET text = NULL, before = NULL WHERE memory_id = ?", id);
    }

    // ---------------------------------------------------------------- the change log

    void log(String batch, String op, String id, String text, String before, String reason) {
        write(id, "INSERT INTO changes(batch, at, op, memory_id, text, before, reason) VALUES (?,?,?,?,?,?,?)",
                batch, Instant.now().toString(), op, id, text, before, reason);
    }

    void markUndone(Change c) {
        write(c.memoryId(), "UPDATE changes SET undone = 1 WHERE seq = ?", c.seq());
    }

    /** Changes, newest first: all of them, or one batch's. */
    List<Change> history(String batch, int limit) {
        return sql("cannot read the history" + (batch == null ? "" : " of batch " + batch), () -> {
            var st = batch == null ? prepared("SELECT * FROM changes ORDER BY seq DESC LIMIT ?", limit)
                    : prepared("SELECT * FROM changes WHERE batch = ? ORDER BY seq DESC LIMIT ?", batch, limit);
            var out = new ArrayList<Change>();
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new Change(rs.getLong("seq"), rs.getString("batch"), Instant.parse(rs.getString("at")), rs.getString("op"),
                            rs.getString("memory_id"), rs.getString("text"), rs.getString("before"), rs.getString("reason"), rs.getInt("undone") == 1));
                }
            }
            return out;
        });
    }

    /** The last change's number; 0 when there is none. */
    long lastSeq() {
        return sql("cannot read the change log", () -> {
            try (var rs = prepared("SELECT COALESCE(MAX(seq), 0) FROM changes").executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    /** The memories changed after change {@code after}, up to {@code upTo}. */
    Set<String> changedBetween(long after, long upTo) {
        return sql("cannot read the change log", () -> {
            var ids = new LinkedHashSet<String>();
            try (var rs = prepared("SELECT DISTINCT memory_id FROM changes WHERE seq > ? AND seq <= ?", after, upTo).executeQuery()) {
                while (rs.next()) ids.add(rs.getString(1));
            }
            return ids;
        });
    }

    // ---------------------------------------------------------------- settings

    String meta(String key) {
        return sql("cannot read " + key, () -> {
            try (var rs = prepared("SELECT value FROM meta WHERE key = ?", key).executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        });
    }

    void putMeta(String key, String value) {
        sql("cannot write " + key, () -> prepared("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                key, value).executeUpdate());
    }

    // ---------------------------------------------------------------- plumbing

    /** Runs {@code work} in one transaction; any exception rolls it back and is rethrown. */
    void inTransaction(Runnable work) {
        if (database != null) {
            pgTransaction(work);
            return;
        }
        // BEGIN IMMEDIATE takes the write lock first, so two processes do not both read and then both write.
        sql("cannot start a transaction", () -> execute("BEGIN IMMEDIATE"));
        try {
            work.run();
            sql("cannot commit", () -> execute("COMMIT"));
        } catch (RuntimeException e) {
            try {
                execute("ROLLBACK");
            } catch (SQLException r) {
                e.addSuppressed(r);
            }
            throw e;
        }
    }

    /** PostgreSQL: one borrowed connection for the whole transaction, under the write lock (see the class comment). */
    private void pgTransaction(Runnable work) {
        sql("cannot run a memory transaction", () -> {
            var c = conn();
            c.setAutoCommit(false);
            try {
                execute("SELECT pg_advisory_xact_lock(" + WRITE_LOCK + ")");
                work.run();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException r) {
                    e.addSuppressed(r);
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            return null;
        });
    }

    private boolean execute(String sql) throws SQLException {
        try (var st = conn().createStatement()) {
            return st.execute(sql);
        }
    }

    private interface Sql<T> {
        T run() throws SQLException;
    }

    private <T> T sql(String what, Sql<T> work) {
        try {
            if (fixed != null || current != null) return work.run();
            try (var c = database.connection()) { // PostgreSQL: a connection for this call, given back after
                current = c;
                try {
                    return work.run();
                } finally {
                    current = null;
                    closeStatements();
                }
            }
        } catch (SQLException e) {
            throw new MemoryException(what + " (" + where + "): " + e.getMessage(), e);
        }
    }

    private void write(String id, String sql, Object... args) {
        sql("cannot change memory " + id, () -> prepared(sql, args).executeUpdate());
    }

    /** A cached statement with its parameters set. */
    private PreparedStatement prepared(String sql, Object... args) throws SQLException {
        var st = statements.get(sql);
        if (st == null) statements.put(sql, st = conn().prepareStatement(sql));
        for (int i = 0; i < args.length; i++) st.setObject(i + 1, args[i]);
        return st;
    }

    private static Memory first(PreparedStatement st) throws SQLException {
        var rows = memories(st);
        return rows.isEmpty() ? null : rows.getFirst();
    }

    private static List<Memory> memories(PreparedStatement st) throws SQLException {
        var out = new ArrayList<Memory>();
        try (var rs = st.executeQuery()) {
            while (rs.next()) out.add(memory(rs));
        }
        return out;
    }

    private static List<Stored> stored(PreparedStatement st, boolean contexts) throws SQLException {
        var out = new ArrayList<Stored>();
        try (var rs = st.executeQuery()) {
            while (rs.next()) {
                out.add(new Stored(memory(rs), rs.getString("embedder"), floats(rs.getBytes("vector")),
                        contexts ? floats(rs.getBytes("context_vector")) : null));
            }
        }
        return out;
    }

    /** The memory on the result set's current row. */
    private static Memory memory(ResultSet rs) throws SQLException {
        int seq = rs.getInt("source_seq");
        Integer sourceSeq = rs.wasNull() ? null : seq;
        String recalled = rs.getString("last_recalled_at");
        return new Memory(rs.getString("id"), rs.getString("text"), rs.getString("context"), Kind.parse(rs.getString("kind")),
                rs.getString("scope"), rs.getString("source"), sourceSeq, rs.getDouble("confidence"), rs.getDouble("weight"),
                rs.getInt("recalls"), Instant.parse(rs.getString("created_at")), recalled == null ? null : Instant.parse(recalled),
                rs.getString("superseded_by"), rs.getInt("forgotten") == 1);
    }

    private void closeStatements() throws SQLException {
        try {
            for (var st : statements.values()) st.close();
        } finally {
            statements.clear();
        }
    }

    /** Vectors are stored as little-endian float32 blobs. */
    static byte[] bytes(float[] v) {
        var buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(v);
        return buf.array();
    }

    static float[] floats(byte[] b) {
        if (b == null) return null;
        var out = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    @Override
    public void close() {
        sql("cannot close", () -> {
            closeStatements();
            if (fixed != null) fixed.close();
            return null;
        });
    }
}
