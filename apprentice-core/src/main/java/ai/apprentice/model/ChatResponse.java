package ai.apprentice.model;

/** The model's complete answer to one request: an assistant message, token usage and why it stopped. */
public record ChatResponse(Message message, Usage usage, String finishReason) {
    public ChatResponse {
        if (usage == null) usage = Usage.ZERO;
    }
}
