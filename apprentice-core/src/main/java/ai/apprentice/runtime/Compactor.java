package ai.apprentice.runtime;

import ai.apprentice.context.HistoryText;
import ai.apprentice.context.TokenCounter;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Role;
import ai.apprentice.model.Usage;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a run's history within the model's context window. When the history passes {@value #TRIGGER} of the
 * window, the middle of it is shrunk in two stages until it fits in {@value #TARGET}: first, old tool results
 * become short references (the call is named, so it can be made again); then, if that is not enough, the
 * model summarises the old steps. Pinned content is never touched: the instructions (with project files,
 * skills and recalled memories), the task, the most recent steps, and the instructions of skills in use,
 * which are carried into the summary word for word.
 */
final class Compactor {
    static final double TRIGGER = 0.8;
    static final double TARGET = 0.5;
    /** The most recent steps kept as they are, as a share of the window. */
    static final double RECENT = 0.25;
    static final String SUMMARY_HEADER = "[Earlier work, summarised when the context was compacted]";
    /** Tool results that carry instructions rather than data. */
    static final String SKILL_TOOL = "use_skill";

    record Outcome(List<Message> history, int tokensBefore, int tokensAfter, int elided, int summarised, Usage usage) {}

    private final TokenCounter counter;
    private final int window;
    private final Model model;

    Compactor(TokenCounter counter, int window, Model model) {
        this.counter = counter;
        this.window = window;
        this.model = model;
    }

    boolean needed(List<Message> history) {
        return counter.count(history) > TRIGGER * window;
    }

    Outcome compact(List<Message> history) throws InterruptedException {
        int before = counter.count(history);
        // The head: instructions and the task, up to and including the first user message.
        int headEnd = 0;
        while (headEnd < history.size() && history.get(headEnd).role() != Role.USER) headEnd++;
        headEnd = Math.min(history.size(), headEnd + 1);
        var head = history.subList(0, headEnd);
        int recentStart = recentStart(history, headEnd);
        var middle = new ArrayList<>(history.subList(headEnd, recentStart));
        var recent = history.subList(recentStart, history.size());

        int elided = 0;
        for (int i = 0; i < middle.size(); i++) {
            var m = middle.get(i);
            if (m.role() == Role.TOOL && !SKILL_TOOL.equals(m.toolName()) && !m.text().startsWith("[elided")) {
                middle.set(i, Message.toolResult(m.toolCallId(), m.toolName(), reference(m, callOf(history, m.toolCallId()))));
                elided++;
            }
        }
        var out = join(head, middle, recent);
        if (counter.count(out) <= TARGET * window || middle.isEmpty()) {
            return new Outcome(out, before, counter.count(out), elided, 0, Usage.ZERO);
        }

        // Still too long: the model summarises the middle; skill instructions in it are kept verbatim.
        var task = head.isEmpty() ? "" : head.getLast().text();
        var request = new ChatRequest(List.of(
                Message.system("You compress the working history of an AI agent so that it can go on with its task. Keep what it "
                        + "will need: decisions made, facts learned (names, paths, values, ids, errors), what was done, what remains, "
                        + "and open questions. Be specific and brief: at most 300 words, no preamble."),
                Message.user("The task:\n" + task + "\n\nThe steps to summarise:\n"
                        // about half the window in tokens, at four characters a token
                        + HistoryText.render(middle, 600, 1000, window * 2))), List.of(), null, null, null);
        var response = model.chat(request, new ModelListener() {});
        var summary = new StringBuilder(SUMMARY_HEADER).append('\n').append(response.message().text().strip());
        for (var m : middle) {
            if (m.role() == Role.TOOL && SKILL_TOOL.equals(m.toolName())) summary.append("\n\n[Skill instructions in use, kept as they were]\n").append(m.text());
        }
        out = join(head, List.of(Message.user(summary.toString())), recent);
        return new Outcome(out, before, counter.count(out), elided, middle.size(), response.usage());
    }

    /**
     * Where the recent steps begin: an assistant message, so that no tool result is parted from its call,
     * about {@value #RECENT} of the window from the end, and never after the last step.
     */
    private int recentStart(List<Message> history, int headEnd) {
        int budget = (int) (RECENT * window);
        int i = history.size();
        while (i > headEnd && budget - counter.count(history.get(i - 1)) >= 0) budget -= counter.count(history.get(--i));
        while (i < history.size() && history.get(i).role() != Role.ASSISTANT) i++;
        int lastAssistant = history.size();
        for (int j = history.size() - 1; j >= headEnd; j--) {
            if (history.get(j).role() == Role.ASSISTANT) {
                lastAssistant = j;
                break;
            }
        }
        return Math.max(headEnd, Math.min(i, lastAssistant));
    }

    private static String reference(Message result, String call) {
        return "[elided when the context was compacted: the " + result.text().length() + "-character result of " + call
                + ". Make the call again if you need it.]";
    }

    private static String callOf(List<Message> history, String callId) {
        for (var m : history) {
            for (var c : m.toolCalls()) if (c.id() != null && c.id().equals(callId)) return c.name() + " " + HistoryText.abbreviate(c.arguments(), 200);
        }
        return "a tool call";
    }

    private static List<Message> join(List<Message> a, List<Message> b, List<Message> c) {
        var out = new ArrayList<Message>(a.size() + b.size() + c.size());
        out.addAll(a);
        out.addAll(b);
        out.addAll(c);
        return out;
    }
}
