package ai.apprentice.runtime;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.ToolSpec;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tool use for models without native tool calling, in the ReAct text format: the model writes
 * {@code Thought: ...} and {@code Action: {"tool": NAME, "arguments": {...}}}, or {@code Final Answer: ...};
 * tool results come back as {@code Observation: ...}. The loop above sees ordinary tool calls.
 */
final class TextReActModel implements Model {
    static final String OBSERVATION = "Observation:";
    private static final Pattern ACTION = Pattern.compile("(?m)^\\s*Action:\\s*");
    private static final Pattern FINAL = Pattern.compile("(?m)^\\s*Final Answer:\\s*");
    private static final Pattern TOOL_NAME = Pattern.compile("\"tool\"\\s*:\\s*\"([^\"]+)\"");

    private final Model delegate;

    TextReActModel(Model delegate) {
        this.delegate = delegate;
    }

    @Override
    public String id() {
        return delegate.id();
    }

    @Override
    public boolean supportsNativeTools() {
        return false;
    }

    @Override
    public ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
        var stop = new ArrayList<>(request.stop());
        stop.add(OBSERVATION);
        var textRequest = new ChatRequest(toText(request.messages(), request.tools()), List.of(),
                request.temperature(), request.maxOutputTokens(), stop);
        var response = delegate.chat(textRequest, listener);
        return new ChatResponse(parse(response.message().text()), response.usage(), response.finishReason());
    }

    static List<Message> toText(List<Message> messages, List<ToolSpec> tools) {
        var out = new ArrayList<Message>();
        boolean systemDone = false;
        for (var m : messages) {
            switch (m.role()) {
                case SYSTEM -> {
                    // The protocol goes once, with the instructions; later system messages (run hooks' context) stay as they are.
                    out.add(systemDone ? m : Message.system(m.text() + "\n\n" + protocol(tools)));
                    systemDone = true;
                }
                case ASSISTANT -> out.add(Message.assistant(m.text()));
                case TOOL -> out.add(Message.user(OBSERVATION + " " + m.text()));
                case USER -> out.add(m);
            }
        }
        if (!systemDone) out.addFirst(Message.system(protocol(tools)));
        return out;
    }

    static String protocol(List<ToolSpec> tools) {
        var sb = new StringBuilder("You can use these tools:\n");
        for (var t : tools) {
            sb.append("- ").append(t.name()).append(": ").append(t.description())
                    .append("\n  arguments schema: ").append(t.parameters()).append('\n');
        }
        sb.append("""

                To use a tool, reply exactly in this format and then stop:
                Thought: <your reasoning>
                Action: {"tool": "<tool name>", "arguments": {<arguments as JSON>}}

                You will receive the result as "Observation: ...". When you know the answer, reply:
                Thought: <your reasoning>
                Final Answer: <the answer>""");
        return sb.toString();
    }

    /** Reads one reply: an action becomes a tool call, a final answer (or plain text) the answer. */
    static Message parse(String text) {
        int obs = text.indexOf(OBSERVATION);
        if (obs >= 0) text = text.substring(0, obs); // the model must not invent observations
        Matcher action = ACTION.matcher(text);
        Matcher fin = FINAL.matcher(text);
        boolean hasAction = action.find();
        boolean hasFinal = fin.find();
        if (hasAction && (!hasFinal || action.start() < fin.start())) {
            String rest = text.substring(action.end()).strip();
            return Message.assistant(text.strip(), List.of(toCall(rest)));
        }
        if (hasFinal) return Message.assistant(text.substring(fin.end()).strip());
        return Message.assistant(text.strip());
    }

    private static ToolCall toCall(String actionText) {
        String json = balancedObject(actionText);
        try {
            JsonNode node = Json.MAPPER.readTree(json);
            String name = node.path("tool").asText(node.path("name").asText(""));
            JsonNode args = node.has("arguments") ? node.get("arguments") : node.path("args");
            return new ToolCall(null, name.isEmpty() ? "(missing tool name)" : name,
                    args.isMissingNode() ? "{}" : args.toString());
        } catch (Exception e) {
            // Keep what we can: the tool's name if it is readable, and the raw text as malformed arguments,
            // so the model is told precisely that its JSON did not parse.
            Matcher m = TOOL_NAME.matcher(actionText);
            return new ToolCall(null, m.find() ? m.group(1) : "(unreadable action)", actionText);
        }
    }

    /** The first balanced {...} in the text, or the text itself when there is none. */
    private static String balancedObject(String s) {
        int start = s.indexOf('{');
        if (start < 0) return s;
        int depth = 0;
        boolean inString = false;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            } else if (c == '"') inString = true;
            else if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return s.substring(start, i + 1);
        }
        return s.substring(start);
    }
}
