package ai.apprentice.tool;

/** What a tool call produced: text for the model, and whether it is an error observation. */
public record ToolResult(String content, boolean error) {
    public static ToolResult ok(String content) {
        return new ToolResult(content, false);
    }

    public static ToolResult error(String content) {
        return new ToolResult(content, true);
    }
}
