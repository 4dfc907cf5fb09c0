package ai.apprentice.learn.dataset;

import ai.apprentice.json.Json;
import ai.apprentice.model.Message;
import ai.apprentice.model.Role;
import ai.apprentice.model.ToolCall;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/** Operations on a run's conversation for training data: cleaning, comparing, the prompt's identity. */
final class Conversations {
    private Conversations() {}

    /**
     * The conversation as training data: an empty reply (no text, no tool call) is dropped with the runtime's nudge
     * that followed it, and what follows the last assistant message is cut (a user's reply the run never answered),
     * except the results of that message's tool calls (an environment may end an episode on a tool call), since a
     * call without its result is not a valid conversation.
     */
    static List<Message> clean(List<Message> history) {
        var out = new ArrayList<Message>();
        for (int i = 0; i < history.size(); i++) {
            var m = history.get(i);
            if (m.role() == Role.ASSISTANT && !m.hasToolCalls() && m.text().isBlank()) {
                if (i + 1 < history.size() && history.get(i + 1).role() == Role.USER) i++; // the loop's "your reply was empty"
                continue;
            }
            out.add(m);
        }
        int last = lastAssistant(out);
        int end = last + 1;
        if (last >= 0 && out.get(last).hasToolCalls()) while (end < out.size() && out.get(end).role() == Role.TOOL) end++;
        return List.copyOf(out.subList(0, end));
    }

    /** The index of the last assistant message, or -1. */
    static int lastAssistant(List<Message> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) if (messages.get(i).role() == Role.ASSISTANT) return i;
        return -1;
    }

    /** Whether a tool call's arguments are not a JSON object: TRL's format needs them as one. */
    static boolean hasMalformedArguments(List<Message> messages) {
        for (var m : messages) for (var c : m.toolCalls()) if (arguments(c) == null) return true;
        return false;
    }

    /** A call's arguments as a JSON object, or null when they are not one. */
    static JsonNode arguments(ToolCall call) {
        try {
            var node = Json.MAPPER.readTree(call.arguments());
            return node != null && node.isObject() ? node : null;
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * Whether two messages say the same: role, text, tool calls (name and arguments, compared as JSON) and the tool a
     * result is from. Ids are not compared: providers make up new ones for every call.
     */
    static boolean same(Message a, Message b) {
        if (a.role() != b.role() || !a.text().equals(b.text()) || !Objects.equals(a.toolName(), b.toolName())) return false;
        if (a.toolCalls().size() != b.toolCalls().size()) return false;
        for (int i = 0; i < a.toolCalls().size(); i++) {
            var x = a.toolCalls().get(i);
            var y = b.toolCalls().get(i);
            if (!x.name().equals(y.name()) || !Objects.equals(arguments(x), arguments(y))) return false;
        }
        return true;
    }

    /** How many leading messages two conversations share. */
    static int commonPrefix(List<Message> a, List<Message> b) {
        int n = 0;
        while (n < a.size() && n < b.size() && same(a.get(n), b.get(n))) n++;
        return n;
    }

    /** The identity of a request without a named task: a hash of the instructions and the first user message. */
    static String promptHash(List<Message> messages) {
        var sb = new StringBuilder();
        for (var m : messages) if (m.role() == Role.SYSTEM) sb.append(m.text()).append('\n');
        sb.append('\u0000');
        messages.stream().filter(m -> m.role() == Role.USER).findFirst().ifPresent(m -> sb.append(m.text()));
        return "prompt:" + sha256(sb.toString()).substring(0, 16);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
