package ai.apprentice.runtime;

import ai.apprentice.model.Message;
import ai.apprentice.model.Usage;
import java.util.ArrayList;
import java.util.List;

/**
 * A run rebuilt from its stored events: the history as of the last completed step and the totals so far.
 * This is what {@link Agent#resume} continues from. {@code finished} is the final event, or null.
 */
public record RunSnapshot(String runId, String task, String model, String parentId, String workspace,
                          List<Message> history, int completedSteps, Usage usage, double costUsd,
                          Event.RunFinished finished) {

    public static RunSnapshot fromEvents(List<Event> events) {
        Event.RunStarted start = null;
        var history = new ArrayList<Message>();
        int steps = 0;
        var usage = Usage.ZERO;
        double cost = 0;
        Event.RunFinished finished = null;
        for (var e : events) {
            switch (e) {
                case Event.RunStarted s -> {
                    start = s;
                    history.addAll(s.messages());
                }
                case Event.StepCompleted c -> {
                    history.addAll(c.messages());
                    steps = Math.max(steps, c.step());
                }
                case Event.UsageEvent u -> {
                    usage = new Usage(u.totalInputTokens(), u.totalOutputTokens());
                    cost = u.totalCostUsd();
                }
                case Event.RunFinished f -> finished = f;
                default -> { }
            }
        }
        if (start == null) throw new IllegalArgumentException("No run_started event: the run's record is incomplete");
        return new RunSnapshot(start.runId(), start.task(), start.model(), start.parentId(), start.workspace(),
                List.copyOf(history), steps, usage, cost, finished);
    }
}
