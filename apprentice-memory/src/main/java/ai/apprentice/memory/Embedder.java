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

    default List<float[]> embedAll(List<String> texts) {
        return texts.stream().map(this::embed).toList();
    }
}
