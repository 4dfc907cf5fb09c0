package ai.apprentice.model;

/**
 * A tool call the model asked for. {@code arguments} is the raw JSON text the model produced: it may be
 * malformed, and the runtime, not the provider, decides what to tell the model about that.
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        if (arguments == null || arguments.isBlank()) arguments = "{}";
    }
}
