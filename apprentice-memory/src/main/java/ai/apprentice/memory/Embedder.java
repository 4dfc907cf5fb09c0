package ai.apprentice.memory;

import java.util.List;

/** Turns text into unit-length vectors, in process. */
public interface Embedder {
    /** A name that changes when the vectors would (the model and its version). */
    String id();

    int dimension();

    /** A passage to be stored. */
    float[] embed(String text);

    /** A query to search passages with; retrieval models may phrase it differently. */
    default float[] embedQuery(String text) {
        return embed(text);
    }

    /**
     * The embedding space (the model's id) a text is embedded in. One model: always {@link #id()}, the
     * primary space. An embedder that routes by language answers per text; vectors of different spaces are
     * never compared with one another.
     */
    default String spaceFor(String text) {
        return id();
    }

    /** As {@link #embedAll}, with every text embedded in {@code space}. */
    default List<float[]> embedAllIn(String space, List<String> texts) {
        return embedAll(texts);
    }

    /** Each text in the space given beside it, one batch per space; the vectors come back in the texts' order. */
    default List<float[]> embedEach(List<String> spaces, List<String> texts) {
        var bySpace = new java.util.LinkedHashMap<String, List<Integer>>();
        for (int i = 0; i < texts.size(); i++) bySpace.computeIfAbsent(spaces.get(i), k -> new java.util.ArrayList<>()).add(i);
        var out = new java.util.ArrayList<float[]>(java.util.Collections.nCopies(texts.size(), (float[]) null));
        for (var e : bySpace.entrySet()) {
            var vectors = embedAllIn(e.getKey(), e.getValue().stream().map(texts::get).toList());
            for (int j = 0; j < vectors.size(); j++) out.set(e.getValue().get(j), vectors.get(j));
        }
        return out;
    }

    /** As {@link #embedQuery}, in {@code space}. */
    default float[] embedQueryIn(String space, String text) {
        return embedQuery(text);
    }

    default List<float[]> embedAll(List<String> texts) {
        return texts.stream().map(this::embed).toList();
    }
}
