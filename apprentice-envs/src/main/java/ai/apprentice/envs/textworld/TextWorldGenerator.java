package ai.apprentice.envs.textworld;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;

/**
 * Draws text adventures from a seed: rooms grown on a grid from the start, locked doors and hungry
 * creatures on some passages, containers (some locked), dark rooms with a lamp to light them, a treasure
 * and a goal. Each gate's key or food is placed on the start's side of the gate; the solver then proves
 * the world solvable and measures it, and worlds that are unsolvable or shorter than the difficulty asks
 * are drawn again. Only the seed drives the draw, so a seed always gives the same task.
 */
final class TextWorldGenerator {
    /** Sizes per level, and the shortest solution a task of the level may have. */
    enum Difficulty {
        EASY(3, 1, 1, 0, 0, 0, 1, 0.0, 5),
        MEDIUM(6, 2, 2, 1, 1, 1, 2, 0.1, 11),
        HARD(10, 3, 3, 1, 2, 2, 3, 0.15, 18);

        final int rooms, doors, containers, lockedContainers, dark, creatures, junk;
        final double loops;
        final int minSteps;

        Difficulty(int rooms, int doors, int containers, int lockedContainers, int dark, int creatures, int junk, double loops, int minSteps) {
            this.rooms = rooms;
            this.doors = doors;
            this.containers = containers;
            this.lockedContainers = lockedContainers;
            this.dark = dark;
            this.creatures = creatures;
            this.junk = junk;
            this.loops = loops;
            this.minSteps = minSteps;
        }
    }

    /** A generated world with its shortest solution. */
    record Task(long seed, Difficulty difficulty, World world, List<Command> solution) {}

    private static final String[] ROOMS = {"kitchen", "hall", "cellar", "attic", "library", "pantry", "study", "garden",
            "bedroom", "gallery", "workshop", "chapel", "parlour", "scullery", "armoury", "nursery"};
    private static final String[] COLOURS = {"gold", "silver", "red", "blue", "green", "copper", "iron", "white"};
    private static final String[] CONTAINERS = {"chest", "box", "crate", "cabinet"};
    private static final String[] MATERIALS = {"wooden", "oak", "cardboard", "wicker"};
    private static final String[][] CREATURES = {{"hungry", "dog", "bone"}, {"grumpy", "troll", "coin"},
            {"sleepy", "bear", "honeycomb"}, {"hissing", "cat", "fish"}};
    private static final String[] TREASURES = {"ruby", "crown", "emerald", "pearl", "medallion", "chalice"};
    private static final String[][] JUNK = {{"old", "newspaper"}, {"bent", "spoon"}, {"torn", "map"}, {"rubber", "duck"},
            {"chipped", "cup"}, {"woollen", "sock"}, {"dusty", "book"}};
    static final int MAX_DRAWS = 5_000;

    private TextWorldGenerator() {}

    static Task generate(long seed, Difficulty d) {
        var rnd = new SplittableRandom(seed);
        for (int i = 0; i < MAX_DRAWS; i++) {
            var world = draw(rnd, d);
            var solution = Solver.solve(world);
            if (solution != null && solution.size() >= d.minSteps) return new Task(seed, d, world, solution);
        }
        throw new IllegalStateException("no solvable " + d + " world in " + MAX_DRAWS + " draws for seed " + seed);
    }

    /** A gate on a passage: its key or food must lie on the start's side. */
    private record Gate(int item, int room, int dir) {}

    static World draw(SplittableRandom rnd, Difficulty d) {
        var w = new World();
        var names = shuffled(rnd, ROOMS);
        var colours = shuffled(rnd, COLOURS);
        int colour = 0;
        var passages = grow(w, rnd, d, names);
        var gates = new ArrayList<Gate>();
        var items = new ArrayList<Integer>();

        shuffle(rnd, passages);
        int p = 0;
        for (int i = 0; i < d.doors && p < passages.size(); i++, p++) {
            int[] e = passages.get(p);
            int key = w.item(colours[colour], "key", 0);
            w.door(e[0], e[1], colours[colour++], key);
            gates.add(new Gate(key, e[0], e[1]));
            items.add(key);
        }
        var creatures = shuffled(rnd, CREATURES);
        for (int i = 0; i < d.creatures && p < passages.size(); p++) {
            int[] e = passages.get(p);
            if (w.rooms.get(e[0]).dark) continue; // a creature waits where it can be seen
            int food = w.item("", creatures[i][2], 0);
            w.creature(creatures[i][0], creatures[i][1], e[0], e[1], food);
            gates.add(new Gate(food, e[0], e[1]));
            items.add(food);
            i++;
        }
        var containers = new ArrayList<Integer>();
        var nouns = shuffled(rnd, CONTAINERS);
        var materials = shuffled(rnd, MATERIALS);
        for (int i = 0; i < d.containers; i++) {
            int room = rnd.nextInt(w.rooms.size());
            if (i < d.lockedContainers) {
                int key = w.item(colours[colour], "key", 0);
                containers.add(w.container(colours[colour++], nouns[i], room, key, false));
                items.add(key);
            } else {
                containers.add(w.container(materials[i], nouns[i], room, -1, rnd.nextBoolean()));
            }
        }
        if (d.dark > 0) {
            w.lamp = w.item("brass", "lamp", 0);
            items.add(w.lamp);
        }
        int treasure = w.item("", TREASURES[rnd.nextInt(TREASURES.length)], 0);
        items.add(treasure);
        var junk = shuffled(rnd, JUNK);
        for (int i = 0; i < d.junk; i++) items.add(w.item(junk[i][0], junk[i][1], 0));

        for (int item : items) place(w, rnd, item, gates, containers);
        if (!containers.isEmpty() && rnd.nextBoolean()) {
            int target = containers.get(rnd.nextInt(containers.size()));
            if (w.thing(treasure).initial == World.inside(target)) w.thing(treasure).initial = w.start;
            w.goal = new World.Goal(World.GoalKind.PUT, treasure, target);
        } else {
            w.goal = new World.Goal(World.GoalKind.REACH, treasure, 1 + rnd.nextInt(w.rooms.size() - 1));
        }
        return w;
    }

    /** Grows the rooms on a grid from the start (room 0); returns the passages as {room, direction}. */
    private static List<int[]> grow(World w, SplittableRandom rnd, Difficulty d, String[] names) {
        var dark = new boolean[d.rooms];
        for (int i = 0; i < d.dark; ) {
            int r = 1 + rnd.nextInt(d.rooms - 1);
            if (!dark[r]) {
                dark[r] = true;
                i++;
            }
        }
        int[] xs = new int[d.rooms], ys = new int[d.rooms];
        var passages = new ArrayList<int[]>();
        w.room(names[0], false);
        while (w.rooms.size() < d.rooms) {
            int from = rnd.nextInt(w.rooms.size());
            int dir = rnd.nextInt(4);
            int x = xs[from] + World.DX[dir], y = ys[from] + World.DY[dir];
            if (roomAt(xs, ys, w.rooms.size(), x, y) >= 0) continue;
            int r = w.room(names[w.rooms.size()], dark[w.rooms.size()]);
            xs[r] = x;
            ys[r] = y;
            w.connect(from, dir, r);
            passages.add(new int[] {from, dir});
        }
        for (int r = 0; r < d.rooms; r++) { // a few shortcuts between neighbours make loops
            for (int dir : new int[] {World.EAST, World.SOUTH}) {
                int n = roomAt(xs, ys, d.rooms, xs[r] + World.DX[dir], ys[r] + World.DY[dir]);
                if (n >= 0 && w.rooms.get(r).exit[dir] < 0 && rnd.nextDouble() < d.loops) w.connect(r, dir, n);
            }
        }
        return passages;
    }

    private static int roomAt(int[] xs, int[] ys, int count, int x, int y) {
        for (int r = 0; r < count; r++) if (xs[r] == x && ys[r] == y) return r;
        return -1;
    }

    /**
     * Puts an item in a random room or container on the start's side of the passage it opens, never inside
     * the container it unlocks; the lamp only where it can be seen.
     */
    private static void place(World w, SplittableRandom rnd, int item, List<Gate> gates, List<Integer> containers) {
        IntPredicate roomOk = r -> item != w.lamp || !w.rooms.get(r).dark;
        for (var g : gates) {
            if (g.item() != item) continue;
            var before = reachableWithout(w, g.room(), g.dir());
            roomOk = r -> before[r];
        }
        var spots = new ArrayList<Integer>();
        for (int r = 0; r < w.rooms.size(); r++) if (roomOk.test(r)) spots.add(r);
        for (int c : containers) if (w.thing(c).key != item && roomOk.test(w.thing(c).room)) spots.add(World.inside(c));
        w.thing(item).initial = spots.get(rnd.nextInt(spots.size()));
    }

    /** The rooms reachable from the start without taking the passage {@code dir} out of {@code room}. */
    private static boolean[] reachableWithout(World w, int room, int dir) {
        int other = w.rooms.get(room).exit[dir];
        var seen = new boolean[w.rooms.size()];
        var stack = new ArrayList<Integer>(List.of(w.start));
        seen[w.start] = true;
        while (!stack.isEmpty()) {
            int r = stack.removeLast();
            for (int d = 0; d < 4; d++) {
                int n = w.rooms.get(r).exit[d];
                boolean gated = r == room && d == dir || r == other && d == (dir + 2) % 4;
                if (n >= 0 && !seen[n] && !gated) {
                    seen[n] = true;
                    stack.add(n);
                }
            }
        }
        return seen;
    }

    private static <T> T[] shuffled(SplittableRandom rnd, T[] values) {
        var copy = values.clone();
        for (int i = copy.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            var t = copy[i];
            copy[i] = copy[j];
            copy[j] = t;
        }
        return copy;
    }

    private static <T> void shuffle(SplittableRandom rnd, List<T> values) {
        for (int i = values.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            values.set(i, values.set(j, values.get(i)));
        }
    }
}
