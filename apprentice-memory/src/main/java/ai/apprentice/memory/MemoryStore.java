package ai.apprentice.memory;

import ai.apprentice.memory.Memory.Change;
import ai.apprentice.memory.Memory.Kind;
import ai.apprentice.memory.Memory.Recalled;
import ai.apprentice.memory.index.MemoryIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * Long-term memory. SQLite holds the truth: every memory with its embeddings, and a log of every change in
 * batches that can be listed and undone. The Lucene index is a cache that catches up from that log
 * ({@link #sync()}), so a crash between the two, another process's writes, or a lost index are all repaired
 * the same way: by replaying the log, or rebuilding from the rows when the index cannot be read.
 */
public final class MemoryStore implements AutoCloseable {
    /** Reciprocal rank fusion constant: small, so the top of each list counts most (see docs/PERFORMANCE.md). */
    static final int RRF_C = 10;
    /** A neighbour (the message before or after, in the same source) inherits this share of a memory's score. */
    static final double NEIGHBOUR_SHARE = 0.3;
    /** New memories get up to this much more weight, halving every {@link #RECENCY_HALF_LIFE_DAYS} days. */
    static final double RECENCY_BOOST = 0.1;
    static final double RECENCY_HALF_LIFE_DAYS = 30;
    /** Memories of a workspace or an agent count a little more than the user's general ones: they are more specific. */
    static final double SPECIFIC_SCOPE_BOOST = 1.1;
    /** How many candidates each of the four lists contributes. */
    static final int CANDIDATES = 50;

    public enum Method { LEXICAL, VECTOR, HYBRID }

    /** Everything a {@link Memory} shows; the embeddings stay on disk unless the index needs them. */
    private static final String COLUMNS = "id, text, context, kind, scope, source, source_seq, confidence, weight, recalls, created_at, "
            + "last_recalled_at, superseded_by, forgotten";

    private final Connection db;
    private final MemoryIndex index;
    private final Embedder embedder;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    /** The change the index is known to include; while the log ends there, sync() reads nothing from disk. */
    private long synced = -1;

    private MemoryStore(Connection db, MemoryIndex index, Embedder embedder) {
        this.db = db;
        this.index = index;
        this.embedder = embedder;
    }

    /** Opens (creating) the store in {@code dir}: {@code memory.db} and {@code index/}. */
    public static MemoryStore open(Path dir, Embedder embedder) {
        try {
            Files.createDirectories(dir);
            return open(DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("memory.db").toAbsolutePath()), FSDirectory.open(dir.resolve("index")), embedder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the memory store in " + dir + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the memory store in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A store whose index lives in {@code indexDir} (in memory for benchmarks). */
    public static MemoryStore open(Connection db, Directory indexDir, Embedder embedder) throws SQLException {
        try (var st = db.createStatement()) {
            st.execute("PRAGMA busy_timeout = 30000");
            st.execute("PRAGMA journal_mode = WAL");
            st.execute("PRAGMA synchronous = NORMAL");
            st.execute("""
                    CREATE TABLE IF NOT EXISTS memories (
                      id TEXT PRIMARY KEY, text TEXT NOT NULL, context TEXT, kind TEXT NOT NULL, scope TEXT NOT NULL,
                      source TEXT, source_seq INTEGER, hash TEXT NOT NULL, confidence REAL NOT NULL, weight REAL NOT NULL DEFAULT 1,
                      recalls INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, last_recalled_at TEXT,
                      superseded_by TEXT, forgotten INTEGER NOT NULL DEFAULT 0,
                      embedder TEXT, vector BLOB, context_vector BLOB)""");
            st.execute("CREATE INDEX IF NOT EXISTS memories_hash ON memories(scope, hash)");
            st.execute("CREATE INDEX IF NOT EXISTS memories_source ON memories(source, source_seq)");
            st.execute("""
                    CREATE TABLE IF NOT EXISTS changes (
                      seq INTEGER PRIMARY KEY AUTOINCREMENT, batch TEXT NOT NULL, at TEXT NOT NULL, op TEXT NOT NULL,
                      memory_id TEXT NOT NULL, text TEXT, before TEXT, reason TEXT, undone INTEGER NOT NULL DEFAULT 0)""");
            st.execute("CREATE INDEX IF NOT EXISTS changes_batch ON changes(batch)");
            st.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        }
        var store = new MemoryStore(db, new MemoryIndex(indexDir), embedder);
        store.sync();
        return store;
    }

    private PreparedStatement sql(String sql) throws SQLException {
        var st = statements.get(sql);
        if (st == null) statements.put(sql, st = db.prepareStatement(sql));
        return st;
    }

    // ---------------------------------------------------------------- writing

    /** Stores memories as one batch; a memory already stored in the same scope is not stored twice. */
    public synchronized List<Memory.Added> add(List<Memory.New> items, String reason) {
        return add(items, reason, null);
    }

    /** As {@link #add(List, String)}, as part of {@code batch} (null: a new one), so that one undo reverses it all. */
    public synchronized List<Memory.Added> add(List<Memory.New> items, String reason, String batchOrNull) {
        if (items.isEmpty()) return List.of();
        String batch = batchOrNull != null ? batchOrNull : newBatch();
        var out = new ArrayList<Memory.Added>();
        // Embed before the transaction: it is the slow part, and it must not hold the database lock.
        var scrubbed = items.stream().map(n -> Secrets.scrub(n.text())).toList();
        var texts = scrubbed.stream().map(Secrets.Scrubbed::text).toList();
        // Each memory is embedded in its text's space (its language's model), its context alongside.
        var spaces = texts.stream().map(embedder::spaceFor).toList();
        var vectors = embedder.embedEach(spaces, texts);
        var cleanContexts = items.stream().map(n -> n.context() == null ? null : Secrets.scrub(n.context()).text()).toList();
        // The memories in context are embedded in one batch too; null where a memory has no context.
        var withContext = new ArrayList<Integer>();
        for (int i = 0; i < items.size(); i++) if (cleanContexts.get(i) != null) withContext.add(i);
        var contextVectors = embedder.embedEach(withContext.stream().map(spaces::get).toList(),
                withContext.stream().map(i -> cleanContexts.get(i) + "\n" + texts.get(i)).toList());
        var contexts = new ArrayList<float[]>(java.util.Collections.nCopies(items.size(), (float[]) null));
        for (int j = 0; j < withContext.size(); j++) contexts.set(withContext.get(j), contextVectors.get(j));
        inTransaction(() -> {
            for (int i = 0; i < items.size(); i++) {
                var n = items.get(i);
                String text = texts.get(i);
                String hash = hash(n.kind().label() + "\u0000" + text);
                var existing = find("SELECT " + COLUMNS + " FROM memories WHERE scope = ? AND hash = ? AND forgotten = 0", n.scope(), hash);
                if (existing != null) {
                    out.add(new Memory.Added(existing, true, scrubbed.get(i).found(), batch));
                    continue;
                }
                String id = "m-" + UUID.randomUUID().toString().substring(0, 13);
                var ins = sql("INSERT INTO memories(id, text, context, kind, scope, source, source_seq, hash, confidence, created_at, embedder, vector, context_vector) "
                        + "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
                ins.setString(1, id);
                ins.setString(2, text);
                ins.setString(3, cleanContexts.get(i));
                ins.setString(4, n.kind().label());
                ins.setString(5, n.scope());
                ins.setString(6, n.source());
                if (n.sourceSeq() == null) ins.setNull(7, java.sql.Types.INTEGER); else ins.setInt(7, n.sourceSeq());
                ins.setString(8, hash);
                ins.setDouble(9, n.confidence());
                ins.setString(10, Instant.now().toString());
                ins.setString(11, spaces.get(i));
                ins.setBytes(12, bytes(vectors.get(i)));
                ins.setBytes(13, contexts.get(i) == null ? null : bytes(contexts.get(i)));
                ins.executeUpdate();
                log(batch, "add", id, text, null, reason);
                if (n.supersedes() != null) {
                    var old = get(n.supersedes());
                    if (old == null) throw new IllegalArgumentException("no memory " + n.supersedes() + " to supersede");
                    update("UPDATE memories SET superseded_by = ? WHERE id = ?", id, old.id());
                    log(batch, "supersede", old.id(), old.text(), null, "superseded by " + id);
                }
                out.add(new Memory.Added(get(id), false, scrubbed.get(i).found(), batch));
            }
        });
        sync();
        return out;
    }

    /** The index fields of a space: the primary model's are VECTOR and CONTEXT_VECTOR, another's carry its name. */
    private String suffix(String space) {
        return space.equals(embedder.id()) ? "" : "@" + space;
    }

    public Memory.Added add(Memory.New item, String reason) {
        return add(List.of(item), reason).getFirst();
    }

    /**
     * Forgets a memory. Soft (the default) keeps it in history, where undo can bring it back; hard deletes
     * the row and erases its text from the change log, for good.
     */
    public synchronized boolean forget(String id, boolean hard, String reason) {
        var m = get(id);
        if (m == null) return false;
        String batch = newBatch();
        inTransaction(() -> {
            if (hard) {
                update("DELETE FROM memories WHERE id = ?", id);
                update("UPDATE changes SET text = NULL, before = NULL WHERE memory_id = ?", id);
                log(batch, "forget-hard", id, null, null, reason);
            } else {
                update("UPDATE memories SET forgotten = 1 WHERE id = ?", id);
                log(batch, "forget", id, m.text(), null, reason);
            }
        });
        sync();
        return true;
    }

    /** Reverses every change of a batch not yet undone, newest first, as a new batch; returns what it reversed. */
    public synchronized List<Change> undo(String batch, String reason) {
        var changes = history(batch, Integer.MAX_VALUE);
        if (changes.isEmpty()) throw new IllegalArgumentException("no changes in batch " + batch + "; see `apprentice memory history`");
        String undoBatch = newBatch();
        var reversed = new ArrayList<Change>();
        inTransaction(() -> {
            for (var c : changes) {
                if (c.undone()) continue;
                switch (c.op()) {
                    case "add" -> update("UPDATE memories SET forgotten = 1 WHERE id = ?", c.memoryId());
                    case "forget" -> update("UPDATE memories SET forgotten = 0 WHERE id = ?", c.memoryId());
                    case "supersede" -> update("UPDATE memories SET superseded_by = NULL WHERE id = ?", c.memoryId());
                    case "weight" -> update("UPDATE memories SET weight = ? WHERE id = ?", Double.parseDouble(c.before()), c.memoryId());
                    case "forget-hard" -> throw new IllegalArgumentException("batch " + batch + " forgot " + c.memoryId() + " for good (--hard); it cannot be undone");
                    default -> {
                        continue; // undo records are not undone themselves; undo the original again instead
                    }
                }
                update("UPDATE changes SET undone = 1 WHERE seq = ?", c.seq());
                log(undoBatch, "undo-" + c.op(), c.memoryId(), c.text(), null, reason == null ? "undo of " + batch : reason);
                reversed.add(c);
            }
        });
        sync();
        return reversed;
    }

    // ---------------------------------------------------------------- reading

    public synchronized Memory get(String id) {
        try {
            return find("SELECT " + COLUMNS + " FROM memories WHERE id = ?", id);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Memories, newest first; inactive ones (forgotten, superseded) only when asked. */
    public synchronized List<Memory> list(String scope, boolean includeInactive, int limit) {
        var where = new StringBuilder("WHERE 1 = 1");
        if (!includeInactive) where.append(" AND forgotten = 0 AND superseded_by IS NULL");
        if (scope != null) where.append(" AND scope = ?");
        try {
            var st = sql("SELECT " + COLUMNS + " FROM memories " + where + " ORDER BY created_at DESC, rowid DESC LIMIT ?");
            int i = 1;
            if (scope != null) st.setString(i++, scope);
            st.setInt(i, limit);
            return rows(st);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public synchronized int count() {
        try (var rs = sql("SELECT COUNT(*) FROM memories WHERE forgotten = 0 AND superseded_by IS NULL").executeQuery()) {
            return rs.next() ? rs.getInt(1) : 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Changes, newest first: all of them, or one batch's. */
    public synchronized List<Change> history(String batch, int limit) {
        try {
            var st = batch == null ? sql("SELECT * FROM changes ORDER BY seq DESC LIMIT ?") : sql("SELECT * FROM changes WHERE batch = ? ORDER BY seq DESC LIMIT ?");
            if (batch == null) st.setInt(1, limit);
            else {
                st.setString(1, batch);
                st.setInt(2, limit);
            }
            var out = new ArrayList<Change>();
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new Change(rs.getLong("seq"), rs.getString("batch"), Instant.parse(rs.getString("at")), rs.getString("op"),
                            rs.getString("memory_id"), rs.getString("text"), rs.getString("before"), rs.getString("reason"), rs.getInt("undone") == 1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The memories that best match {@code query} within {@code scopes} (all when null), with why each came up.
     * Hybrid fuses four rankings (BM25 and vectors, over each memory alone and in its context), lets
     * neighbours in the same source share a memory's score, and weighs the result by {@link #prior}: the
     * memory's weight, its recency and its scope.
     */
    public synchronized List<Recalled> recall(String query, int k, Collection<String> scopes, Method method) {
        try {
            sync();
            Query filter = null;
            if (scopes != null) {
                var b = new BooleanQuery.Builder();
                for (var s : scopes) b.add(new TermQuery(new Term(MemoryIndex.SCOPE, s)), BooleanClause.Occur.SHOULD);
                filter = b.build();
            }
            // The query embedding and one of each pair of searches run beside the rest: recall waits for the slowest.
            final Query f = filter;
            // The query is embedded in its own language's space and searched among the memories of that space.
            var space = embedder.spaceFor(query);
            var vectorField = MemoryIndex.VECTOR + suffix(space);
            var contextVectorField = MemoryIndex.CONTEXT_VECTOR + suffix(space);
            var embedding = method == Method.LEXICAL ? null : CompletableFuture.supplyAsync(() -> embedder.embedQueryIn(space, query), SEARCHES);
            var lists = new LinkedHashMap<String, List<MemoryIndex.Hit>>();
            if (method != Method.VECTOR) {
                var inContext = CompletableFuture.supplyAsync(() -> search(() -> index.lexical(MemoryIndex.CONTEXT, query, CANDIDATES, f)), SEARCHES);
                lists.put("words", index.lexical(MemoryIndex.TEXT, query, CANDIDATES, filter));
                lists.put("words in context", inContext.join());
            }
            if (method != Method.LEXICAL) {
                var q = embedding.join();
                var inContext = CompletableFuture.supplyAsync(() -> search(() -> index.vector(contextVectorField, q, CANDIDATES, f)), SEARCHES);
                lists.put("meaning", index.vector(vectorField, q, CANDIDATES, filter));
                lists.put("meaning in context", inContext.join());
            }
            var scores = MemoryIndex.fuse(List.copyOf(lists.values()), RRF_C);
            var why = new HashMap<String, List<String>>();
            lists.forEach((name, hits) -> hits.forEach(h -> why.computeIfAbsent(h.id(), x -> new ArrayList<>()).add(name + " #" + h.rank())));
            var memories = new HashMap<String, Memory>();
            for (var m : byIds(scores.keySet())) if (m.active()) memories.put(m.id(), m);
            scores.keySet().retainAll(memories.keySet());
            // Neighbours: the answer to a question is often the message after the one that matches.
            var smoothed = new HashMap<>(scores);
            for (var e : scores.entrySet()) {
                var m = memories.get(e.getKey());
                if (m.source() == null || m.sourceSeq() == null) continue;
                for (int d : new int[] {-1, 1}) {
                    var n = find("SELECT " + COLUMNS + " FROM memories WHERE source = ? AND source_seq = ? AND forgotten = 0 AND superseded_by IS NULL", m.source(), m.sourceSeq() + d);
                    if (n == null || (scopes != null && !scopes.contains(n.scope()))) continue;
                    memories.putIfAbsent(n.id(), n);
                    smoothed.merge(n.id(), NEIGHBOUR_SHARE * e.getValue(), Double::sum);
                    why.computeIfAbsent(n.id(), x -> new ArrayList<>()).add((d < 0 ? "just before " : "just after ") + m.id());
                }
            }
            var now = Instant.now();
            var ranked = smoothed.entrySet().stream()
                    .map(e -> Map.entry(e.getKey(), e.getValue() * prior(memories.get(e.getKey()), now)))
                    .sorted(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .limit(k).toList();
            var out = new ArrayList<Recalled>();
            for (var e : ranked) out.add(new Recalled(memories.get(e.getKey()), e.getValue(), List.copyOf(why.get(e.getKey()))));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("memory search failed: " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Threads for the parts of a recall that run side by side; daemons, so they never keep a process alive. */
    private static final java.util.concurrent.ExecutorService SEARCHES = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
        var t = new Thread(r, "memory-search");
        t.setDaemon(true);
        return t;
    });

    private interface IndexSearch {
        List<MemoryIndex.Hit> run() throws IOException;
    }

    private static List<MemoryIndex.Hit> search(IndexSearch s) {
        try {
            return s.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a memory's score is multiplied by: its weight, a boost that fades with age, and one for specific scopes. */
    static double prior(Memory m, Instant now) {
        double ageDays = Math.max(0, java.time.Duration.between(m.createdAt(), now).toHours() / 24.0);
        double recency = 1 + RECENCY_BOOST * Math.pow(0.5, ageDays / RECENCY_HALF_LIFE_DAYS);
        return m.weight() * recency * (m.scope().equals(Memory.USER) ? 1.0 : SPECIFIC_SCOPE_BOOST);
    }

    /** The rows of these ids, in one query per 500. */
    private List<Memory> byIds(Collection<String> ids) throws SQLException {
        var out = new ArrayList<Memory>();
        var list = new ArrayList<>(ids);
        for (int from = 0; from < list.size(); from += 500) {
            var part = list.subList(from, Math.min(list.size(), from + 500));
            try (var st = db.prepareStatement("SELECT " + COLUMNS + " FROM memories WHERE id IN (" + "?,".repeat(part.size() - 1) + "?)")) {
                for (int i = 0; i < part.size(); i++) st.setString(i + 1, part.get(i));
                out.addAll(rows(st));
            }
        }
        return out;
    }

    /** Counts the recalls of memories that were used (put into a context), for consolidation. */
    public synchronized void markRecalled(Collection<String> ids) {
        inTransaction(() -> {
            for (var id : ids) update("UPDATE memories SET recalls = recalls + 1, last_recalled_at = ? WHERE id = ?", Instant.now().toString(), id);
        });
    }

    /** What a consolidation did (or, dry, would do). */
    public record Consolidation(String batch, List<String[]> merged, int weakened, boolean dryRun) {}

    /** An active memory with its stored vector and the index field of its space; no vector when it is stale. */
    private record Embedded(Memory memory, float[] vector, String field) {}

    private record Neighbour(String id, double cosine) {}

    /** Every active memory, oldest first. */
    private List<Embedded> activeWithVectors() throws SQLException {
        var out = new ArrayList<Embedded>();
        try (var st = db.prepareStatement("SELECT " + COLUMNS + ", embedder, vector FROM memories WHERE forgotten = 0 AND superseded_by IS NULL ORDER BY created_at, rowid");
             var rs = st.executeQuery()) {
            while (rs.next()) {
                var m = rows(rs);
                var space = embedder.spaceFor(m.text());
                boolean current = rs.getBytes("vector") != null && space.equals(rs.getString("embedder"));
                out.add(new Embedded(m, current ? floats(rs.getBytes("vector")) : null, MemoryIndex.VECTOR + suffix(space)));
            }
        }
        return out;
    }

    /** The nearest other memories in the same scope and space, with their cosine similarity. */
    private List<Neighbour> neighbours(Embedded e, int k) throws IOException {
        var filter = new BooleanQuery.Builder().add(new TermQuery(new Term(MemoryIndex.SCOPE, e.memory().scope())), BooleanClause.Occur.FILTER).build();
        var out = new ArrayList<Neighbour>();
        for (var hit : index.vector(e.field(), e.vector(), k, filter)) {
            // Lucene's dot-product score is (1 + cos) / 2
            if (!hit.id().equals(e.memory().id())) out.add(new Neighbour(hit.id(), 2 * hit.score() - 1));
        }
        return out;
    }

    /**
     * Marks active memories as superseded by {@code byId} (which stays): in {@code batchOrNull}, or a new batch.
     * Returns the batch, or null when none of them was active.
     */
    public synchronized String supersede(Collection<String> ids, String byId, String batchOrNull, String reason) {
        var by = get(byId);
        if (by == null || !by.active()) throw new IllegalArgumentException("no active memory " + byId);
        var targets = ids.stream().filter(id -> !id.equals(byId)).map(this::get).filter(m -> m != null && m.active()).toList();
        if (targets.isEmpty()) return null;
        String batch = batchOrNull != null ? batchOrNull : newBatch();
        inTransaction(() -> {
            for (var m : targets) {
                update("UPDATE memories SET superseded_by = ? WHERE id = ?", byId, m.id());
                log(batch, "supersede", m.id(), m.text(), null, reason + " (superseded by " + byId + ")");
            }
        });
        sync();
        return batch;
    }

    /**
     * Pairs of active memories in the same scope and embedding space whose similarity lies in
     * [{@code minCosine}, {@code maxCosine}): related, but not duplicates. Candidates for a contradiction.
     */
    public synchronized List<Memory[]> similarPairs(double minCosine, double maxCosine, int limit) {
        try {
            sync();
            var out = new ArrayList<Memory[]>();
            var seen = new java.util.HashSet<String>();
            for (var e : activeWithVectors()) {
                if (out.size() >= limit) break;
                if (e.vector() == null) continue;
                var m = e.memory();
                for (var n : neighbours(e, 6)) {
                    if (n.cosine() < minCosine || n.cosine() >= maxCosine) continue;
                    var key = m.id().compareTo(n.id()) < 0 ? m.id() + "|" + n.id() : n.id() + "|" + m.id();
                    if (!seen.add(key)) continue;
                    var other = get(n.id());
                    if (other != null && other.active() && out.size() < limit) out.add(new Memory[] {m, other});
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("memory search failed: " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Near-duplicates: cosine similarity at or above this, in the same scope and of the same kind. */
    static final double DUPLICATE_COSINE = 0.95;
    /** Memories never recalled lose this share of their weight per consolidation once older than {@link #IDLE}. */
    static final double DECAY = 0.8;
    static final double MIN_WEIGHT = 0.2;
    static final java.time.Duration IDLE = java.time.Duration.ofDays(30);

    /** When consolidation last ran (manually or on schedule), if ever. */
    public synchronized java.util.Optional<Instant> lastConsolidated() {
        try (var st = db.prepareStatement("SELECT value FROM meta WHERE key = 'last_consolidation'"); var rs = st.executeQuery()) {
            return rs.next() ? java.util.Optional.of(Instant.parse(rs.getString(1))) : java.util.Optional.empty();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Consolidates if the last consolidation is at least {@code every} ago (or there was none): the built-in
     * schedule, checked after runs. Empty when it was not due.
     */
    public synchronized java.util.Optional<Consolidation> consolidateIfDue(Instant now, java.time.Duration every) {
        var last = lastConsolidated();
        if (last.isPresent() && last.get().plus(every).isAfter(now)) return java.util.Optional.empty();
        return java.util.Optional.of(consolidate(now, false));
    }

    /**
     * "Sleep": merges near-duplicates (the newer one is superseded by the older, which keeps the history) and
     * lowers the weight of memories that have never been recalled in {@link #IDLE}. One batch; undo reverses it.
     */
    public synchronized Consolidation consolidate(Instant now, boolean dryRun) {
        try {
            sync();
            var active = activeWithVectors();
            var merged = new ArrayList<String[]>();
            var gone = new java.util.HashSet<String>();
            for (var e : active) {
                var m = e.memory();
                if (gone.contains(m.id()) || e.vector() == null) continue;
                for (var n : neighbours(e, 5)) {
                    if (gone.contains(n.id()) || n.cosine() < DUPLICATE_COSINE) continue;
                    var other = get(n.id());
                    if (other == null || other.kind() != m.kind() || !other.active()) continue;
                    merged.add(new String[] {n.id(), m.id()}); // the newer (other) goes into the older (m)
                    gone.add(n.id());
                }
            }
            var idle = active.stream().map(Embedded::memory).filter(m -> !gone.contains(m.id()) && m.recalls() == 0 && m.createdAt().isBefore(now.minus(IDLE))
                    && m.weight() > MIN_WEIGHT).toList();
            if (!dryRun) {
                try (var st = db.prepareStatement("INSERT INTO meta(key, value) VALUES ('last_consolidation', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")) {
                    st.setString(1, now.toString());
                    st.executeUpdate();
                }
            }
            if (dryRun || (merged.isEmpty() && idle.isEmpty())) return new Consolidation(null, merged, idle.size(), dryRun);
            String batch = newBatch();
            inTransaction(() -> {
                for (var pair : merged) {
                    update("UPDATE memories SET superseded_by = ? WHERE id = ?", pair[1], pair[0]);
                    log(batch, "supersede", pair[0], get(pair[0]).text(), null, "near-duplicate of " + pair[1] + " (consolidation)");
                }
                for (var m : idle) {
                    update("UPDATE memories SET weight = ? WHERE id = ?", Math.max(MIN_WEIGHT, m.weight() * DECAY), m.id());
                    log(batch, "weight", m.id(), m.text(), String.valueOf(m.weight()), "never recalled (consolidation)");
                }
            });
            sync();
            optimize();
            return new Consolidation(batch, merged, idle.size(), false);
        } catch (IOException e) {
            throw new UncheckedIOException("consolidation failed: " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- the index as a cache of the log

    /** Brings the index up to the last change: replays the log since its marker, or rebuilds it when unreadable. */
    public synchronized void sync() {
        try {
            long last = lastSeq();
            if (last == synced) return;
            syncTo(last);
            synced = last;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update the memory index: " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void syncTo(long last) throws IOException, SQLException {
        String marker;
        try {
            marker = index.marker();
        } catch (IOException e) {
            rebuild(last);
            return;
        }
        if (marker != null && Long.parseLong(marker) == last) return;
        if (marker == null || Long.parseLong(marker) > last) {
            rebuild(last);
            return;
        }
        var ids = new java.util.LinkedHashSet<String>();
        try (var st = db.prepareStatement("SELECT DISTINCT memory_id FROM changes WHERE seq > ? AND seq <= ?")) {
            st.setLong(1, Long.parseLong(marker));
            st.setLong(2, last);
            try (var rs = st.executeQuery()) {
                while (rs.next()) ids.add(rs.getString(1));
            }
        }
        var rows = new LinkedHashMap<String, IndexRow>();
        for (var id : ids) rows.put(id, vectorsOf(id)); // null: no longer active
        index.write(String.valueOf(last), batch -> {
            for (var e : rows.entrySet()) {
                if (e.getValue() == null) batch.delete(e.getKey());
                else e.getValue().putInto(batch);
            }
        });
    }

    /**
     * Merges the index into one segment, so that a vector search walks one HNSW graph instead of one per
     * segment; worth it after a bulk import. Returns the number of segments before.
     */
    public synchronized int optimize() {
        try {
            sync();
            int before = index.segments();
            if (before > 1) index.merge(String.valueOf(lastSeq()), 1);
            return before;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot merge the memory index: " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many segments the index has (each has its own HNSW graph to search). */
    synchronized int segments() {
        try {
            return index.segments();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rebuilds the whole index from the rows (vectors are stored, so nothing is embedded again). */
    public synchronized int rebuild() {
        try {
            synced = -1;
            return rebuild(lastSeq());
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot rebuild the memory index: " + e.getMessage(), e);
        }
    }

    private int rebuild(long last) throws SQLException, IOException {
        var rows = new ArrayList<IndexRow>();
        try (var st = db.prepareStatement("SELECT id, text, context, scope, embedder, vector, context_vector FROM memories WHERE forgotten = 0 AND superseded_by IS NULL");
             var rs = st.executeQuery()) {
            while (rs.next()) rows.add(indexRow(rs));
        }
        index.close();
        index.write(String.valueOf(last), true, batch -> {
            for (var r : rows) r.putInto(batch);
        });
        return rows.size();
    }

    private record IndexRow(String id, String text, String context, String scope, float[] vector, float[] contextVector, String fieldSuffix) {
        void putInto(MemoryIndex.Batch batch) throws IOException {
            batch.put(id, text, context, vector, contextVector, scope, fieldSuffix);
        }
    }

    private IndexRow vectorsOf(String id) throws SQLException {
        try (var st = db.prepareStatement("SELECT id, text, context, scope, embedder, vector, context_vector FROM memories WHERE id = ? AND forgotten = 0 AND superseded_by IS NULL")) {
            st.setString(1, id);
            try (var rs = st.executeQuery()) {
                return rs.next() ? indexRow(rs) : null;
            }
        }
    }

    /** A row for the index; vectors of another embedding model are computed again. */
    private IndexRow indexRow(ResultSet rs) throws SQLException {
        String text = rs.getString("text");
        String context = rs.getString("context");
        String space = embedder.spaceFor(text);
        boolean sameModel = space.equals(rs.getString("embedder"));
        float[] v = sameModel && rs.getBytes("vector") != null ? floats(rs.getBytes("vector")) : embedder.embedAllIn(space, List.of(text)).getFirst();
        float[] cv = context == null ? null : sameModel && rs.getBytes("context_vector") != null ? floats(rs.getBytes("context_vector"))
                : embedder.embedAllIn(space, List.of(context + "\n" + text)).getFirst();
        return new IndexRow(rs.getString("id"), text, context, rs.getString("scope"), v, cv, suffix(space));
    }

    private long lastSeq() throws SQLException {
        try (var st = db.createStatement(); var rs = st.executeQuery("SELECT COALESCE(MAX(seq), 0) FROM changes")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    // ---------------------------------------------------------------- helpers

    private interface SqlWork {
        void run() throws SQLException;
    }

    private void inTransaction(SqlWork work) {
        try {
            // BEGIN IMMEDIATE takes the write lock first, so two processes do not both read and then both write.
            try (var st = db.createStatement()) {
                st.execute("BEGIN IMMEDIATE");
            }
            try {
                work.run();
                try (var st = db.createStatement()) {
                    st.execute("COMMIT");
                }
            } catch (SQLException | RuntimeException e) {
                try (var st = db.createStatement()) {
                    st.execute("ROLLBACK");
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("memory store: " + e.getMessage(), e);
        }
    }

    private void log(String batch, String op, String id, String text, String before, String reason) throws SQLException {
        var st = sql("INSERT INTO changes(batch, at, op, memory_id, text, before, reason) VALUES (?,?,?,?,?,?,?)");
        st.setString(1, batch);
        st.setString(2, Instant.now().toString());
        st.setString(3, op);
        st.setString(4, id);
        st.setString(5, text);
        st.setString(6, before);
        st.setString(7, reason);
        st.executeUpdate();
    }

    private void update(String sql, Object... args) throws SQLException {
        var st = sql(sql);
        for (int i = 0; i < args.length; i++) st.setObject(i + 1, args[i]);
        st.executeUpdate();
    }

    private Memory find(String sql, Object... args) throws SQLException {
        var st = sql(sql);
        for (int i = 0; i < args.length; i++) st.setObject(i + 1, args[i]);
        var rows = rows(st);
        return rows.isEmpty() ? null : rows.getFirst();
    }

    private static List<Memory> rows(PreparedStatement st) throws SQLException {
        var out = new ArrayList<Memory>();
        try (var rs = st.executeQuery()) {
            while (rs.next()) out.add(rows(rs));
        }
        return out;
    }

    /** The memory on the result set's current row. */
    private static Memory rows(ResultSet rs) throws SQLException {
        int seq = rs.getInt("source_seq");
        Integer sourceSeq = rs.wasNull() ? null : seq;
        String recalled = rs.getString("last_recalled_at");
        return new Memory(rs.getString("id"), rs.getString("text"), rs.getString("context"), Kind.parse(rs.getString("kind")),
                rs.getString("scope"), rs.getString("source"), sourceSeq, rs.getDouble("confidence"), rs.getDouble("weight"),
                rs.getInt("recalls"), Instant.parse(rs.getString("created_at")), recalled == null ? null : Instant.parse(recalled),
                rs.getString("superseded_by"), rs.getInt("forgotten") == 1);
    }

    private static String newBatch() {
        return "b-" + Instant.now().toString().replaceAll("[^0-9]", "").substring(0, 14) + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    static String hash(String text) {
        try {
            var md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.strip().getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(float[] v) {
        var buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(v);
        return buf.array();
    }

    static float[] floats(byte[] b) {
        var out = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    @Override
    public synchronized void close() {
        try {
            index.close();
            for (var st : statements.values()) st.close();
            db.close();
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("closing the memory store: " + e.getMessage(), e);
        }
    }
}
