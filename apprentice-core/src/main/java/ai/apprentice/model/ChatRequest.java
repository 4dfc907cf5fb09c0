package ai.apprentice.model;

import java.util.List;

/**
 * One call to a chat model: the history, the tools it may call, and sampling options (null means the
 * provider's default).
 */
public record ChatRequest(List<Message> messages, List<ToolSpec> tools, Double temperature,
                          Integer maxOutputTokens, List<String> stop) {
    public ChatRequest {
        messages = List.copyOf(messages);
        tools = tools == null ? List.of() : List.copyOf(tools);
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    public static ChatRequest of(List<Message> messages, List<ToolSpec> tools) {
        return new ChatRequest(messages, tools, null, null, null);
    }

    public ChatRequest withMessages(List<Message> newMessages) {
        return new ChatRequest(newMessages, tools, temperature, maxOutputTokens, stop);
    }

    public ChatRequest withTools(List<ToolSpec> newTools) {
        return new ChatRequest(messages, newTools, temperature, maxOutputTokens, stop);
    }

    public ChatRequest withStop(List<String> newStop) {
        return new ChatRequest(messages, tools, temperature, maxOutputTokens, newStop);
    }
}
