package ai.apprentice.model;

/**
 * A chat model that may call tools. Implementations stream text to the listener as it arrives and return
 * the complete message at the end. A call may be interrupted (the runtime interrupts the calling thread on
 * cancellation) and then throws {@link InterruptedException} or a {@link ModelException}.
 */
public interface Model {
    /** {@code provider:model}, e.g. {@code openai:gpt-4.1-mini}; used for pricing and records. */
    String id();

    ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException;

    /** The tokens this model reads at once, when the model itself knows (a local model's loaded context); 0 otherwise. */
    default int contextWindow() {
        return 0;
    }

    /** False for models without native tool calling: the runtime then uses text-mode ReAct. */
    default boolean supportsNativeTools() {
        return true;
    }

    /**
     * What this model supports, as its provider documents it. The default knows only what the two methods above
     * say; provider clients declare the rest, and the runtime adapts to it instead of guessing from the name.
     */
    default ModelCapabilities capabilities() {
        return ModelCapabilities.UNKNOWN.withTools(supportsNativeTools()).withContextWindow(contextWindow());
    }
}
