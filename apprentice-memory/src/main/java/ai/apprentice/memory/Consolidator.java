package ai.apprentice.memory;

import ai.apprentice.memory.MemoryStore.Consolidation;
import ai.apprentice.memory.index.MemoryIndex;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.TermQuery;

/**
 * The model-free part of "sleep": near-duplicates are merged (the newer is superseded by the older, which
 * keeps the history) and memories never recalled lose weight; one batch, which undo reverses. Also finds
 * the related pairs that {@link ModelConsolidator} asks a model about. Expects the index to be in sync.
 */
final class Consolidator {
    /** Near-duplicates: cosine similarity at or above this, in the same scope and of the same kind. */
    static final double DUPLICATE_COSINE = 0.95;
    /** Memories never recalled lose this share of their weight per consolidation once older than {@link #IDLE}. */
    static final double DECAY = 0.8;
    static final double MIN_WEIGHT = 0.2;
    static final Duration IDLE = Duration.ofDays(30);
    private static final String LAST = "last_consolidation";

    private final MemoryDb db;
    private final IndexCache index;
    private final Embedder embedder;

    Consolidator(MemoryDb db, IndexCache index, Embedder embedder) {
        this.db = db;
        this.index = index;
        this.embedder = embedder;
    }

    Optional<Instant> lastConsolidated() {
        return Optional.ofNullable(db.meta(LAST)).map(Instant::parse);
    }

    Consolidation consolidate(Instant now, boolean dryRun) {
        var active = activeWithVectors();
        var merged = new ArrayList<String[]>();
        var gone = new HashSet<String>();
        for (var e : active) {
            var m = e.memory();
            if (gone.contains(m.id()) || e.vector() == null) continue;
            for (var n : neighbours(e, 5)) {
                if (gone.contains(n.id()) || n.cosine() < DUPLICATE_COSINE) continue;
                var other = db.get(n.id());
                if (other == null || other.kind() != m.kind() || !other.active()) continue;
                merged.add(new String[] {n.id(), m.id()}); // the newer (other) goes into the older (m)
                gone.add(n.id());
            }
        }
        var idle = active.stream().map(Embedded::memory).filter(m -> !gone.contains(m.id()) && m.recalls() == 0 && m.createdAt().isBefore(now.minus(IDLE))
                && m.weight() > MIN_WEIGHT).toList();
        if (!dryRun) db.putMeta(LAST, now.toString());
        if (dryRun || (merged.isEmpty() && idle.isEmpty())) return new Consolidation(null, merged, idle.size(), dryRun);
        String batch = Batches.newBatch();
        db.inTransaction(() -> {
            for (var pair : merged) {
                db.setSupersededBy(pair[0], pair[1]);
                db.log(batch, "supersede", pair[0], db.get(pair[0]).text(), null, "near-duplicate of " + pair[1] + " (consolidation)");
            }
            for (var m : idle) {
                db.setWeight(m.id(), Math.max(MIN_WEIGHT, m.weight() * DECAY));
                db.log(batch, "weight", m.id(), m.text(), String.valueOf(m.weight()), "never recalled (consolidation)");
            }
        });
        return new Consolidation(batch, merged, idle.size(), false);
    }

    /** See {@link MemoryStore#similarPairs}. */
    List<Memory[]> similarPairs(double minCosine, double maxCosine, int limit) {
        var out = new ArrayList<Memory[]>();
        var seen = new HashSet<String>();
        for (var e : activeWithVectors()) {
            if (out.size() >= limit) break;
            if (e.vector() == null) continue;
            var m = e.memory();
            for (var n : neighbours(e, 6)) {
                if (n.cosine() < minCosine || n.cosine() >= maxCosine) continue;
                var key = m.id().compareTo(n.id()) < 0 ? m.id() + "|" + n.id() : n.id() + "|" + m.id();
                if (!seen.add(key)) continue;
                var other = db.get(n.id());
                if (other != null && other.active() && out.size() < limit) out.add(new Memory[] {m, other});
            }
        }
        return out;
    }

    /** An active memory with its stored vector and the index field of its space; no vector when it is stale. */
    private record Embedded(Memory memory, float[] vector, String field) {}

    private record Neighbour(String id, double cosine) {}

    /** Every active memory, oldest first. */
    private List<Embedded> activeWithVectors() {
        return db.active(false).stream().map(s -> {
            var space = embedder.spaceFor(s.memory().text());
            boolean current = s.vector() != null && space.equals(s.embedder());
            return new Embedded(s.memory(), current ? s.vector() : null, index.field(MemoryIndex.VECTOR, space));
        }).toList();
    }

    /** The nearest other memories in the same scope and space, with their cosine similarity. */
    private List<Neighbour> neighbours(Embedded e, int k) {
        var filter = new BooleanQuery.Builder().add(new TermQuery(new Term(MemoryIndex.SCOPE, e.memory().scope())), BooleanClause.Occur.FILTER).build();
        var out = new ArrayList<Neighbour>();
        for (var hit : index.vector(e.field(), e.vector(), k, filter)) {
            // Lucene's dot-product score is (1 + cos) / 2
            if (!hit.id().equals(e.memory().id())) out.add(new Neighbour(hit.id(), 2 * hit.score() - 1));
        }
        return out;
    }
}
