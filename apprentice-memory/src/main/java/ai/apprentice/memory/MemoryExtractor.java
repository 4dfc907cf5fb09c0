package ai.apprentice.memory;

import ai.apprentice.context.HistoryText;
import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Usage;
import java.util.ArrayList;
import java.util.List;

/**
 * After a session, asks the model what is worth remembering: facts, the user's preferences, lessons learned.
 * The memories it already has on the subject are shown with their ids, so that a new fact can replace an
 * older one instead of contradicting it. The answer is JSON; anything else stores nothing.
 */
public final class MemoryExtractor {
    static final int MAX_MEMORIES = 5;
    static final int MAX_TRANSCRIPT_CHARS = 24_000;

    public record Extracted(List<Memory.New> memories, Usage usage, String problem) {}

    private final Model model;

    public MemoryExtractor(Model model) {
        this.model = model;
    }

    /** What to remember from a session in {@code scope}; {@code known} are related memories it may replace. */
    public Extracted extract(List<Message> session, List<Memory.Recalled> known, String scope, String origin) throws InterruptedException {
        var prompt = new StringBuilder("The session:\n").append(render(session));
        if (!known.isEmpty()) prompt.append("\n\nWhat is already remembered on these subjects:\n").append(MemoryTools.format(known));
        var request = new ChatRequest(List.of(
                Message.system("You keep an AI agent's long-term memory. From the session below, pick at most " + MAX_MEMORIES
                        + " things worth knowing in later sessions: facts about the user, their projects and environment, their "
                        + "preferences, and lessons learned about doing the work. Skip what is only about this one task, what is "
                        + "already remembered, and anything secret. Each memory is one self-contained sentence. If a memory "
                        + "corrects or updates one already remembered, give that memory's id as replaces. Answer with JSON only: "
                        + "{\"memories\": [{\"text\": \"...\", \"kind\": \"fact|preference|lesson|episode\", \"replaces\": \"m-... or null\"}]}"
                        + " and {\"memories\": []} when nothing is worth keeping."),
                Message.user(prompt.toString())), List.of(), 0.0, null, null);
        var response = model.chat(request, ModelListener.NONE);
        return parse(response.message().text(), response.usage(), scope, origin);
    }

    static Extracted parse(String reply, Usage usage, String scope, String origin) {
        int start = reply.indexOf('{');
        int end = reply.lastIndexOf('}');
        if (start < 0 || end < start) return new Extracted(List.of(), usage, "the model did not answer with JSON");
        com.fasterxml.jackson.databind.JsonNode root;
        try {
            root = Json.MAPPER.readTree(reply.substring(start, end + 1));
        } catch (java.io.IOException e) {
            return new Extracted(List.of(), usage, "the model's JSON could not be read: " + e.getMessage().lines().findFirst().orElse(""));
        }
        var out = new ArrayList<Memory.New>();
        for (var m : root.path("memories")) {
            String text = m.path("text").asText("").strip();
            if (text.isEmpty() || out.size() >= MAX_MEMORIES) continue;
            Memory.Kind kind;
            try {
                kind = Memory.Kind.parse(m.path("kind").asText("fact"));
            } catch (IllegalArgumentException e) {
                kind = Memory.Kind.FACT;
            }
            String replaces = m.hasNonNull("replaces") && m.get("replaces").asText().startsWith("m-") ? m.get("replaces").asText() : null;
            out.add(new Memory.New(text, null, kind, scope, origin, null, 0.8, replaces));
        }
        return new Extracted(out, usage, null);
    }

    /** The session as text: what the user asked, what the agent said and did, cut from the front if long. */
    static String render(List<Message> session) {
        return HistoryText.render(session, 400, Integer.MAX_VALUE, MAX_TRANSCRIPT_CHARS);
    }
}
