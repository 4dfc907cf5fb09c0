package ai.apprentice.memory;

import ai.apprentice.memory.Memory.Recalled;
import ai.apprentice.memory.MemoryStore.Method;
import ai.apprentice.memory.index.MemoryIndex;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;

/**
 * Ranks memories for a query. Hybrid fuses four rankings (BM25 and vectors, over each memory alone and in
 * its context), lets neighbours in the same source share a memory's score, and weighs the result by
 * {@link #prior}: the memory's weight, its recency and its scope. See docs/PERFORMANCE.md for what each adds.
 */
final class Recall {
    /** Reciprocal rank fusion constant: small, so the top of each list counts most. */
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

    /** Threads for the parts of a recall that run side by side; daemons, so they never keep a process alive. */
    private static final ExecutorService SEARCHES = Executors.newFixedThreadPool(2, r -> {
        var t = new Thread(r, "memory-search");
        t.setDaemon(true);
        return t;
    });

    private final MemoryDb db;
    private final IndexCache index;
    private final Embedder embedder;

    Recall(MemoryDb db, IndexCache index, Embedder embedder) {
        this.db = db;
        this.index = index;
        this.embedder = embedder;
    }

    /** The memories that best match {@code query} within {@code scopes} (all when null), with why each came up. */
    List<Recalled> recall(String query, int k, Collection<String> scopes, Method method) {
        Query filter = null;
        if (scopes != null) {
            var b = new BooleanQuery.Builder();
            for (var s : scopes) b.add(new TermQuery(new Term(MemoryIndex.SCOPE, s)), BooleanClause.Occur.SHOULD);
            filter = b.build();
        }
        final Query f = filter;
        // The query is embedded in its own language's space and searched among the memories of that space.
        // The embedding and one of each pair of searches run beside the rest: recall waits for the slowest.
        var space = embedder.spaceFor(query);
        var embedding = method == Method.LEXICAL ? null : CompletableFuture.supplyAsync(() -> embedder.embedQueryIn(space, query), SEARCHES);
        var lists = new LinkedHashMap<String, List<MemoryIndex.Hit>>();
        if (method != Method.VECTOR) {
            var inContext = CompletableFuture.supplyAsync(() -> index.lexical(MemoryIndex.CONTEXT, query, CANDIDATES, f), SEARCHES);
            lists.put("words", index.lexical(MemoryIndex.TEXT, query, CANDIDATES, f));
            lists.put("words in context", join(inContext));
        }
        if (method != Method.LEXICAL) {
            var q = join(embedding);
            var inContext = CompletableFuture.supplyAsync(() -> index.vector(index.field(MemoryIndex.CONTEXT_VECTOR, space), q, CANDIDATES, f), SEARCHES);
            lists.put("meaning", index.vector(index.field(MemoryIndex.VECTOR, space), q, CANDIDATES, f));
            lists.put("meaning in context", join(inContext));
        }
        var scores = MemoryIndex.fuse(List.copyOf(lists.values()), RRF_C);
        var why = new HashMap<String, List<String>>();
        lists.forEach((name, hits) -> hits.forEach(h -> why.computeIfAbsent(h.id(), x -> new ArrayList<>()).add(name + " #" + h.rank())));
        var memories = new HashMap<String, Memory>();
        for (var m : db.byIds(scores.keySet())) if (m.active()) memories.put(m.id(), m);
        scores.keySet().retainAll(memories.keySet());
        // Neighbours: the answer to a question is often the message after the one that matches.
        var smoothed = new HashMap<>(scores);
        for (var e : scores.entrySet()) {
            var m = memories.get(e.getKey());
            if (m.source() == null || m.sourceSeq() == null) continue;
            for (int d : new int[] {-1, 1}) {
                var n = db.activeAt(m.source(), m.sourceSeq() + d);
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
    }

    /** What a memory's score is multiplied by: its weight, a boost that fades with age, and one for specific scopes. */
    static double prior(Memory m, Instant now) {
        double ageDays = Math.max(0, Duration.between(m.createdAt(), now).toHours() / 24.0);
        double recency = 1 + RECENCY_BOOST * Math.pow(0.5, ageDays / RECENCY_HALF_LIFE_DAYS);
        return m.weight() * recency * (m.scope().equals(Memory.USER) ? 1.0 : SPECIFIC_SCOPE_BOOST);
    }

    /** The result of a side task, failing with its own exception rather than a CompletionException around it. */
    private static <T> T join(CompletableFuture<T> task) {
        try {
            return task.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }
}
