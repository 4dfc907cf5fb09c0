package ai.apprentice.memory;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * One long-term memory: its text, what kind of thing it is, whose it is (scope), where it came from
 * (provenance), and how it has fared (confidence, weight, recalls). {@code context} is the text around it
 * where it has some (the previous message of a chat), which helps find it.
 */
public record Memory(String id, String text, String context, Kind kind, String scope, String source, Integer sourceSeq,
                     double confidence, double weight, int recalls, Instant createdAt, Instant lastRecalledAt,
                     String supersededBy, boolean forgotten) {

    public enum Kind {
        FACT, PREFERENCE, EPISODE, LESSON, DOCUMENT;

        public static Kind parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown memory kind '" + s + "'; use one of fact, preference, episode, lesson, document");
            }
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Scopes: the user's own memories, one workspace's, one agent's, and, for an agent that several people reach (a
     * team's chat), one person's ({@code person:slack:U123}) and one team's ({@code team:slack:T1}).
     */
    public static final String USER = "user";

    public static String person(String id) {
        return "person:" + id;
    }

    public static String team(String id) {
        return "team:" + id;
    }

    public static String workspace(String path) {
        return "workspace:" + path;
    }

    public static String agent(String name) {
        return "agent:" + name;
    }

    public static String checkScope(String scope) {
        if (scope.equals(USER) || scope.startsWith("workspace:") || scope.startsWith("agent:") || scope.startsWith("person:")
                || scope.startsWith("team:")) return scope;
        throw new IllegalArgumentException("unknown scope '" + scope + "'; use user, workspace:PATH, agent:NAME, person:ID or team:ID");
    }

    public boolean active() {
        return !forgotten && supersededBy == null;
    }

    /** What to store: {@code supersedes} names an older memory this one replaces (it stays in history). */
    public record New(String text, String context, Kind kind, String scope, String source, Integer sourceSeq, double confidence,
                      String supersedes) {
        public New {
            if (text == null || text.isBlank()) throw new IllegalArgumentException("a memory needs text");
            if (confidence < 0 || confidence > 1) throw new IllegalArgumentException("confidence must be within 0 and 1, not " + confidence);
            checkScope(scope);
        }

        public static New of(String text, Kind kind, String scope) {
            return new New(text, null, kind, scope, null, null, 1.0, null);
        }
    }

    /** The outcome of storing one memory, and the batch that {@code undo} reverses. */
    public record Added(Memory memory, boolean duplicate, List<String> secretsRemoved, String batch) {}

    /** A recalled memory with its score and the reasons it came up. */
    public record Recalled(Memory memory, double score, List<String> why) {}

    /** One recorded change: every change can be listed and undone, batch by batch. */
    public record Change(long seq, String batch, Instant at, String op, String memoryId, String text, String before, String reason, boolean undone) {}
}
