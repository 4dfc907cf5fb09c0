package ai.apprentice.memory.bench;

import ai.apprentice.json.Json;
import ai.apprentice.memory.Embedder;
import ai.apprentice.memory.Memory;
import ai.apprentice.memory.MemoryStore;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Memory at scale: ingests {@code n} generated memories (one embedding each) into a store on disk, then
 * times hybrid recalls, each including its query embedding. The baseline, measured in the same run, is the
 * query embedding alone, so the ratio shows what the index and store add.
 */
public final class ScaleBench {
    private static final String[] SUBJECTS = {"the build server", "Maria's laptop", "the billing service", "the garden shed", "our CI runner",
            "the staging database", "the team offsite", "the quarterly report", "the cat's vet", "the mountain cabin"};
    private static final String[] VERBS = {"moved to", "was renamed to", "now lives in", "depends on", "was fixed in", "is booked for", "costs"};
    private static final String[] OBJECTS = {"Lisbon", "rack 12", "version 4.2", "the second floor", "next Tuesday", "42 euros", "Postgres 16",
            "the blue folder", "port 5433", "the spring sprint"};

    private final Embedder embedder;

    public ScaleBench(Embedder embedder) {
        this.embedder = embedder;
    }

    static String sentence(Random rnd, int i) {
        return "Note " + i + ": " + SUBJECTS[rnd.nextInt(SUBJECTS.length)] + " " + VERBS[rnd.nextInt(VERBS.length)] + " "
                + OBJECTS[rnd.nextInt(OBJECTS.length)] + " (ticket " + (1000 + rnd.nextInt(90000)) + ").";
    }

    public ObjectNode run(Path dir, int n, int queries, Consumer<String> progress) {
        return run(dir, n, queries, false, progress);
    }

    /** {@code merge}: merge the index into one segment after ingesting, and time that too. */
    public ObjectNode run(Path dir, int n, int queries, boolean merge, Consumer<String> progress) {
        var rnd = new Random(7);
        long ingestNanos = 0;
        try (var store = MemoryStore.open(dir, embedder)) {
            int batch = 500;
            for (int start = 0; start < n; start += batch) {
                var items = new ArrayList<Memory.New>();
                for (int i = start; i < Math.min(n, start + batch); i++) items.add(Memory.New.of(sentence(rnd, i), Memory.Kind.FACT, Memory.USER));
                long t0 = System.nanoTime();
                store.add(items, "scale bench");
                ingestNanos += System.nanoTime() - t0;
                if (progress != null && (start / batch) % 20 == 0) progress.accept((start + items.size()) + "/" + n + " memories");
            }
            int segments = 0;
            long mergeNanos = 0;
            if (merge) {
                long t0 = System.nanoTime();
                segments = store.optimize();
                mergeNanos = System.nanoTime() - t0;
            }
            var qs = new ArrayList<String>();
            for (int i = 0; i < queries + 20; i++) qs.add("where did " + SUBJECTS[rnd.nextInt(SUBJECTS.length)] + " go, ticket " + (1000 + rnd.nextInt(90000)));
            for (int i = 0; i < 20; i++) store.recall(qs.get(i), 10, null, MemoryStore.Method.HYBRID); // warm-up
            double[] recall = new double[queries];
            double[] lexical = new double[queries];
            double[] embed = new double[queries];
            for (int i = 0; i < queries; i++) {
                String q = qs.get(20 + i);
                long t0 = System.nanoTime();
                embedder.embedQuery(q);
                embed[i] = (System.nanoTime() - t0) / 1e6;
                t0 = System.nanoTime();
                store.recall(q, 10, null, MemoryStore.Method.LEXICAL);
                lexical[i] = (System.nanoTime() - t0) / 1e6;
                t0 = System.nanoTime();
                store.recall(q, 10, null, MemoryStore.Method.HYBRID);
                recall[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(recall);
            Arrays.sort(lexical);
            Arrays.sort(embed);
            return Json.object().put("benchmark", "memory_scale").put("memories", store.count()).put("embedder", embedder.id())
                    .put("ingest_memories_per_second", round(n / (ingestNanos / 1e9)))
                    .put("hybrid_recall_p50_ms", round(pct(recall, 50))).put("hybrid_recall_p99_ms", round(pct(recall, 99)))
                    .put("lexical_recall_p50_ms", round(pct(lexical, 50)))
                    .put("baseline_query_embedding_p50_ms", round(pct(embed, 50)))
                    .put("recall_over_embedding_p50", round(pct(recall, 50) / pct(embed, 50)))
                    .put("queries", queries)
                    .put("merged_from_segments", segments).put("merge_seconds", round(mergeNanos / 1e9))
                    .put("note", "hybrid recall includes its query embedding, 4 index searches of 50 and the row reads; one embedding per memory");
        }
    }

    private static double pct(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }

    static List<String> subjects() {
        return List.of(SUBJECTS);
    }
}
