package ai.apprentice.envs;

import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolContext;
import ai.apprentice.tool.ToolResult;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The actions of one episode whose agent works with tools and ends the episode by speaking: every tool call
 * counts, the call that reaches the cap still runs and ends the episode, and a call after the end is refused
 * ("The task is over."). The agent's message to the user counts too and ends it ({@link #reply()}).
 */
public final class ActionBudget {
    private final int max;
    private int actions;
    private boolean done;

    public ActionBudget(int max) {
        if (max < 1) throw new IllegalArgumentException("an episode needs at least one action, not " + max);
        this.max = max;
    }

    /** {@code tools} with each call counted against this budget. */
    public List<Tool> counted(List<Tool> tools) {
        return tools.stream().map(this::counted).toList();
    }

    private Tool counted(Tool tool) {
        return new Tool() {
            @Override public String name() { return tool.name(); }
            @Override public String description() { return tool.description(); }
            @Override public JsonNode parameters() { return tool.parameters(); }
            @Override public boolean parallelSafe() { return tool.parallelSafe(); }
            @Override public ToolResult execute(JsonNode arguments, ToolContext context) throws Exception {
                if (!take()) return ToolResult.error("The task is over.");
                return tool.execute(arguments, context);
            }
        };
    }

    /** Counts one tool call; false when the episode is already over. */
    private synchronized boolean take() {
        if (done) return false;
        if (++actions >= max) done = true;
        return true;
    }

    /** The agent spoke to the user: one more action, and the episode is over. */
    public synchronized void reply() {
        actions++;
        done = true;
    }

    public synchronized boolean done() {
        return done;
    }

    public synchronized int actions() {
        return actions;
    }

    public int max() {
        return max;
    }
}
