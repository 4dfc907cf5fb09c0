package ai.apprentice.memory;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import java.util.List;

/**
 * BAAI bge-small-en-v1.5 (quantized ONNX, 384 dimensions) run by ONNX Runtime inside the process; the model
 * ships in a Maven jar, so nothing is downloaded at run time. Queries get the model's retrieval instruction,
 * as its authors recommend for short queries against passages.
 */
public final class OnnxEmbedder implements Embedder {
    static final String QUERY_INSTRUCTION = "Represent this sentence for searching relevant passages: ";
    private static volatile EmbeddingModel shared;

    /** Loading takes about a second and 100 MB, so it waits for the first text; one model serves every thread. */
    private static EmbeddingModel model() {
        var m = shared;
        if (m == null) {
            synchronized (OnnxEmbedder.class) {
                if (shared == null) shared = new BgeSmallEnV15QuantizedEmbeddingModel();
                m = shared;
            }
        }
        return m;
    }

    @Override public String id() { return "bge-small-en-v1.5-q"; }
    @Override public int dimension() { return 384; }

    @Override
    public float[] embed(String text) {
        return model().embed(text).content().vector();
    }

    @Override
    public float[] embedQuery(String text) {
        return model().embed(QUERY_INSTRUCTION + text).content().vector();
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        if (texts.isEmpty()) return List.of();
        return model().embedAll(texts.stream().map(TextSegment::from).toList()).content().stream().map(e -> e.vector()).toList();
    }
}
