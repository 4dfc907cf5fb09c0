package ai.apprentice.local;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes a tiny Llama-architecture GGUF model with random weights: 2 layers, 64 dimensions, grouped-query
 * attention, a SentencePiece vocabulary of control tokens, the 256 byte tokens and the printable ASCII
 * characters, and a ChatML chat template. It talks nonsense, but llama.cpp loads, tokenises, samples and
 * constrains it exactly as it does a real model, so every code path can be tested offline and quickly.
 */
public final class TinyLlama {
    public static final int EMBED = 64, HEADS = 4, KV_HEADS = 2, FFN = 192, LAYERS = 2, CONTEXT = 4096;
    static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private TinyLlama() {}

    /** The vocabulary: pieces with their SentencePiece scores and token types (1 normal, 2 unknown, 3 control, 6 byte). */
    record Vocab(List<String> pieces, List<Float> scores, List<Integer> types) {}

    static Vocab vocab() {
        var pieces = new ArrayList<String>(List.of("<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"));
        var types = new ArrayList<Integer>(List.of(2, 3, 3, 3, 3));
        for (int b = 0; b < 256; b++) {
            pieces.add(String.format("<0x%02X>", b));
            types.add(6);
        }
        pieces.add("\u2581"); // SentencePiece's space
        types.add(1);
        for (char c = 33; c < 127; c++) {
            pieces.add(String.valueOf(c));
            types.add(1);
        }
        for (var word : List.of("\u2581the", "\u2581a", "in", "er", "on", "\u2581to", "\u2581is", "\"name\"", "\"arguments\"", "tool_call")) {
            pieces.add(word);
            types.add(1);
        }
        var scores = new ArrayList<Float>();
        for (int i = 0; i < pieces.size(); i++) scores.add(types.get(i) == 1 ? -(float) i / 10 + pieces.get(i).length() : 0f);
        return new Vocab(pieces, scores, types);
    }

    /** Writes the model to {@code file}; the same seed writes the same bytes. */
    public static Path write(Path file, long seed) throws IOException {
        var vocab = vocab();
        int n = vocab.pieces().size();
        int headDim = EMBED / HEADS, kv = headDim * KV_HEADS;
        var random = new Random(seed);
        var w = new Gguf.Writer()
                .put("general.architecture", "llama")
                .put("general.name", "apprentice-tiny-llama")
                .put("general.license", "apache-2.0")
                .put("llama.context_length", CONTEXT)
                .put("llama.embedding_length", EMBED)
                .put("llama.block_count", LAYERS)
                .put("llama.feed_forward_length", FFN)
                .put("llama.attention.head_count", HEADS)
                .put("llama.attention.head_count_kv", KV_HEADS)
                .put("llama.rope.dimension_count", headDim)
                .put("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .put("llama.vocab_size", n)
                .put("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", vocab.pieces())
                .put("tokenizer.ggml.scores", vocab.scores())
                .put("tokenizer.ggml.token_type", vocab.types())
                .put("tokenizer.ggml.unknown_token_id", 0)
                .put("tokenizer.ggml.bos_token_id", 1)
                .put("tokenizer.ggml.eos_token_id", 4)
                .put("tokenizer.ggml.add_bos_token", true)
                .put("tokenizer.chat_template", CHATML);
        // Dimension 0 of every embedding is a constant 8, a bias the residual stream carries to the output, where
        // the byte tokens weigh it by -2: stray bytes (invalid UTF-8) become rare, and text stays ASCII.
        var embeddings = gaussian(random, EMBED * n, 1f);
        var output = gaussian(random, EMBED * n, 0.1f);
        for (int t = 0; t < n; t++) {
            embeddings[t * EMBED] = 8f;
            if (vocab.types().get(t) == 6) output[t * EMBED] = -2f;
        }
        w.tensor("token_embd.weight", embeddings, EMBED, n);
        w.tensor("output_norm.weight", ones(EMBED), EMBED);
        w.tensor("output.weight", output, EMBED, n);
        for (int l = 0; l < LAYERS; l++) {
            var p = "blk." + l + ".";
            w.tensor(p + "attn_norm.weight", ones(EMBED), EMBED);
            w.tensor(p + "attn_q.weight", gaussian(random, EMBED * EMBED, 0.1f), EMBED, EMBED);
            w.tensor(p + "attn_k.weight", gaussian(random, EMBED * kv, 0.1f), EMBED, kv);
            w.tensor(p + "attn_v.weight", gaussian(random, EMBED * kv, 0.1f), EMBED, kv);
            w.tensor(p + "attn_output.weight", gaussian(random, EMBED * EMBED, 0.1f), EMBED, EMBED);
            w.tensor(p + "ffn_norm.weight", ones(EMBED), EMBED);
            w.tensor(p + "ffn_gate.weight", gaussian(random, EMBED * FFN, 0.1f), EMBED, FFN);
            w.tensor(p + "ffn_up.weight", gaussian(random, EMBED * FFN, 0.1f), EMBED, FFN);
            w.tensor(p + "ffn_down.weight", gaussian(random, FFN * EMBED, 0.1f), FFN, EMBED);
        }
        w.write(file);
        return file;
    }

    private static float[] gaussian(Random random, int n, float std) {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) random.nextGaussian() * std;
        return a;
    }

    private static float[] ones(int n) {
        var a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }
}
