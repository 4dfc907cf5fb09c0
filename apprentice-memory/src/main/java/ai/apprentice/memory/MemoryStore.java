package ai.apprentice.memory;

import ai.apprentice.memory.Memory.Change;
import ai.apprentice.memory.Memory.Recalled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * Long-term memory. SQLite holds the truth ({@link MemoryDb}): every memory with its embeddings, and a log of
 * every change in batches that can be listed and undone ({@link Batches}). The Lucene index is a cache that
 * catches up from that log ({@link IndexCache}), so a crash between the two, another process's writes, or a
 * lost index are all repaired the same way. Recall ranks ({@link Recall}); consolidation tidies ({@link Consolidator}).
 * Every storage or index problem is a {@link MemoryException}; a bad argument (an unknown id, a batch that
 * cannot be undone) is an {@link IllegalArgumentException}. One caller at a time: the methods are synchronized.
 */
public final class MemoryStore implements AutoCloseable {
    public enum Method { LEXICAL, VECTOR, HYBRID }

    /** What a consolidation did (or, dry, would do). */
    public record Consolidation(String batch, List<String[]> merged, int weakened, boolean dryRun) {}

    private final MemoryDb db;
    private final IndexCache index;
    private final Batches batches;
    private final Recall recall;
    private final Consolidator consolidator;

    private MemoryStore(MemoryDb db, Directory indexDir, Embedder embedder) {
        this.db = db;
        this.index = new IndexCache(db, indexDir, embedder);
        this.batches = new Batches(db, embedder);
        this.recall = new Recall(db, index, embedder);
        this.consolidator = new Consolidator(db, index, embedder);
    }

    /** Opens (creating) the store in {@code dir}: {@code memory.db} and {@code index/}. */
    public static MemoryStore open(Path dir, Embedder embedder) {
        Connection db;
        Directory indexDir;
        try {
            Files.createDirectories(dir);
            db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("memory.db").toAbsolutePath());
            indexDir = FSDirectory.open(dir.resolve("index"));
        } catch (IOException | SQLException e) {
            throw new MemoryException("cannot open the memory store in " + dir + ": " + e.getMessage(), e);
        }
        try {
            return open(db, indexDir, embedder);
        } catch (RuntimeException e) {
            try {
                db.close();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * A store whose memories and change log are in a PostgreSQL database (shared by several processes or machines; the
     * caller closes it after the store) and whose Lucene index, this node's own, lives in {@code indexDir}: it catches
     * up from the shared log as it does from SQLite. Give each database its own index directory.
     */
    public static MemoryStore open(ai.apprentice.store.Database database, Directory indexDir, Embedder embedder) {
        var store = new MemoryStore(MemoryDb.open(database), indexDir, embedder);
        store.sync();
        return store;
    }

    /** A store on {@code db} whose index lives in {@code indexDir} (both in memory for benchmarks). */
    public static MemoryStore open(Connection db, Directory indexDir, Embedder embedder) {
        var store = new MemoryStore(MemoryDb.open(db), indexDir, embedder);
        store.sync();
        return store;
    }

    // ---------------------------------------------------------------- writing: each change is logged, then indexed

    /** Stores memories as one batch; a memory already stored in the same scope is not stored twice. */
    public synchronized List<Memory.Added> add(List<Memory.New> items, String reason) {
        return add(items, reason, null);
    }

    /** As {@link #add(List, String)}, as part of {@code batch} (null: a new one), so that one undo reverses it all. */
    public synchronized List<Memory.Added> add(List<Memory.New> items, String reason, String batchOrNull) {
        var added = batches.add(items, reason, batchOrNull);
        sync();
        return added;
    }

    public Memory.Added add(Memory.New item, String reason) {
        return add(List.of(item), reason).getFirst();
    }

    /**
     * Forgets a memory. Soft (the default) keeps it in history, where undo can bring it back; hard deletes
     * the row and erases its text from the change log, for good.
     */
    public synchronized boolean forget(String id, boolean hard, String reason) {
        boolean found = batches.forget(id, hard, reason);
        sync();
        return found;
    }

    /** Reverses every change of a batch not yet undone, newest first, as a new batch; returns what it reversed. */
    public synchronized List<Change> undo(String batch, String reason) {
        var reversed = batches.undo(batch, reason);
        sync();
        return reversed;
    }

    /**
     * Marks active memories as superseded by {@code byId} (which stays): in {@code batchOrNull}, or a new batch.
     * Returns the batch, or null when none of them was active.
     */
    public synchronized String supersede(Collection<String> ids, String byId, String batchOrNull, String reason) {
        var batch = batches.supersede(ids, byId, batchOrNull, reason);
        sync();
        return batch;
    }

    /** Counts the recalls of memories that were used (put into a context), for consolidation. */
    public synchronized void markRecalled(Collection<String> ids) {
        db.inTransaction(() -> ids.forEach(id -> db.recalled(id, Instant.now())));
    }

    // ---------------------------------------------------------------- reading

    public synchronized Memory get(String id) {
        return db.get(id);
    }

    /** Memories, newest first; inactive ones (forgotten, superseded) only when asked. */
    public synchronized List<Memory> list(String scope, boolean includeInactive, int limit) {
        return db.list(scope, includeInactive, limit);
    }

    public synchronized int count() {
        return db.count();
    }

    /** Changes, newest first: all of them, or one batch's. */
    public synchronized List<Change> history(String batch, int limit) {
        return db.history(batch, limit);
    }

    /** The memories that best match {@code query} within {@code scopes} (all when null), with why each came up. */
    public synchronized List<Recalled> recall(String query, int k, Collection<String> scopes, Method method) {
        sync();
        return recall.recall(query, k, scopes, method);
    }

    /**
     * Pairs of active memories in the same scope and embedding space whose similarity lies in
     * [{@code minCosine}, {@code maxCosine}): related, but not duplicates. Candidates for a contradiction.
     */
    public synchronized List<Memory[]> similarPairs(double minCosine, double maxCosine, int limit) {
        sync();
        return consolidator.similarPairs(minCosine, maxCosine, limit);
    }

    // ---------------------------------------------------------------- consolidation

    /** When consolidation last ran (manually or on schedule), if ever. */
    public synchronized Optional<Instant> lastConsolidated() {
        return consolidator.lastConsolidated();
    }

    /**
     * Consolidates if the last consolidation is at least {@code every} ago (or there was none): the built-in
     * schedule, checked after runs. Empty when it was not due.
     */
    public synchronized Optional<Consolidation> consolidateIfDue(Instant now, Duration every) {
        var last = lastConsolidated();
        if (last.isPresent() && last.get().plus(every).isAfter(now)) return Optional.empty();
        return Optional.of(consolidate(now, false));
    }

    /**
     * "Sleep": merges near-duplicates (the newer one is superseded by the older, which keeps the history) and
     * lowers the weight of memories older than 30 days that were never recalled. One batch; undo reverses it.
     */
    public synchronized Consolidation consolidate(Instant now, boolean dryRun) {
        sync();
        var done = consolidator.consolidate(now, dryRun);
        if (done.batch() != null) optimize();
        return done;
    }

    // ---------------------------------------------------------------- the index

    /** Brings the index up to the last change: replays the log since its marker, or rebuilds it when unreadable. */
    public synchronized void sync() {
        index.sync();
    }

    /**
     * Merges the index into one segment, so that a vector search walks one HNSW graph instead of one per
     * segment; worth it after a bulk import. Returns the number of segments before.
     */
    public synchronized int optimize() {
        return index.optimize();
    }

    /** How many segments the index has (each has its own HNSW graph to search). */
    synchronized int segments() {
        return index.segments();
    }

    /** Rebuilds the whole index from the rows (vectors are stored, so nothing is embedded again). */
    public synchronized int rebuild() {
        return index.rebuild();
    }

    @Override
    public synchronized void close() {
        try {
            index.close();
        } finally {
            db.close();
        }
    }
}
