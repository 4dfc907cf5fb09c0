package ai.apprentice.memory.playbook;

import java.util.List;

/**
 * One itemised lesson of a {@link Playbook}: what to do, where it applies, how often it helped or hurt, and which
 * runs and decisions taught it.
 *
 * @param id         short and stable ({@code L-1a2b3c}), how deltas and counters name it
 * @param text       the lesson as the agent reads it
 * @param scope      {@code user}, {@code workspace:PATH} or {@code environment:NAME}
 * @param helpful    times it was credited with a success
 * @param harmful    times it was blamed for a failure
 * @param provenance run and decision ids it came from, oldest first
 */
public record Lesson(String id, String text, String scope, int helpful, int harmful, List<String> provenance) {
    public Lesson {
        if (id == null || id.isBlank()) throw new IllegalArgumentException("a lesson needs an id");
        if (text == null || text.isBlank()) throw new IllegalArgumentException("lesson " + id + " has no text");
        Scopes.check(scope);
        text = text.strip();
        provenance = provenance == null ? List.of() : List.copyOf(provenance);
    }

    public Lesson withText(String newText) {
        return new Lesson(id, newText, scope, helpful, harmful, provenance);
    }

    public Lesson counted(boolean wasHelpful) {
        return new Lesson(id, text, scope, helpful + (wasHelpful ? 1 : 0), harmful + (wasHelpful ? 0 : 1), provenance);
    }

    public Lesson from(List<String> more) {
        var all = new java.util.ArrayList<>(provenance);
        for (var p : more) if (!all.contains(p)) all.add(p);
        return new Lesson(id, text, scope, helpful, harmful, all);
    }

    /** Tokens it takes in the instructions, estimated at four characters each (the same estimate as elsewhere). */
    public int tokens() {
        return (text.length() + 12) / 4;
    }

    /** Kept first when the budget is tight: net credit, then age (older lessons have been tested longer). */
    int value() {
        return helpful - harmful;
    }
}
