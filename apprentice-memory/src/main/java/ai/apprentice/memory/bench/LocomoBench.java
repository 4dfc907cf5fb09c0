package ai.apprentice.memory.bench;

import ai.apprentice.json.Json;
import ai.apprentice.memory.Embedder;
import ai.apprentice.memory.Memory;
import ai.apprentice.memory.MemoryStore;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * Retrieval on LoCoMo as the paper measures it: each conversation's turns are the memories, each question
 * a query, and recall@k the share of its evidence turns among the top k, averaged over questions with
 * evidence. Each conversation goes through the real {@link MemoryStore} (in-memory SQLite and index), and
 * each question is recalled three ways: BM25 only, vectors only, and hybrid. No model is called at query
 * time besides the in-process embedding model.
 */
public final class LocomoBench {
    public static final int[] KS = {1, 5, 10, 25, 50};
    static final Map<Integer, String> CATEGORIES = Map.of(1, "multi-hop", 2, "temporal", 3, "open-domain", 4, "single-hop", 5, "adversarial");
    static final List<String> METHODS = List.of("lexical", "vector", "hybrid");

    private final Embedder embedder;

    public LocomoBench(Embedder embedder) {
        this.embedder = embedder;
    }

    /** Recall sums per method, category and k. */
    private static final class Tally {
        final Map<String, Map<Integer, double[]>> sums = new LinkedHashMap<>();
        final Map<Integer, Integer> counts = new java.util.TreeMap<>();

        void add(String method, int category, List<String> ranked, List<String> evidence) {
            var byCat = sums.computeIfAbsent(method, m -> new java.util.TreeMap<>());
            var s = byCat.computeIfAbsent(category, c -> new double[KS.length]);
            for (int i = 0; i < KS.length; i++) {
                var top = ranked.subList(0, Math.min(KS[i], ranked.size()));
                s[i] += evidence.stream().filter(top::contains).count() / (double) evidence.size();
            }
        }
    }

    public ObjectNode run(Locomo data, Consumer<String> progress) throws IOException {
        var tally = new Tally();
        int questions = 0;
        long queryNanos = 0;
        long ingestNanos = 0;
        int turns = 0;
        for (var conv : data.conversations()) {
            try (var store = MemoryStore.open(DriverManager.getConnection("jdbc:sqlite::memory:"), new ByteBuffersDirectory(), embedder)) {
                // Each turn is a memory; its context is the turn before it in the same session.
                var items = new ArrayList<Memory.New>();
                var list = conv.turns();
                for (int i = 0; i < list.size(); i++) {
                    var t = list.get(i);
                    String context = i > 0 && list.get(i - 1).session() == t.session() ? list.get(i - 1).document() : null;
                    items.add(new Memory.New(t.document(), context, Memory.Kind.EPISODE, Memory.USER, conv.id(), i, 1.0, null));
                }
                long t0 = System.nanoTime();
                var added = store.add(items, "LoCoMo " + conv.id());
                ingestNanos += System.nanoTime() - t0;
                turns += list.size();
                var turnsOf = new HashMap<String, List<String>>();
                for (int i = 0; i < added.size(); i++) turnsOf.computeIfAbsent(added.get(i).memory().id(), x -> new ArrayList<>()).add(list.get(i).id());
                for (var q : conv.questions()) {
                    if (q.evidence().isEmpty()) continue;
                    for (var method : MemoryStore.Method.values()) {
                        long q0 = System.nanoTime();
                        var recalled = store.recall(q.text(), 50, null, method);
                        if (method == MemoryStore.Method.HYBRID) queryNanos += System.nanoTime() - q0;
                        var ranked = new ArrayList<String>();
                        recalled.forEach(r -> ranked.addAll(turnsOf.get(r.memory().id())));
                        tally.add(method.name().toLowerCase(java.util.Locale.ROOT), q.category(), ranked, q.evidence());
                    }
                    tally.counts.merge(q.category(), 1, Integer::sum);
                    questions++;
                }
            } catch (SQLException e) {
                throw new IOException("in-memory SQLite failed: " + e.getMessage(), e);
            }
            if (progress != null) progress.accept(conv.id() + ": " + conv.turns().size() + " turns, " + conv.questions().size() + " questions");
        }
        var out = report(tally, questions, data.droppedEvidence(), queryNanos);
        out.put("ingest_turns_per_second", Math.round(turns / (ingestNanos / 1e9) * 10) / 10.0);
        return out;
    }

    private ObjectNode report(Tally tally, int questions, int dropped, long queryNanos) {
        var out = Json.object().put("questions", questions).put("embedder", embedder.id()).put("dropped_evidence_ids", dropped)
                .put("mean_hybrid_query_ms", Math.round(queryNanos / 1e4 / Math.max(1, questions)) / 100.0);
        var methods = out.putObject("methods");
        for (var method : METHODS) {
            var m = methods.putObject(method);
            var total = new double[KS.length];
            var byCategory = m.putObject("by_category");
            tally.sums.get(method).forEach((cat, sums) -> {
                int n = tally.counts.get(cat);
                var c = byCategory.putObject(String.valueOf(cat)).put("name", CATEGORIES.get(cat)).put("questions", n);
                var r = c.putObject("recall");
                for (int i = 0; i < KS.length; i++) {
                    r.put(String.valueOf(KS[i]), percent(sums[i] / n));
                    total[i] += sums[i];
                }
            });
            var recall = Json.object();
            for (int i = 0; i < KS.length; i++) recall.put(String.valueOf(KS[i]), percent(total[i] / questions));
            m.set("recall", recall);
        }
        out.putObject("paper_dragon_recall").put("5", 56.7).put("10", 66.2).put("25", 76.7).put("50", 82.7);
        return out;
    }

    private static double percent(double x) {
        return Math.round(x * 1000) / 10.0;
    }
}
