package ai.apprentice.learn;

import ai.apprentice.memory.playbook.Playbook;
import java.nio.file.Path;
import java.util.List;

/**
 * A proposed change to what the agent is, before the gate has judged it: edits to the playbook, or a skill folder
 * (a new skill, or a changed {@code SKILL.md} of an existing one).
 *
 * @param id        stable within a learning run ({@code C-...})
 * @param edits     playbook deltas (empty for a skill candidate)
 * @param skill     a skill folder with a SKILL.md (null for playbook candidates)
 * @param rationale why the proposer thinks it helps, in its words
 * @param source    who proposed it: {@code reflector}, {@code file} or {@code person}
 * @param fromRuns  the runs it was learned from (provenance of the lessons it adds)
 */
public record Candidate(String id, List<Playbook.Delta> edits, Path skill, String rationale, String source, List<String> fromRuns) {
    public Candidate {
        edits = edits == null ? List.of() : List.copyOf(edits);
        fromRuns = fromRuns == null ? List.of() : List.copyOf(fromRuns);
        if (edits.isEmpty() && skill == null) throw new IllegalArgumentException("a candidate needs playbook edits or a skill folder");
        if (!edits.isEmpty() && skill != null) throw new IllegalArgumentException("a candidate is either playbook edits or a skill, not both");
    }

    public boolean isSkill() {
        return skill != null;
    }

    /** One line for listings: the first edit or the skill folder. */
    public String title() {
        if (isSkill()) return "skill " + skill.getFileName();
        var e = edits.getFirst();
        String what = e.op() + (e.lessonId() != null ? " " + e.lessonId() : "") + (e.text() != null ? ": " + e.text() : "");
        return (what.length() > 100 ? what.substring(0, 97) + "..." : what) + (edits.size() > 1 ? " (+" + (edits.size() - 1) + " more)" : "");
    }
}
