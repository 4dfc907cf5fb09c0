package ai.apprentice.model;

/**
 * What a model supports, as its provider documents it. 0 for {@code contextWindow} or {@code maxOutputTokens}
 * means unknown (the runtime then falls back to conservative defaults).
 *
 * @param tools         native tool calling (else the runtime uses text-mode ReAct)
 * @param parallelTools several tool calls in one reply
 * @param reasoning     the model reasons before it answers (reasoning effort or a thinking budget apply)
 * @param images        image input
 * @param caching       the provider caches prompt prefixes (automatically or at marked breakpoints)
 */
public record ModelCapabilities(boolean tools, boolean parallelTools, boolean reasoning, boolean images, boolean caching,
                                int contextWindow, int maxOutputTokens) {
    /** Nothing known beyond plain chat with tools. */
    public static final ModelCapabilities UNKNOWN = new ModelCapabilities(true, true, false, false, false, 0, 0);

    public ModelCapabilities {
        if (contextWindow < 0 || maxOutputTokens < 0) throw new IllegalArgumentException("token limits cannot be negative");
    }

    public ModelCapabilities withTools(boolean supported) {
        return new ModelCapabilities(supported, supported && parallelTools, reasoning, images, caching, contextWindow, maxOutputTokens);
    }

    public ModelCapabilities withContextWindow(int tokens) {
        return new ModelCapabilities(tools, parallelTools, reasoning, images, caching, tokens, maxOutputTokens);
    }
}
