package ai.apprentice.learn.dataset;

import ai.apprentice.model.Role;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.store.RunRecord;
import ai.apprentice.store.RunStore;
import ai.apprentice.store.StoreException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads the rewarded runs of a run store as {@link Trajectory trajectories}, oldest first, and counts the runs it
 * leaves out and why. The conversation is the one {@code runs resume} continues ({@link RunSnapshot#fromEvents}).
 */
final class Trajectories {
    /** Why runs were left out, in the order a summary lists them. */
    static final List<String> REASONS = List.of("running", "before_since", "no_reward", "not_in_env", "unreadable",
            "no_assistant_turn", "malformed_tool_arguments");

    private Trajectories() {}

    /**
     * The runs that have a reward or a rating: started at or after {@code since} (when given) and, when {@code env} is
     * given, rewarded as one of that environment's tasks. Reasons for runs left out are added to {@code skipped}.
     */
    static List<Trajectory> load(RunStore store, Instant since, String env, Tally skipped) {
        return load(store, store.list(Integer.MAX_VALUE), since, env, skipped);
    }

    /** {@link #load(RunStore, Instant, String, Tally)} of these runs of the store. */
    static List<Trajectory> load(RunStore store, List<RunRecord> all, Instant since, String env, Tally skipped) {
        var runs = new ArrayList<>(all);
        runs.sort(Comparator.comparing(RunRecord::startedAt).thenComparing(RunRecord::id));
        var candidates = new ArrayList<RunRecord>();
        for (var r : runs) {
            if (r.running()) skipped.add("running");
            else if (since != null && r.startedAt().isBefore(since)) skipped.add("before_since");
            else candidates.add(r);
        }
        // One query for the outcomes, so that the events of unrewarded runs are never read.
        var outcomes = store.outcomes(candidates.stream().map(RunRecord::id).toList());
        var out = new ArrayList<Trajectory>();
        for (var r : candidates) {
            var o = outcomes.get(r.id());
            if (o.reward() == null && o.good() + o.bad() + o.scored() == 0) {
                skipped.add("no_reward");
                continue;
            }
            List<Event> events;
            RunSnapshot snapshot;
            try {
                events = store.events(r.id());
                snapshot = RunSnapshot.fromEvents(events);
            } catch (StoreException | IllegalArgumentException e) {
                skipped.add("unreadable");
                continue;
            }
            var judged = Judgement.of(events);
            if (judged == null) { // cannot happen when the outcome had one, but the events are the truth
                skipped.add("no_reward");
                continue;
            }
            if (env != null && (judged.task() == null || !judged.task().startsWith(env + ":"))) {
                skipped.add("not_in_env");
                continue;
            }
            var messages = Conversations.clean(snapshot.history());
            if (messages.stream().noneMatch(m -> m.role() == Role.ASSISTANT)) {
                skipped.add("no_assistant_turn");
                continue;
            }
            if (Conversations.hasMalformedArguments(messages)) {
                skipped.add("malformed_tool_arguments");
                continue;
            }
            boolean named = judged.task() != null;
            out.add(new Trajectory(r.id(), r.startedAt(), named ? judged.task() : Conversations.promptHash(messages), named,
                    judged.value(), judged.source(), messages));
        }
        return out;
    }

    /**
     * What a run earned: the latest reward; else the latest feedback that rated or scored it (a score counts as
     * itself, good as 1, bad as 0). The task is the latest reward's task that names one.
     */
    record Judgement(double value, String source, String task) {
        static Judgement of(List<Event> events) {
            Event.Reward reward = null;
            Double feedback = null;
            String task = null;
            for (var e : events) {
                if (e instanceof Event.Reward r) {
                    reward = r;
                    if (r.task() != null && !r.task().isBlank()) task = r.task();
                } else if (e instanceof Event.Feedback f) {
                    if (f.score() != null) feedback = f.score();
                    else if ("good".equals(f.rating())) feedback = 1.0;
                    else if ("bad".equals(f.rating())) feedback = 0.0;
                }
            }
            if (reward != null) return new Judgement(reward.value(), reward.source(), task);
            if (feedback != null) return new Judgement(feedback, "feedback", task);
            return null;
        }
    }
}
