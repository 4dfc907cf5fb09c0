package ai.apprentice.local;

/**
 * How a local model runs. {@code contextSize} tokens of context (0: the model's own, capped at 8192),
 * {@code threads} for generation (0: the cores), {@code maxOutputTokens} per reply unless the request says,
 * {@code temperature} unless the request says, and {@code toolChoice}: {@code auto} lets the model answer or
 * call tools, {@code required} makes every reply a tool call.
 */
public record LocalSettings(int contextSize, int threads, int maxOutputTokens, double temperature, String toolChoice, int seed) {
    public LocalSettings {
        if (contextSize < 0) throw new IllegalArgumentException("local.context_size must be 0 (the model's) or positive, not " + contextSize);
        if (threads < 0) throw new IllegalArgumentException("local.threads must be 0 (all cores) or positive, not " + threads);
        if (maxOutputTokens <= 0) throw new IllegalArgumentException("local.max_output_tokens must be positive, not " + maxOutputTokens);
        if (toolChoice == null) toolChoice = "auto";
        if (!toolChoice.equals("auto") && !toolChoice.equals("required")) {
            throw new IllegalArgumentException("local.tool_choice must be 'auto' or 'required', not '" + toolChoice + "'");
        }
    }

    public static LocalSettings defaults() {
        return new LocalSettings(0, 0, 1024, 0.2, "auto", -1);
    }

    public LocalSettings withToolChoice(String choice) {
        return new LocalSettings(contextSize, threads, maxOutputTokens, temperature, choice, seed);
    }

    public LocalSettings withSeed(int s) {
        return new LocalSettings(contextSize, threads, maxOutputTokens, temperature, toolChoice, s);
    }

    int effectiveThreads() {
        return threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
