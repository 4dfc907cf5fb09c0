package ai.apprentice.memory.playbook;

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
import java.util.Optional;

/**
 * What learning changed, in SQLite ({@code $APPRENTICE_HOME/learning/learned.db}): every version of every learned
 * artifact (the playbook, a skill's files) and every decision of the gate with its evidence. An artifact's live
 * version is the one agents use; undoing a decision makes the version before it live again as a new version with
 * the same bytes, so history only grows. Safe for several threads; several processes share it through SQLite's
 * locking. On PostgreSQL (the {@code store} setting) it lives in schema {@code apprentice_learned} of the shared
 * database, so every machine's agents use what learning made live, and an undo on one machine counts on all; writes
 * take an advisory lock so that versions are numbered in order across processes.
 */
public final class LearnedStore implements AutoCloseable {
    /** The artifact that holds every lesson of every scope. */
    public static final String PLAYBOOK = "playbook";

    /** One version of an artifact; {@code content} null means the artifact did not exist (a skill before it was made). */
    public record Version(String artifact, int version, String content, Instant at, String reason, String decision) {}

    /**
     * One decision: a candidate, what the gate measured (JSON evidence: evaluation ids, difference, interval, cost),
     * and, when it was applied, the versions of the artifact before and after.
     */
    public record Decision(String id, Instant at, String kind, String env, boolean accepted, String summary, String evidence,
                           String artifact, Integer before, Integer after, String undoneBy) {}

    /** The schema of the learning store's tables on PostgreSQL (its table names are generic: versions, live, decisions). */
    static final String SCHEMA = "apprentice_learned";
    private static final List<String> PG_STEPS = List.of("""
            CREATE TABLE versions (artifact TEXT NOT NULL, version INTEGER NOT NULL, content TEXT, at TEXT NOT NULL, reason TEXT NOT NULL,
              decision TEXT, PRIMARY KEY (artifact, version));
            CREATE TABLE live (artifact TEXT PRIMARY KEY, version INTEGER NOT NULL);
            CREATE TABLE decisions (seq BIGSERIAL, id TEXT PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, env TEXT, accepted INTEGER NOT NULL,
              summary TEXT NOT NULL, evidence TEXT NOT NULL, artifact TEXT, before_version INTEGER, after_version INTEGER, undone_by TEXT)
            """);
    /** Any fixed number: the advisory lock that orders writes of the learning store across processes. */
    private static final long WRITE_LOCK = 0x6c6561726e6564L; // "learned"

    /** SQLite: the one connection. PostgreSQL: the pooled connection of the call in progress (calls are synchronized). */
    private Connection db;
    private final Path file;
    private final ai.apprentice.store.Database pg;
    private final String where;
    private int depth;

    private LearnedStore(Connection db, Path file, ai.apprentice.store.Database pg, String where) {
        this.db = db;
        this.file = file;
        this.pg = pg;
        this.where = where;
    }

    /** The learning store in schema apprentice_learned of a PostgreSQL database (made and migrated on first use). */
    public static LearnedStore open(ai.apprentice.store.Database database) {
        String where = "schema " + SCHEMA + " of " + database;
        try (var c = database.connection()) {
            ai.apprentice.store.PgSchema.apply(c, "learned", SCHEMA, PG_STEPS, (stored, known) -> new IllegalStateException(where
                    + " has schema version " + stored + ", newer than this apprentice understands (" + known + "). Upgrade apprentice on every machine that shares it."));
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot open the learning store in " + where + ": " + e.getMessage(), e);
        }
        return new LearnedStore(null, null, database, where);
    }

    public static LearnedStore open(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            // Transactions begin IMMEDIATE: a read-then-write one (updatePlaybook) that began deferred fails with SQLITE_BUSY,
            // not waits, when another process wrote meanwhile.
            var properties = new java.util.Properties();
            properties.setProperty("transaction_mode", "IMMEDIATE");
            var db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), properties);
            try (var st = db.createStatement()) {
                st.execute("PRAGMA busy_timeout = 30000");
                st.execute("PRAGMA journal_mode = WAL");
                st.execute("CREATE TABLE IF NOT EXISTS versions (artifact TEXT NOT NULL, version INTEGER NOT NULL, content TEXT, "
                        + "at TEXT NOT NULL, reason TEXT NOT NULL, decision TEXT, PRIMARY KEY (artifact, version))");
                st.execute("CREATE TABLE IF NOT EXISTS live (artifact TEXT PRIMARY KEY, version INTEGER NOT NULL)");
                st.execute("CREATE TABLE IF NOT EXISTS decisions (id TEXT PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, env TEXT, "
                        + "accepted INTEGER NOT NULL, summary TEXT NOT NULL, evidence TEXT NOT NULL, artifact TEXT, before_version INTEGER, "
                        + "after_version INTEGER, undone_by TEXT)");
            }
            return new LearnedStore(db, file, null, file.toString());
        } catch (java.io.IOException | SQLException e) {
            throw new IllegalStateException("Cannot open the learning store " + file + ": " + e.getMessage(), e);
        }
    }

    /** The SQLite file, or null on PostgreSQL. */
    public Path file() { return file; }

    /** Where it is, as shown to people: the file, or the schema and database (never with a password). */
    public String where() { return where; }

    /** The live content of an artifact, or empty when it has none (never learned, or a skill that was removed). */
    public synchronized Optional<String> live(String artifact) {
        return liveVersion(artifact).map(Version::content);
    }

    public synchronized Optional<Version> liveVersion(String artifact) {
        return sql("read " + artifact, () -> {
            try (var st = db.prepareStatement("SELECT v.artifact, v.version, v.content, v.at, v.reason, v.decision FROM live l JOIN versions v "
                    + "ON v.artifact = l.artifact AND v.version = l.version WHERE l.artifact = ?")) {
                st.setString(1, artifact);
                var list = versions(st);
                return list.isEmpty() ? Optional.<Version>empty() : Optional.of(list.getFirst());
            }
        });
    }

    /** The live examples (empty when none were kept). */
    public Examples examples() {
        return live(Examples.ARTIFACT).map(Examples::fromJson).orElse(Examples.empty());
    }

    /** The live routing of scopes to models (empty when nothing was learned). */
    public Routing routing() {
        return live(Routing.ARTIFACT).map(Routing::fromJson).orElse(Routing.empty());
    }

    /** The live playbook (empty when nothing was learned yet). */
    public Playbook playbook() {
        return live(PLAYBOOK).map(Playbook::fromJson).orElse(Playbook.empty());
    }

    /**
     * Makes {@code content} the live version of {@code artifact}. The first version of an artifact that had none is
     * preceded by an "absent" version 0, so undo of the first change has something to go back to.
     */
    public synchronized Version put(String artifact, String content, String reason, String decision) {
        return transaction("save " + artifact, () -> save(artifact, content, reason, decision));
    }

    /** The next version of {@code artifact}, made live; inside a transaction. */
    private Version save(String artifact, String content, String reason, String decision) throws SQLException {
        int last = lastVersion(artifact);
        if (last < 0) {
            insert(artifact, 0, null, "before anything was learned", null);
            last = 0;
        }
        var v = insert(artifact, last + 1, content, reason, decision);
        try (var st = db.prepareStatement("INSERT INTO live (artifact, version) VALUES (?, ?) ON CONFLICT (artifact) DO UPDATE SET version = excluded.version")) {
            st.setString(1, artifact);
            st.setInt(2, v.version());
            st.executeUpdate();
        }
        return v;
    }

    /**
     * Applies {@code change} to the live playbook and saves the result as the new live version, in one transaction, so
     * that a change made meanwhile (an undo, another loop's lesson) is built on, never overwritten. Returns the version
     * before and the one saved, or null when {@code change} changes nothing.
     */
    public synchronized Version[] updatePlaybook(java.util.function.UnaryOperator<Playbook> change, String reason, String decision) {
        return transaction("update the playbook", () -> {
            var live = liveVersion(PLAYBOOK);
            var current = live.map(Version::content).map(Playbook::fromJson).orElse(Playbook.empty());
            var next = change.apply(current);
            if (next.equals(current)) return null;
            var before = live.orElse(new Version(PLAYBOOK, 0, null, Instant.now(), "before anything was learned", null));
            return new Version[] {before, save(PLAYBOOK, next.json(), reason, decision)};
        });
    }

    public synchronized List<Version> history(String artifact) {
        return sql("read the history of " + artifact, () -> {
            try (var st = db.prepareStatement("SELECT artifact, version, content, at, reason, decision FROM versions WHERE artifact = ? ORDER BY version")) {
                st.setString(1, artifact);
                return versions(st);
            }
        });
    }

    public synchronized Optional<Version> version(String artifact, int version) {
        return history(artifact).stream().filter(v -> v.version() == version).findFirst();
    }

    /** The artifacts that have versions. */
    public synchronized List<String> artifacts() {
        return sql("list artifacts", () -> {
            var out = new ArrayList<String>();
            try (var st = db.prepareStatement("SELECT DISTINCT artifact FROM versions ORDER BY artifact"); var rs = st.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        });
    }

    public synchronized void record(Decision d) {
        sql("record decision " + d.id(), () -> {
            try (var st = db.prepareStatement("INSERT INTO decisions (id, at, kind, env, accepted, summary, evidence, artifact, before_version, "
                    + "after_version, undone_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                st.setString(1, d.id());
                st.setString(2, d.at().toString());
                st.setString(3, d.kind());
                st.setString(4, d.env());
                st.setInt(5, d.accepted() ? 1 : 0);
                st.setString(6, d.summary());
                st.setString(7, d.evidence());
                st.setString(8, d.artifact());
                st.setObject(9, d.before());
                st.setObject(10, d.after());
                st.setString(11, d.undoneBy());
                return st.executeUpdate();
            }
        });
    }

    /** Decisions, newest first. */
    public synchronized List<Decision> decisions(int limit) {
        return sql("list decisions", () -> {
            try (var st = db.prepareStatement("SELECT * FROM decisions ORDER BY at DESC, " + (pg == null ? "rowid" : "seq") + " DESC LIMIT ?")) {
                st.setInt(1, limit);
                return decisions(st);
            }
        });
    }

    /** A decision by id or unique prefix. */
    public synchronized Optional<Decision> decision(String idOrPrefix) {
        var found = sql("read decision " + idOrPrefix, () -> {
            try (var st = db.prepareStatement("SELECT * FROM decisions WHERE id = ? OR id LIKE ? ORDER BY id LIMIT 2")) {
                st.setString(1, idOrPrefix);
                st.setString(2, idOrPrefix.replace("%", "").replace("_", "\\_") + "%");
                return decisions(st);
            }
        });
        var exact = found.stream().filter(d -> d.id().equals(idOrPrefix)).findFirst();
        if (exact.isPresent()) return exact;
        if (found.size() > 1) throw new IllegalArgumentException("'" + idOrPrefix + "' matches more than one decision; give more of the id");
        return found.stream().findFirst();
    }

    /**
     * Undoes an applied decision: the version before it becomes live again, byte for byte. Refused when the decision
     * changed nothing, was undone already, or a later change to the same artifact is live (undo that one first:
     * undoing in reverse order walks back through every version).
     */
    public synchronized Version undo(String decisionId, String undoId) {
        var d = decision(decisionId).orElseThrow(() -> new IllegalArgumentException("No decision '" + decisionId + "'; see 'apprentice learn history'"));
        if (d.undoneBy() != null) throw new IllegalArgumentException("Decision " + d.id() + " was undone already (by " + d.undoneBy() + ")");
        if (d.artifact() == null || d.before() == null || d.after() == null) {
            throw new IllegalArgumentException("Decision " + d.id() + " changed nothing" + (d.accepted() ? "" : " (the gate rejected it)") + "; there is nothing to undo");
        }
        // What the decision made must be what is live (later changes undone count as gone), else its undo would erase them.
        var live = liveVersion(d.artifact()).orElse(null);
        var made = version(d.artifact(), d.after()).orElseThrow();
        if (live == null || !java.util.Objects.equals(live.content(), made.content())) {
            var undone = decisions(Integer.MAX_VALUE).stream().filter(x -> x.undoneBy() != null).map(Decision::id).toList();
            var later = history(d.artifact()).stream().filter(v -> v.version() > d.after() && v.decision() != null && !v.reason().startsWith("undo of "))
                    .map(Version::decision).filter(x -> !undone.contains(x)).distinct().toList();
            throw new IllegalArgumentException("Decision " + d.id() + " is not the latest change to " + d.artifact() + (later.isEmpty()
                    ? "; it changed since (version " + (live == null ? 0 : live.version()) + ": " + (live == null ? "none" : live.reason()) + ")"
                    : "; undo the later ones first: " + String.join(", ", later)));
        }
        var before = version(d.artifact(), d.before()).orElseThrow();
        var v = put(d.artifact(), before.content(), "undo of " + d.id(), undoId);
        sql("mark " + d.id() + " undone", () -> {
            try (var st = db.prepareStatement("UPDATE decisions SET undone_by = ? WHERE id = ?")) {
                st.setString(1, undoId);
                st.setString(2, d.id());
                return st.executeUpdate();
            }
        });
        return v;
    }

    @Override
    public synchronized void close() {
        if (pg != null) return; // the pool is the harness's
        try {
            db.close();
        } catch (SQLException ignored) {
            // closing: nothing left to lose
        }
    }

    // ---------------------------------------------------------------- helpers

    private int lastVersion(String artifact) throws SQLException {
        try (var st = db.prepareStatement("SELECT MAX(version) FROM versions WHERE artifact = ?")) {
            st.setString(1, artifact);
            try (var rs = st.executeQuery()) {
                rs.next();
                int v = rs.getInt(1);
                return rs.wasNull() ? -1 : v;
            }
        }
    }

    private Version insert(String artifact, int version, String content, String reason, String decision) throws SQLException {
        var at = Instant.now();
        try (var st = db.prepareStatement("INSERT INTO versions (artifact, version, content, at, reason, decision) VALUES (?, ?, ?, ?, ?, ?)")) {
            st.setString(1, artifact);
            st.setInt(2, version);
            st.setString(3, content);
            st.setString(4, at.toString());
            st.setString(5, reason);
            st.setString(6, decision);
            st.executeUpdate();
        }
        return new Version(artifact, version, content, at, reason, decision);
    }

    private static List<Version> versions(PreparedStatement st) throws SQLException {
        var out = new ArrayList<Version>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.add(new Version(rs.getString(1), rs.getInt(2), rs.getString(3), Instant.parse(rs.getString(4)), rs.getString(5), rs.getString(6)));
            }
        }
        return out;
    }

    private static List<Decision> decisions(PreparedStatement st) throws SQLException {
        var out = new ArrayList<Decision>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.add(new Decision(rs.getString("id"), Instant.parse(rs.getString("at")), rs.getString("kind"), rs.getString("env"),
                        rs.getInt("accepted") == 1, rs.getString("summary"), rs.getString("evidence"), rs.getString("artifact"),
                        intOrNull(rs, "before_version"), intOrNull(rs, "after_version"), rs.getString("undone_by")));
            }
        }
        return out;
    }

    private static Integer intOrNull(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    @FunctionalInterface
    private interface Sql<T> {
        T run() throws SQLException;
    }

    private <T> T sql(String what, Sql<T> body) {
        try {
            return pg == null ? body.run() : onPostgresql(body);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot " + what + " in " + where + ": " + e.getMessage(), e);
        }
    }

    /** The outermost call borrows a connection and runs in one transaction in the store's schema; nested calls share it. */
    private <T> T onPostgresql(Sql<T> body) throws SQLException {
        if (depth > 0) return body.run();
        try (var c = pg.connection()) {
            c.setAutoCommit(false);
            db = c;
            depth++;
            try {
                try (var st = c.createStatement()) {
                    st.execute("SET LOCAL search_path TO " + ai.apprentice.store.PgSchema.quoted(SCHEMA)); // this transaction only
                }
                var out = body.run();
                c.commit();
                return out;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                depth--;
                db = null;
                c.setAutoCommit(true);
            }
        }
    }

    private <T> T transaction(String what, Sql<T> body) {
        if (pg != null) {
            return sql(what, () -> {
                try (var st = db.createStatement()) {
                    st.execute("SELECT pg_advisory_xact_lock(" + WRITE_LOCK + ")"); // another process's version comes before or after, whole
                }
                return body.run();
            });
        }
        return sql(what, () -> {
            db.setAutoCommit(false);
            try {
                var out = body.run();
                db.commit();
                return out;
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        });
    }
}
