package ai.apprentice.temporal.run;

import java.util.List;

/**
 * What the status query answers: the step in progress, what the workflow is doing, the approval it waits for, and how
 * the last approvals it waited for were settled, newest last (so that whoever lists approvals can tell a timeout from
 * an answer, also of one settled between two of its queries).
 */
public record RunView(String runId, int step, String state, Approval waitingFor, List<Settled> settled) {
    /** How many settled approvals the view keeps. */
    static final int SETTLED_KEPT = 16;

    public RunView {
        settled = settled == null ? List.of() : List.copyOf(settled);
    }

    public RunView(String runId, int step, String state, Approval waitingFor) {
        this(runId, step, state, waitingFor, List.of());
    }

    /** How approval {@code id} was settled, if it is among the kept ones. */
    public Settled settled(String id) {
        for (var s : settled) if (s.id().equals(id)) return s;
        return null;
    }

    /** How approval {@code id} was settled: a person's answer, or denied when nobody answered in time ({@code timedOut}). */
    public record Settled(String id, boolean allow, boolean always, String reason, String by, boolean timedOut) {}
}
