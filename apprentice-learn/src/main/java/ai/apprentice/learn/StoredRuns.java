package ai.apprentice.learn;

import ai.apprentice.runtime.Event;
import ai.apprentice.store.RunOutcome;
import ai.apprentice.store.RunRecord;
import ai.apprentice.store.RunStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Everyday runs as trajectories for the online loop: top-level runs people judged (a reward from a person or a
 * rule, a rating, a score, a correction), newest first. Evaluation trials are left out: they are what the gate
 * measures, and a proposer must never learn from held-out work.
 */
public final class StoredRuns {
    private StoredRuns() {}

    public static List<Trajectory> judged(RunStore store, Instant since, int limit) {
        var runs = store.list(Math.max(limit * 4, 200)).stream()
                .filter(r -> r.parentId() == null && !r.running() && (since == null || !r.startedAt().isBefore(since))).toList();
        var outcomes = store.outcomes(runs.stream().map(RunRecord::id).toList());
        var out = new ArrayList<Trajectory>();
        for (var run : runs) {
            if (out.size() >= limit) break;
            var o = outcomes.getOrDefault(run.id(), RunOutcome.NONE);
            Double reward = reward(o);
            if (reward == null || fromAnEnvironment(store, run.id())) continue;
            var t = Transcripts.of(store, run.id(), describe(run.task()), reward, explanation(o));
            if (t != null) out.add(t);
        }
        return out;
    }

    /** A person's or rule's reward, else the feedback: a mean score, or good 1 / bad 0 by majority; null when unjudged. */
    static Double reward(RunOutcome o) {
        if (o.reward() != null && !"environment".equals(o.rewardSource())) return o.reward();
        if (o.meanScore() != null) return o.meanScore();
        if (o.good() + o.bad() > 0) return o.good() > o.bad() ? 1.0 : 0.0;
        if (o.lastCorrection() != null) return 0.0; // corrected work was not right as it was
        return null;
    }

    private static String explanation(RunOutcome o) {
        var parts = new ArrayList<String>();
        if (o.good() > 0) parts.add(o.good() + " rated good");
        if (o.bad() > 0) parts.add(o.bad() + " rated bad");
        if (o.meanScore() != null) parts.add("mean score " + o.meanScore());
        if (o.lastCorrection() != null) parts.add("corrected: " + o.lastCorrection());
        return parts.isEmpty() ? "judged by " + o.rewardSource() : String.join("; ", parts);
    }

    private static boolean fromAnEnvironment(RunStore store, String runId) {
        return store.events(runId).stream().anyMatch(e -> e instanceof Event.Reward r && r.task() != null);
    }

    private static String describe(String task) {
        var t = task == null ? "" : task.strip().replaceAll("\\s+", " ");
        return t.length() > 80 ? t.substring(0, 77) + "..." : t;
    }
}
