package ai.apprentice.local;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.Message;
import ai.apprentice.model.ModelListener;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt processing and generation speed of a GGUF model on this machine, in tokens per second (medians),
 * measured on llama.cpp directly; and one provider call against a direct call of the same prompt and length,
 * so that what our layer adds (template, grammar-free streaming, usage counting) shows as a ratio.
 */
public final class LocalBench {
    private LocalBench() {}

    public static ObjectNode run(LocalModel model, int promptTokens, int genTokens, int repeat) throws InterruptedException {
        var llama = model.load();
        var prompt = promptOf(llama, promptTokens);
        int actualPrompt = llama.encode(prompt).length;
        // warm-up: page the weights in, allocate the cache
        generate(llama, prompt, 4);
        var pp = new ArrayList<Double>();
        var tg = new ArrayList<Double>();
        for (int i = 0; i < repeat; i++) {
            var t = generate(llama, prompt, 1);
            pp.add(actualPrompt / t[1]);
            var g = generate(llama, "Once upon a time", genTokens);
            tg.add((genTokens - 1) / (g[1] - g[0]));
        }
        // the provider against llama.cpp on the same rendered prompt and the same number of output tokens
        var request = new ChatRequest(List.of(Message.user("Tell me a story.")), List.of(), null, genTokens, null);
        var provider = new ArrayList<Double>();
        var direct = new ArrayList<Double>();
        long outTokens = 0;
        for (int i = 0; i < repeat; i++) {
            long t0 = System.nanoTime();
            var r = model.chat(request, ModelListener.NONE);
            provider.add((System.nanoTime() - t0) / 1e9);
            outTokens = r.usage().outputTokens();
            direct.add(generate(llama, model.render(request), (int) Math.max(1, outTokens))[1]);
        }
        var out = Json.object();
        out.put("model", model.id()).put("file", model.file().toString()).put("threads", model.settings().effectiveThreads())
                .put("repeat", repeat).put("prompt_tokens", actualPrompt).put("gen_tokens", genTokens)
                .put("prompt_tokens_per_s", round(median(pp))).put("gen_tokens_per_s", round(median(tg)))
                .put("provider_call_s", round(median(provider))).put("direct_call_s", round(median(direct)))
                .put("provider_output_tokens", outTokens)
                .put("provider_over_direct", round(median(provider) / median(direct)));
        return out;
    }

    /** [seconds to the first token, seconds in all]; the prompt cache is off so that every run processes the prompt. */
    private static double[] generate(LlamaModel llama, String prompt, int tokens) {
        var params = new InferenceParameters(prompt).setNPredict(tokens).setIgnoreEos(true).setCachePrompt(false).setTemperature(0.8f).setSeed(1);
        long t0 = System.nanoTime();
        double first = -1;
        for (var ignored : llama.generate(params)) {
            if (first < 0) first = (System.nanoTime() - t0) / 1e9;
        }
        return new double[] {first, (System.nanoTime() - t0) / 1e9};
    }

    private static String promptOf(LlamaModel llama, int tokens) {
        var text = new StringBuilder();
        while (llama.encode(text.toString()).length < tokens) text.append("The quick brown fox jumps over the lazy dog. ");
        var ids = java.util.Arrays.copyOf(llama.encode(text.toString()), tokens);
        return llama.decode(ids);
    }

    private static double median(List<Double> xs) {
        var s = xs.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }

    private static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }
}
