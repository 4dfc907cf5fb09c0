package ai.apprentice.memory;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallzhv15q.BgeSmallZhV15QuantizedEmbeddingModel;
import java.util.List;
import java.util.function.Supplier;

/**
 * BAAI's bge-small v1.5 models (quantized ONNX) run by ONNX Runtime inside the process: the English one
 * (384 dimensions, the primary space) and, for text that is mostly Chinese (or Japanese or Korean) script,
 * the Chinese one (512 dimensions). The models ship in Maven jars, so nothing is downloaded at run time.
 * Queries get each model's retrieval instruction, as its authors recommend for short queries.
 */
public final class OnnxEmbedder implements Embedder {
    static final String EN = "bge-small-en-v1.5-q", ZH = "bge-small-zh-v1.5-q";
    static final String QUERY_INSTRUCTION = "Represent this sentence for searching relevant passages: ";
    static final String ZH_QUERY_INSTRUCTION = "为这个句子生成表示以用于检索相关文章：";
    private static final Lazy ENGLISH = new Lazy(BgeSmallEnV15QuantizedEmbeddingModel::new);
    private static final Lazy CHINESE = new Lazy(BgeSmallZhV15QuantizedEmbeddingModel::new);

    /** Loading takes about a second and 100 MB, so each model waits for its first text; one serves every thread. */
    private static final class Lazy {
        private final Supplier<EmbeddingModel> create;
        private volatile EmbeddingModel model;

        Lazy(Supplier<EmbeddingModel> create) {
            this.create = create;
        }

        EmbeddingModel get() {
            var m = model;
            if (m == null) {
                synchronized (this) {
                    if (model == null) model = create.get();
                    m = model;
                }
            }
            return m;
        }
    }

    @Override public String id() { return EN; }
    @Override public int dimension() { return 384; }

    @Override
    public String spaceFor(String text) {
        return mostlyCjk(text) ? ZH : EN;
    }

    /** Whether at least 30 % of the letters are Han, kana or Hangul. */
    static boolean mostlyCjk(String text) {
        int letters = 0, cjk = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (!Character.isLetter(cp)) continue;
            letters++;
            var script = Character.UnicodeScript.of(cp);
            if (script == Character.UnicodeScript.HAN || script == Character.UnicodeScript.HIRAGANA
                    || script == Character.UnicodeScript.KATAKANA || script == Character.UnicodeScript.HANGUL) cjk++;
        }
        return cjk > 0 && cjk * 10 >= letters * 3;
    }

    private static EmbeddingModel model(String space) {
        return ZH.equals(space) ? CHINESE.get() : ENGLISH.get();
    }

    @Override
    public float[] embed(String text) {
        return embedAllIn(spaceFor(text), List.of(text)).getFirst();
    }

    @Override
    public float[] embedQuery(String text) {
        return embedQueryIn(spaceFor(text), text);
    }

    @Override
    public float[] embedQueryIn(String space, String text) {
        return model(space).embed((ZH.equals(space) ? ZH_QUERY_INSTRUCTION : QUERY_INSTRUCTION) + text).content().vector();
    }

    @Override
    public List<float[]> embedAllIn(String space, List<String> texts) {
        if (texts.isEmpty()) return List.of();
        return model(space).embedAll(texts.stream().map(TextSegment::from).toList()).content().stream().map(e -> e.vector()).toList();
    }

    /** Each text in its own space, one batch per space. */
    @Override
    public List<float[]> embedAll(List<String> texts) {
        return embedEach(texts.stream().map(this::spaceFor).toList(), texts);
    }
}
