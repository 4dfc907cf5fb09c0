package ai.apprentice.learn;

import ai.apprentice.model.Message;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.store.RunStore;
import java.util.ArrayList;
import java.util.List;

/** Runs in the store as a proposer reads them: the conversation in plain text, and what people said about it. */
final class Transcripts {
    private Transcripts() {}

    /** The conversation without the instructions (the reflector sees the playbook on its own), as role-tagged lines. */
    static String text(List<Message> history) {
        var sb = new StringBuilder();
        for (var m : history) {
            switch (m.role()) {
                case SYSTEM -> { }
                case USER -> sb.append("user: ").append(m.content()).append('\n');
                case ASSISTANT -> {
                    if (m.content() != null && !m.content().isBlank()) sb.append("assistant: ").append(m.content()).append('\n');
                    for (var c : m.toolCalls()) sb.append("assistant calls ").append(c.name()).append(' ').append(c.arguments()).append('\n');
                }
                case TOOL -> sb.append("tool ").append(m.toolName() == null ? "" : m.toolName()).append(": ").append(m.content()).append('\n');
            }
        }
        return sb.toString();
    }

    /** A stored run as a trajectory with this reward; null when the run is not in the store. */
    static Trajectory of(RunStore store, String runId, String task, double reward, String explanation) {
        if (runId == null) return new Trajectory(null, task, reward, explanation, "(the trial failed before its run started)", List.of());
        var events = store.events(runId);
        if (events.isEmpty()) return null;
        var corrections = new ArrayList<String>();
        for (var e : events) {
            if (e instanceof Event.Feedback f) {
                var sb = new StringBuilder(f.author() == null ? "a person" : f.author());
                if (f.rating() != null) sb.append(" rated it ").append(f.rating());
                if (f.correction() != null && !f.correction().isBlank()) sb.append(": ").append(f.correction());
                if (f.diff() != null) sb.append(" (changed ").append(f.path()).append(")\n").append(f.diff());
                corrections.add(sb.toString());
            }
        }
        String text;
        try {
            text = text(RunSnapshot.fromEvents(events).history());
        } catch (IllegalArgumentException incomplete) {
            text = "(the run's record is incomplete)";
        }
        return new Trajectory(runId, task, reward, explanation, text, corrections);
    }
}
