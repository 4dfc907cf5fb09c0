package ai.apprentice.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One message of the linear conversation history. Assistant messages may carry tool calls and the model's
 * {@link Reasoning} (kept so that providers which need it get it back; never part of {@link #text()}); tool
 * messages answer one call by id.
 */
public record Message(Role role, String content, List<ToolCall> toolCalls, String toolCallId, String toolName,
                      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Reasoning> reasoning) {
    public Message {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        reasoning = reasoning == null ? List.of() : List.copyOf(reasoning);
    }

    public Message(Role role, String content, List<ToolCall> toolCalls, String toolCallId, String toolName) {
        this(role, content, toolCalls, toolCallId, toolName, List.of());
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

    public static Message assistant(String content, List<ToolCall> toolCalls, List<Reasoning> reasoning) {
        return new Message(Role.ASSISTANT, content, toolCalls, null, null, reasoning);
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

    /** The same message with other tool calls; its reasoning stays. */
    public Message withToolCalls(List<ToolCall> calls) {
        return new Message(role, content, calls, toolCallId, toolName, reasoning);
    }

    /** The text content, never null. */
    public String text() {
        return content == null ? "" : content;
    }
}
