package ai.apprentice.envs.textworld;

import ai.apprentice.envs.Episode;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.envs.textworld.TextWorldGenerator.Task;
import ai.apprentice.json.Json;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolResult;
import ai.apprentice.tool.Tools;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** One play of a generated adventure through the {@code act} tool; reward 1 when the goal is reached in time. */
final class TextWorldEpisode implements Episode {
    private final String taskId;
    private final Task task;
    private final Game game;
    private final int maxActions;
    private int actions;
    private boolean done;
    private int reachedAt = -1;
    private List<String> admissible; // for the current state; null once a command may have changed it

    TextWorldEpisode(String taskId, Task task) {
        this.taskId = taskId;
        this.task = task;
        this.game = new Game(task.world());
        this.maxActions = Math.max(30, 2 * task.solution().size() + 10);
    }

    @Override public String taskId() { return taskId; }
    @Override public synchronized boolean done() { return done; }
    @Override public synchronized int actions() { return actions; }
    @Override public int maxActions() { return maxActions; }
    @Override public List<String> goldOutputs() { return List.of(); }

    @Override
    public String policy() {
        return "You play a text adventure through the act tool, one command per call. " + Narrator.HELP
                + " Locked doors and containers open with the key of the same colour. Dark rooms hide their items until you"
                + " carry a lit lamp. A creature bars its exit until it gets what it wants. Every command counts as an action;"
                + " the game ends when the goal is reached or after " + maxActions + " actions.";
    }

    @Override
    public String firstUserMessage() {
        synchronized (this) {
            return "Your goal: " + Narrator.goal(task.world()) + "\n\n" + game.look() + "\n\nYou have " + maxActions
                    + " actions. Play by calling act with commands such as 'go north', 'take the key' or 'open the gold door with the gold key'.";
        }
    }

    @Override
    public synchronized String reply(String agentMessage) {
        actions++;
        done = true; // the game has no one to talk to: speaking ends it
        return UserSimulator.STOP;
    }

    @Override
    public List<Tool> tools() {
        return List.of(Tools.builder("act").description("Do one thing in the game and see what happens.")
                .param("command", "string", "A text command such as 'go north', 'take the key', 'open the gold door with the gold key'")
                .execute((a, c) -> act(a.path("command").asText(""))));
    }

    synchronized ToolResult act(String command) {
        if (done) return ToolResult.error("The game is over.");
        actions++;
        admissible = null;
        var out = new StringBuilder(game.step(command));
        if (game.won()) {
            reachedAt = actions;
            done = true;
            out.append("\n\n*** Goal reached: ").append(Narrator.goal(task.world())).append(" The game is over. ***");
        } else if (actions >= maxActions) {
            done = true;
            out.append("\n\nYou have used all ").append(maxActions).append(" actions. The game is over.");
        }
        return ToolResult.ok(out.toString());
    }

    @Override
    public synchronized List<String> admissibleActions() {
        if (admissible == null) admissible = Rules.admissible(task.world(), game.state).stream().map(c -> c.text(task.world())).toList();
        return admissible;
    }

    @Override
    public List<JsonNode> goldActions() {
        return task.solution().stream().<JsonNode>map(c -> Json.object().put("name", "act")
                .set("kwargs", Json.object().put("command", c.text(task.world())))).toList();
    }

    @Override
    public synchronized Reward reward() {
        var w = task.world();
        int[] s = game.state;
        var g = w.goal;
        String used = actions + " of " + maxActions + " actions used";
        if (reachedAt >= 0) {
            String fact = switch (g.kind()) {
                case PUT -> "the " + w.name(g.item()) + " is in the " + w.name(g.target()) + " in the " + w.rooms.get(w.thing(g.target()).room).name;
                case REACH -> "the player reached the " + w.rooms.get(g.target()).name + " holding the " + w.name(g.item());
            };
            return new Reward(1, fact + ": goal reached in " + reachedAt + " actions (optimal " + task.solution().size() + ")");
        }
        String why = switch (g.kind()) {
            case PUT -> "the " + w.name(g.item()) + " is " + Narrator.whereIs(w, s, g.item()) + ", not in the " + w.name(g.target());
            case REACH -> {
                String room = w.rooms.get(s[World.PLAYER]).name, target = w.rooms.get(g.target()).name;
                String player = room.equals(target) ? "the player is in the " + room : "the player is in the " + room + ", not the " + target;
                yield player + (Rules.held(s, g.item()) ? ", holding the " : ", and the ") + w.name(g.item())
                        + (Rules.held(s, g.item()) ? "" : " is " + Narrator.whereIs(w, s, g.item()));
            }
        };
        return new Reward(0, "goal not reached: " + why + "; " + used);
    }
}
