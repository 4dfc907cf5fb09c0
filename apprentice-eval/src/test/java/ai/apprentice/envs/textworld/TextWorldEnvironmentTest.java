package ai.apprentice.envs.textworld;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.envs.Episode;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.GoldPolicy;
import ai.apprentice.eval.RandomPolicy;
import ai.apprentice.eval.Summary;
import ai.apprentice.envs.textworld.TextWorldGenerator.Difficulty;
import ai.apprentice.envs.textworld.TextWorldGenerator.Task;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class TextWorldEnvironmentTest {
    /**
     * hall (start, a brass lamp, the ruby) -- north, through the locked gold door -- kitchen (a closed wooden chest);
     * hall -- east -- cellar (dark, the gold key). Goal: the ruby in the chest. Optimal: take lamp, light lamp,
     * go east, take key, go west, take ruby, open door with key, go north, open chest, put ruby in chest = 10.
     */
    static World darkCellar() {
        var w = new World();
        int hall = w.room("hall", false), kitchen = w.room("kitchen", false), cellar = w.room("cellar", true);
        w.connect(hall, World.NORTH, kitchen);
        w.connect(hall, World.EAST, cellar);
        int key = w.item("gold", "key", cellar);
        w.door(hall, World.NORTH, "gold", key);
        int chest = w.container("wooden", "chest", kitchen, -1, false);
        w.lamp = w.item("brass", "lamp", hall);
        int ruby = w.item("", "ruby", hall);
        w.goal = new World.Goal(World.GoalKind.PUT, ruby, chest);
        return w;
    }

    /** hall (start, a bone, a red and a gold key) with a hungry dog barring the way north to the garden; goal: reach the garden holding the red key. */
    static World dogAndTwoKeys() {
        var w = new World();
        int hall = w.room("hall", false), garden = w.room("garden", false);
        w.connect(hall, World.NORTH, garden);
        int bone = w.item("", "bone", hall);
        int red = w.item("red", "key", hall);
        w.item("gold", "key", hall);
        w.creature("hungry", "dog", hall, World.NORTH, bone);
        w.goal = new World.Goal(World.GoalKind.REACH, red, garden);
        return w;
    }

    static TextWorldEpisode episode(World w) {
        return new TextWorldEpisode("hand/0", new Task(0, Difficulty.EASY, w, Solver.solve(w)));
    }

    private static String act(TextWorldEpisode e, String command) {
        return e.act(command).content();
    }

    /** A shortest goal path over every admissible command (no pruning), or -1. */
    static int exhaustiveOptimum(World w, int maxStates) {
        var depth = new HashMap<String, Integer>();
        var queue = new ArrayDeque<int[]>();
        int[] start = w.initialState();
        depth.put(Solver.key(start), 0);
        queue.add(start);
        while (!queue.isEmpty() && depth.size() <= maxStates) {
            int[] s = queue.poll();
            int d = depth.get(Solver.key(s));
            if (Rules.goalReached(w, s)) return d;
            for (var c : Rules.admissible(w, s)) {
                if (Rules.refusal(w, s, c) != null) continue;
                int[] t = s.clone();
                Rules.apply(w, t, c);
                if (depth.putIfAbsent(Solver.key(t), d + 1) == null) queue.add(t);
            }
        }
        return queue.isEmpty() ? -1 : -2;
    }

    @Test
    void goldScoresOneEverywhereAndRandomStaysLow() throws Exception {
        var env = new TextWorldEnvironment();
        var all = IntStream.range(0, env.size("test")).boxed().toList();
        var gold = new EvalRunner(env, "test", new GoldPolicy(), null, null).run(all, 1, 2, 1, null);
        assertThat(gold).hasSize(60);
        assertThat(gold).filteredOn(r -> !r.success()).extracting(r -> r.taskId() + ": " + r.explanation()).isEmpty();
        var random = new EvalRunner(env, "test", new RandomPolicy(), null, null).run(all, 1, 2, 1, null);
        assertThat(Summary.json("textworld", "test", random, 1).get("mean_reward").asDouble()).isLessThan(0.2);
        assertThat(random).allSatisfy(r -> assertThat(r.actions()).isGreaterThan(1));
        assertThat(EnvironmentProvider.byName("textworld", null).name()).isEqualTo("textworld");
    }

    @Test
    void aSeedGivesTheSameWorldGoldAndTranscript() throws Exception {
        var a = new TextWorldEnvironment();
        var b = new TextWorldEnvironment();
        for (int i = 0; i < 9; i++) {
            assertThat(a.task("train", i).world().describe()).isEqualTo(b.task("train", i).world().describe());
            assertThat(a.start("train", i, 0, null).goldActions()).isEqualTo(b.start("train", i, 5, null).goldActions());
        }
        assertThat(transcript(a.start("dev", 7, 0, null))).isEqualTo(transcript(b.start("dev", 7, 0, null)));
        assertThat(a.task("test", 0).world().describe()).isNotEqualTo(a.task("train", 0).world().describe());
        assertThat(TextWorldGenerator.generate(41, Difficulty.HARD).world().describe())
                .isNotEqualTo(TextWorldGenerator.generate(42, Difficulty.HARD).world().describe());
    }

    /** The responses to a fixed mix of admissible commands (drawn with a fixed seed) and then the gold commands. */
    private static List<String> transcript(Episode e) throws Exception {
        var out = new ArrayList<String>(List.of(e.firstUserMessage()));
        var rnd = new Random(3);
        var episode = (TextWorldEpisode) e;
        for (int i = 0; i < 12; i++) {
            var options = episode.admissibleActions();
            out.add(act(episode, options.get(rnd.nextInt(options.size()))));
        }
        for (var g : e.goldActions()) out.add(act(episode, g.at("/kwargs/command").asText()));
        out.add(e.reward().explanation());
        return out;
    }

    @Test
    void theSolverFindsTheOptimumAndEveryTaskIsSolvable() {
        var w = darkCellar();
        var solution = Solver.solve(w);
        assertThat(solution).hasSize(10);
        assertThat(exhaustiveOptimum(w, 1_000_000)).isEqualTo(10);
        for (int skip = 0; skip < solution.size(); skip++) { // no step of the optimum can be left out
            var game = new Game(w);
            for (int i = 0; i < solution.size(); i++) if (i != skip) game.step(solution.get(i).text(w));
            assertThat(game.won()).as("without step %d", skip).isFalse();
        }
        var env = new TextWorldEnvironment();
        for (var split : env.splits()) {
            for (int i = 0; i < env.size(split); i++) {
                var task = env.task(split, i);
                assertThat(task.solution().size()).isGreaterThanOrEqualTo(task.difficulty().minSteps);
                var game = new Game(task.world());
                for (var c : task.solution()) {
                    assertThat(game.won()).isFalse();
                    assertThat(game.read(c.text(task.world()))).isEqualTo(c); // gold text reads back as the command
                    game.play(c);
                }
                assertThat(game.won()).as(split + "/" + i).isTrue();
            }
        }
        // The solver leaves out commands that cannot shorten a solution; a search over all of them agrees.
        int checked = 0;
        for (int i = 0; i < 60; i += 3) assertThat(exhaustiveOptimum(env.task("test", i).world(), 200_000)).isEqualTo(env.task("test", i).solution().size());
        for (int i = 1; i < 60; i += 3) {
            int full = exhaustiveOptimum(env.task("test", i).world(), 200_000);
            if (full == -2) continue; // too many states to search exhaustively in a unit test
            assertThat(full).as("test/" + i).isEqualTo(env.task("test", i).solution().size());
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(10);
    }

    @Test
    void theParserForgivesAndBadInputGetsAHint() {
        var e = episode(darkCellar());
        assertThat(act(e, "go north")).isEqualTo("The gold door is locked.");
        assertThat(act(e, "n")).isEqualTo("The gold door is locked.");
        assertThat(act(e, "Walk   NORTH!")).isEqualTo("The gold door is locked.");
        assertThat(act(e, "north")).isEqualTo("The gold door is locked.");
        assertThat(act(e, "open the door")).isEqualTo("The gold door is locked. You need the gold key.");
        assertThat(act(e, "pick up the lamp")).isEqualTo("You take the brass lamp.");
        assertThat(act(e, "light lamp")).isEqualTo("The brass lamp is now lit.");
        assertThat(act(e, "turn on the lantern")).isEqualTo("The brass lamp is already lit.");
        assertThat(act(e, "i")).isEqualTo("You are carrying a brass lamp (lit).");
        act(e, "e");
        act(e, "get key");
        act(e, "w");
        assertThat(act(e, "open the gold door with the key")).isEqualTo("You unlock the gold door with the gold key and open it.");
        assertThat(act(e, "x north door")).isEqualTo("The gold door leads north. It is open.");
        int before = e.actions();
        assertThat(act(e, "")).contains("Say what to do").contains("help");
        assertThat(act(e, "dance wildly")).isEqualTo("I don't know the verb 'dance'. Try: go, take, drop, open, unlock, put, give, light, look, inventory, examine.");
        assertThat(act(e, "x".repeat(100_000))).contains("too long");
        assertThat(act(e, "take the silver key")).isEqualTo("You see no silver key here.");
        assertThat(act(e, "@#$%^&*")).contains("Say what to do");
        assertThat(act(e, "take")).isEqualTo("Take what?");
        assertThat(act(e, "go to the kitchen")).contains("Say a direction");
        assertThat(act(e, "put ruby")).contains("Put what where?");
        assertThat(act(e, "give the ruby to the lamp")).isEqualTo("You need to hold the ruby first.");
        assertThat(act(e, "help")).startsWith("Commands: go north");
        assertThat(e.actions()).isEqualTo(before + 10); // every line counts as an action
        assertThat(e.done()).isFalse();

        var two = episode(dogAndTwoKeys());
        assertThat(act(two, "take key")).isEqualTo("Which key do you mean: the red key or the gold key?");
        assertThat(act(two, "take the red key")).isEqualTo("You take the red key.");
        assertThat(act(two, "take key")).isEqualTo("You take the gold key."); // the one not held yet
        assertThat(act(two, "drop key")).isEqualTo("Which key do you mean: the red key or the gold key?");
    }

    @Test
    void darknessHidesItemsUntilTheLampIsLit() {
        var e = episode(darkCellar());
        assertThat(act(e, "go east")).contains("pitch dark").doesNotContain("gold key");
        assertThat(act(e, "take the gold key")).isEqualTo("It is too dark to see any gold key here. A lit lamp would help.");
        assertThat(act(e, "look")).contains("Exits: west to the hall");
        act(e, "go west");
        act(e, "take lamp");
        act(e, "go east");
        assertThat(act(e, "light the lamp")).contains("You are in the cellar").contains("You see a gold key");
        assertThat(act(e, "take the gold key")).isEqualTo("You take the gold key.");
    }

    @Test
    void aCreatureBarsItsExitUntilFedAndLockedDoorsNeedTheirKey() {
        var e = episode(dogAndTwoKeys());
        assertThat(e.firstUserMessage()).startsWith("Your goal: Reach the garden holding the red key.").contains("A hungry dog blocks the way north.");
        assertThat(act(e, "go north")).isEqualTo("The hungry dog blocks the way north. It seems to want something.");
        assertThat(act(e, "x dog")).contains("it wants a bone");
        assertThat(act(e, "feed the dog")).isEqualTo("You have nothing to give.");
        act(e, "take the gold key");
        assertThat(act(e, "give the gold key to the dog")).contains("sniffs the gold key and turns away");
        act(e, "take bone");
        assertThat(act(e, "feed the dog")).startsWith("You give the bone to the hungry dog.");
        assertThat(act(e, "go north")).contains("You are in the garden");
        assertThat(e.done()).isFalse();
        act(e, "s");
        act(e, "take the red key");
        assertThat(act(e, "n")).contains("*** Goal reached: Reach the garden holding the red key.");
        assertThat(e.done()).isTrue();
        assertThat(e.act("look").error()).isTrue();
        assertThat(e.reward()).isEqualTo(new Episode.Reward(1, "the player reached the garden holding the red key: goal reached in 11 actions (optimal 4)"));

        var d = episode(darkCellar());
        act(d, "take the lamp");
        assertThat(act(d, "open the gold door with the lamp")).isEqualTo("The brass lamp doesn't fit the gold door.");
        assertThat(act(d, "unlock the gold door")).isEqualTo("The gold door is locked. You need the gold key.");
        assertThat(act(d, "go north")).isEqualTo("The gold door is locked.");
        assertThat(d.reply("I give up")).isEqualTo(UserSimulator.STOP);
        assertThat(d.done()).isTrue();
        assertThat(d.reward()).isEqualTo(new Episode.Reward(0, "goal not reached: the ruby is in the hall, not in the wooden chest; 5 of 30 actions used"));
    }

    @Test
    void admissibleCommandsReadBackAndTheLimitEndsTheGame() {
        var env = new TextWorldEnvironment();
        var rnd = new Random(9);
        for (int i = 0; i < 12; i++) {
            var e = (TextWorldEpisode) env.start("dev", i, 0, null);
            var w = env.task("dev", i).world();
            var game = new Game(w);
            while (!e.done()) {
                for (var c : Rules.admissible(w, game.state)) assertThat(game.read(c.text(w))).isEqualTo(c);
                var options = e.admissibleActions();
                String pick = options.get(rnd.nextInt(options.size()));
                act(e, pick);
                game.step(pick);
            }
            assertThat(e.actions()).isLessThanOrEqualTo(e.maxActions());
            if (e.reward().value() == 0) assertThat(e.reward().explanation()).startsWith("goal not reached").endsWith(e.maxActions() + " of " + e.maxActions() + " actions used");
        }
    }
}
