package ai.apprentice.envs.taubench;

import ai.apprentice.envs.Episode;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolResult;
import ai.apprentice.tool.Tools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One tau-bench episode: its own copy of the database, the domain's tools bound to it, the simulated user,
 * the reference's end conditions (the user says ###STOP###, the agent transfers to a human, or 30 actions)
 * and its reward.
 */
final class TauEpisode implements Episode {
    static final int MAX_ACTIONS = 30;

    private final String taskId;
    private final JsonNode task;
    private final String policy;
    private final ObjectNode db;
    private final String goldHash;
    private final java.util.function.Supplier<ObjectNode> goldDb;
    private final Map<String, RetailTools.Impl> impls;
    private final UserSimulator user;
    private final List<String> toUser = new ArrayList<>();
    private int actions;
    private boolean done;
    private boolean hitCap;

    TauEpisode(String taskId, JsonNode task, String policy, ObjectNode db, String goldHash, java.util.function.Supplier<ObjectNode> goldDb,
               Map<String, RetailTools.Impl> impls, UserSimulator user) {
        this.goldDb = goldDb;
        this.taskId = taskId;
        this.task = task;
        this.policy = policy;
        this.db = db;
        this.goldHash = goldHash;
        this.impls = impls;
        this.user = user;
    }

    @Override public String taskId() { return taskId; }
    @Override public String policy() { return policy; }
    @Override public synchronized boolean done() { return done; }
    @Override public synchronized int actions() { return actions; }
    @Override public int maxActions() { return MAX_ACTIONS; }

    @Override
    public List<Tool> tools() {
        var tools = new ArrayList<Tool>();
        for (var name : impls.keySet()) {
            var spec = TauToolSpecs.SPECS.get(name);
            tools.add(Tools.builder(name).description(spec.description()).schema(spec.schema()).sequential()
                    .execute((args, ctx) -> call(name, args)));
        }
        return tools;
    }

    /** One tool call, as the reference's environment step makes it. */
    synchronized ToolResult call(String name, JsonNode args) {
        if (done) return ToolResult.error("The episode is over.");
        count();
        var observation = TauTools.invoke(impls, db, name, args);
        if (name.equals("transfer_to_human_agents")) done = true;
        return new ToolResult(observation, observation.startsWith("Error:"));
    }

    @Override
    public String firstUserMessage() throws InterruptedException {
        var first = user.start(task.path("instruction").asText());
        // The policies end the conversation on a stop in the opening message too; the episode must count it as ended.
        synchronized (this) {
            if (first.contains(UserSimulator.STOP)) done = true;
        }
        return first;
    }

    @Override
    public String reply(String agentMessage) throws InterruptedException {
        synchronized (this) {
            if (done) return UserSimulator.STOP;
            toUser.add(agentMessage == null ? "" : agentMessage);
            count();
            if (done) return UserSimulator.STOP;
        }
        var answer = user.reply(agentMessage);
        synchronized (this) {
            if (answer.contains(UserSimulator.STOP)) done = true;
        }
        return answer;
    }

    private void count() {
        actions++;
        if (actions >= MAX_ACTIONS) {
            done = true;
            hitCap = true;
        }
    }

    @Override
    public synchronized Reward reward() {
        if (hitCap) return new Reward(0.0, "the episode reached the " + MAX_ACTIONS + "-action cap without ending");
        if (!done) return new Reward(0.0, "the episode did not end (no ###STOP### from the user, no transfer)");
        var r = TauReward.score(db, goldHash, task, toUser);
        if (r.hashMatch()) return new Reward(r.reward(), r.explanation());
        // Replayed only for a failure, to say which rows differ rather than only that the hashes do.
        return new Reward(r.reward(), r.explanation() + ": " + TauReward.differences(db, goldDb.get()));
    }

    @Override
    public List<JsonNode> goldActions() {
        var out = new ArrayList<JsonNode>();
        task.path("actions").forEach(out::add);
        return out;
    }

    @Override
    public List<String> goldOutputs() {
        var out = new ArrayList<String>();
        task.path("outputs").forEach(o -> out.add(o.asText()));
        return out;
    }
}
