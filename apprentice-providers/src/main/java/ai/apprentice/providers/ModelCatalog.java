package ai.apprentice.providers;

import ai.apprentice.model.ModelCapabilities;
import java.util.List;
import java.util.Locale;

/**
 * What the hosted models support, as their providers document it (model pages of OpenAI, Anthropic, DeepSeek,
 * DashScope, Zhipu and Moonshot, read 2025-10). Matched by name prefix, the longest first; a model not listed
 * gets {@link ModelCapabilities#UNKNOWN} and the runtime's conservative defaults.
 */
public final class ModelCatalog {
    private record Entry(String prefix, ModelCapabilities capabilities) {}

    private static ModelCapabilities caps(boolean reasoning, boolean images, boolean caching, int window, int output) {
        return new ModelCapabilities(true, true, reasoning, images, caching, window, output);
    }

    // Longest prefixes first: "gpt-4.1" must not take "gpt-4o".
    private static final List<Entry> ENTRIES = List.of(
            new Entry("gpt-5-chat", caps(false, true, true, 128_000, 16_384)),
            new Entry("gpt-5", caps(true, true, true, 400_000, 128_000)),
            new Entry("gpt-4.1", caps(false, true, true, 1_047_576, 32_768)),
            new Entry("gpt-4o", caps(false, true, true, 128_000, 16_384)),
            new Entry("o4-mini", caps(true, true, true, 200_000, 100_000)),
            new Entry("o3", caps(true, true, true, 200_000, 100_000)),
            new Entry("o1", caps(true, true, true, 200_000, 100_000)),
            new Entry("claude-opus-4", caps(true, true, true, 200_000, 32_000)),
            new Entry("claude-sonnet-4", caps(true, true, true, 200_000, 64_000)),
            new Entry("claude-haiku-4-5", caps(true, true, true, 200_000, 64_000)),
            new Entry("claude-3-7-sonnet", caps(true, true, true, 200_000, 64_000)),
            new Entry("claude-3-5-haiku", caps(false, true, true, 200_000, 8_192)),
            new Entry("deepseek-reasoner", caps(true, false, true, 128_000, 64_000)),
            new Entry("deepseek-chat", caps(false, false, true, 128_000, 8_192)),
            new Entry("qwq", caps(true, false, true, 131_072, 8_192)),
            new Entry("qwen-max", caps(false, false, true, 32_768, 8_192)),
            new Entry("qwen-plus", caps(false, false, true, 131_072, 8_192)),
            new Entry("qwen-turbo", caps(false, false, true, 131_072, 8_192)),
            new Entry("qwen-vl", caps(false, true, false, 131_072, 8_192)),
            new Entry("glm-4.6", caps(true, false, true, 200_000, 128_000)),
            new Entry("glm-4.5", caps(true, false, true, 128_000, 96_000)),
            new Entry("kimi-k2-thinking", caps(true, false, true, 262_144, 16_384)),
            new Entry("kimi-k2", caps(false, false, true, 262_144, 16_384)));

    private ModelCatalog() {}

    /** The capabilities of {@code model} (a bare name, e.g. {@code claude-sonnet-4-5-20250929}). */
    public static ModelCapabilities of(String model) {
        String name = model == null ? "" : model.toLowerCase(Locale.ROOT);
        for (var e : ENTRIES) if (name.startsWith(e.prefix())) return e.capabilities();
        return ModelCapabilities.UNKNOWN;
    }

    /**
     * OpenAI's reasoning models (o-series, GPT-5 except its chat variant): they take {@code reasoning_effort} and
     * {@code max_completion_tokens} and refuse {@code temperature}.
     */
    public static boolean openAiReasoning(String model) {
        String name = model == null ? "" : model.toLowerCase(Locale.ROOT);
        return name.matches("o[1-9].*") || (name.startsWith("gpt-5") && !name.startsWith("gpt-5-chat"));
    }
}
