package ai.apprentice.model;

import java.util.List;

/**
 * One message of the linear conversation history. Assistant messages may carry tool calls; tool messages
 * answer one call by id.
 */
public record Message(Role role, String content, List<ToolCall> toolCalls, String toolCallId, String toolName) {
    public Message {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public static Message system(String content) {
        return new Message(Role.SYSTEM, content, List.of(), null, null);
    }

    public static Message user(String content) {
        return new Message(Role.USER, content, List.of(), null, null);
    }

    public static Message assistant(String content, List<ToolCall> toolCalls) {
        return new Message(Role.ASSISTANT, content, toolCalls, null, null);
    }

    public static Message assistant(String content) {
        return assistant(content, List.of());
    }

    public static Message toolResult(String toolCallId, String toolName, String content) {
        return new Message(Role.TOOL, content, List.of(), toolCallId, toolName);
    }

    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    /** The text content, never null. */
    public String text() {
        return content == null ? "" : content;
    }
}
