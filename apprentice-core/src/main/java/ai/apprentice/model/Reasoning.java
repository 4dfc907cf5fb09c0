package ai.apprentice.model;

/**
 * What a model thought before it answered, kept with the assistant message it belongs to. Never part of the
 * answer. Providers that sign or encrypt their reasoning need it sent back byte for byte on the next request
 * (Anthropic's {@code thinking} with its {@code signature}, {@code redacted_thinking} with its {@code data}), so
 * those fields are kept exactly as received.
 *
 * @param kind      {@link #THINKING}, {@link #REDACTED}, {@link #TEXT} or {@link #OPENAI_ITEM}
 * @param text      the readable reasoning (null for redacted reasoning)
 * @param signature the provider's signature of {@code text}, or null
 * @param data      the provider's opaque (encrypted) reasoning, or null
 */
public record Reasoning(String kind, String text, String signature, String data) {
    /** Anthropic extended thinking: text with a signature. */
    public static final String THINKING = "thinking";
    /** Anthropic redacted thinking: encrypted, only {@code data} travels. */
    public static final String REDACTED = "redacted_thinking";
    /** Plain reasoning text, e.g. the {@code reasoning_content} of OpenAI-compatible endpoints. */
    public static final String TEXT = "text";
    /**
     * An OpenAI Responses API reasoning item: {@code data} is the item's JSON as received (id, summary and, when not
     * stored at OpenAI, {@code encrypted_content}), {@code text} its summary.
     */
    public static final String OPENAI_ITEM = "openai_reasoning";

    public static Reasoning text(String text) {
        return new Reasoning(TEXT, text, null, null);
    }

    public static Reasoning thinking(String text, String signature) {
        return new Reasoning(THINKING, text, signature, null);
    }

    public static Reasoning redacted(String data) {
        return new Reasoning(REDACTED, null, null, data);
    }
}
