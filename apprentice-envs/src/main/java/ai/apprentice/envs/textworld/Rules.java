package ai.apprentice.envs.textworld;

import static ai.apprentice.envs.textworld.World.BASE;
import static ai.apprentice.envs.textworld.World.CLOSED;
import static ai.apprentice.envs.textworld.World.DIRECTIONS;
import static ai.apprentice.envs.textworld.World.GONE;
import static ai.apprentice.envs.textworld.World.HELD;
import static ai.apprentice.envs.textworld.World.LIT;
import static ai.apprentice.envs.textworld.World.LOCKED;
import static ai.apprentice.envs.textworld.World.OPEN;
import static ai.apprentice.envs.textworld.World.PLAYER;

import ai.apprentice.envs.textworld.Command.Verb;
import ai.apprentice.envs.textworld.World.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a command needs and what it does: the game and the solver both play by these, so the solver's
 * solutions are the game's. {@link #refusal} says why a command cannot be done (null when it can) and
 * {@link #apply} does it.
 */
final class Rules {
    private Rules() {}

    static boolean held(int[] s, int item) {
        return s[BASE + item] == HELD;
    }

    /** A room is lit when it is not dark, or the lit lamp is held or lies there. */
    static boolean lit(World w, int[] s, int room) {
        if (!w.rooms.get(room).dark) return true;
        return w.lamp >= 0 && s[LIT] == 1 && (s[BASE + w.lamp] == HELD || s[BASE + w.lamp] == room);
    }

    /** Whether the player perceives a thing: held, or here (items and containers only when the room is lit). */
    static boolean present(World w, int[] s, int t) {
        int here = s[PLAYER];
        var th = w.thing(t);
        return switch (th.kind) {
            case ITEM -> {
                int loc = s[BASE + t];
                if (loc == HELD) yield true;
                if (!lit(w, s, here)) yield false;
                int c = World.container(loc);
                yield loc == here || c >= 0 && w.thing(c).room == here && s[BASE + c] == OPEN;
            }
            case CONTAINER -> th.room == here && lit(w, s, here);
            case CREATURE -> th.room == here;
            case DOOR -> doorDirection(w, here, t) >= 0;
        };
    }

    /** The direction of door {@code t} from a room, or -1 when it is not one of the room's doors. */
    static int doorDirection(World w, int room, int t) {
        var doors = w.rooms.get(room).door;
        for (int d = 0; d < 4; d++) if (doors[d] == t) return d;
        return -1;
    }

    /** The creature barring the exit {@code dir} of the player's room, or -1. */
    static int blocker(World w, int[] s, int dir) {
        for (int t = 0; t < w.things.size(); t++) {
            var th = w.thing(t);
            if (th.kind == Kind.CREATURE && th.room == s[PLAYER] && th.blocks == dir && s[BASE + t] == 0) return t;
        }
        return -1;
    }

    /** Why the command cannot be done now, or null when it can. Objects are assumed present. */
    static String refusal(World w, int[] s, Command c) {
        int a = c.a(), b = c.b();
        return switch (c.verb()) {
            case GO -> {
                var room = w.rooms.get(s[PLAYER]);
                if (room.exit[a] < 0) yield "You can't go " + DIRECTIONS[a] + " from here.";
                int door = room.door[a];
                if (door >= 0 && s[BASE + door] != OPEN) yield "The " + w.name(door) + " is " + (s[BASE + door] == LOCKED ? "locked." : "closed.");
                int creature = blocker(w, s, a);
                if (creature >= 0) yield "The " + w.name(creature) + " blocks the way " + DIRECTIONS[a] + ". It seems to want something.";
                yield null;
            }
            case TAKE -> w.kind(a) != Kind.ITEM ? "You can't take the " + w.name(a) + "."
                    : held(s, a) ? "You already have the " + w.name(a) + "." : null;
            case DROP -> !isHeldItem(w, s, a) ? "You aren't holding the " + w.name(a) + "." : null;
            case OPEN, UNLOCK -> openRefusal(w, s, c);
            case PUT -> !isHeldItem(w, s, a) ? "You need to hold the " + w.name(a) + " first."
                    : w.kind(b) != Kind.CONTAINER ? "You can't put things in the " + w.name(b) + "."
                    : s[BASE + b] != OPEN ? "The " + w.name(b) + " is closed." : null;
            case GIVE -> !isHeldItem(w, s, a) ? "You need to hold the " + w.name(a) + " first."
                    : w.kind(b) != Kind.CREATURE ? "The " + w.name(b) + " can't take anything."
                    : s[BASE + b] == 1 ? "The " + w.name(b) + " is content already."
                    : w.thing(b).wants != a ? "The " + w.name(b) + " sniffs the " + w.name(a) + " and turns away. It wants " + Narrator.withArticle(w.name(w.thing(b).wants)) + "." : null;
            case LIGHT -> a != w.lamp ? "You can't light the " + w.name(a) + "."
                    : !held(s, a) ? "Take the " + w.name(a) + " first." : s[LIT] == 1 ? "The " + w.name(a) + " is already lit." : null;
            case LOOK, INVENTORY, EXAMINE, HELP -> null;
        };
    }

    private static boolean isHeldItem(World w, int[] s, int t) {
        return w.kind(t) == Kind.ITEM && held(s, t);
    }

    private static String openRefusal(World w, int[] s, Command c) {
        int a = c.a(), b = c.b();
        var th = w.thing(a);
        String verb = c.verb() == Verb.OPEN ? "open" : "unlock";
        if (th.kind != Kind.DOOR && th.kind != Kind.CONTAINER) return "You can't " + verb + " the " + th.name + ".";
        int state = s[BASE + a];
        if (state == OPEN && c.verb() == Verb.OPEN) return "The " + th.name + " is already open.";
        if (state != LOCKED && c.verb() == Verb.UNLOCK) return "The " + th.name + " isn't locked.";
        if (b >= 0 && !isHeldItem(w, s, b)) return "You aren't holding the " + w.name(b) + ".";
        if (state != LOCKED) return null;
        if (b >= 0 && b != th.key) return "The " + w.name(b) + " doesn't fit the " + th.name + ".";
        if (b < 0 && !held(s, th.key)) return "The " + th.name + " is locked. You need the " + w.name(th.key) + ".";
        return null;
    }

    /** Does a command that {@link #refusal} allows. */
    static void apply(World w, int[] s, Command c) {
        int a = c.a(), b = c.b();
        switch (c.verb()) {
            case GO -> s[PLAYER] = w.rooms.get(s[PLAYER]).exit[a];
            case TAKE -> s[BASE + a] = HELD;
            case DROP -> s[BASE + a] = s[PLAYER];
            case OPEN -> s[BASE + a] = OPEN;
            case UNLOCK -> s[BASE + a] = CLOSED;
            case PUT -> s[BASE + a] = World.inside(b);
            case GIVE -> {
                s[BASE + a] = GONE;
                s[BASE + b] = 1;
            }
            case LIGHT -> s[LIT] = 1;
            case LOOK, INVENTORY, EXAMINE, HELP -> { }
        }
    }

    static boolean goalReached(World w, int[] s) {
        var g = w.goal;
        return switch (g.kind()) {
            case PUT -> s[BASE + g.item()] == World.inside(g.target());
            case REACH -> s[PLAYER] == g.target() && held(s, g.item());
        };
    }

    /**
     * The commands that make sense now: moves through the room's exits, taking, dropping and examining what
     * is here, opening and unlocking with a held key, lighting the lamp, giving and putting held items, look
     * and inventory. The random policy plays from these.
     */
    static List<Command> admissible(World w, int[] s) {
        var out = new ArrayList<Command>();
        var exits = w.rooms.get(s[PLAYER]).exit;
        for (int d = 0; d < 4; d++) if (exits[d] >= 0) out.add(Command.of(Verb.GO, d));
        for (int t = 0; t < w.things.size(); t++) {
            if (!present(w, s, t)) continue;
            var th = w.thing(t);
            switch (th.kind) {
                case ITEM -> {
                    out.add(Command.of(held(s, t) ? Verb.DROP : Verb.TAKE, t));
                    if (t == w.lamp && held(s, t) && s[LIT] == 0) out.add(Command.of(Verb.LIGHT, t));
                    if (held(s, t)) addPlacements(w, s, t, out::add);
                }
                case DOOR, CONTAINER -> {
                    int state = s[BASE + t];
                    if (state == CLOSED) out.add(Command.of(Verb.OPEN, t));
                    if (state == LOCKED && held(s, th.key)) {
                        out.add(new Command(Verb.OPEN, t, th.key));
                        out.add(new Command(Verb.UNLOCK, t, th.key));
                    }
                }
                case CREATURE -> { }
            }
            out.add(Command.of(Verb.EXAMINE, t));
        }
        out.add(Command.of(Verb.LOOK));
        out.add(Command.of(Verb.INVENTORY));
        return out;
    }

    /** Putting held item {@code t} in each open container here, and giving it to each creature here that still waits. */
    private static void addPlacements(World w, int[] s, int t, Consumer<Command> out) {
        for (int o = 0; o < w.things.size(); o++) {
            var th = w.thing(o);
            if (th.kind == Kind.CONTAINER && s[BASE + o] == OPEN && present(w, s, o)) out.accept(new Command(Verb.PUT, t, o));
            if (th.kind == Kind.CREATURE && s[BASE + o] == 0 && th.room == s[PLAYER]) out.accept(new Command(Verb.GIVE, t, o));
        }
    }

    /**
     * The commands the solver tries: the admissible ones that can bring the goal nearer. Left out are those
     * that never shorten a solution: drop, unlock (open with the key does both in one), putting or giving
     * anything but what the goal or a creature needs, taking items nothing needs, look, examine, inventory.
     */
    static void useful(World w, int[] s, boolean[] needed, Consumer<Command> out) {
        var exits = w.rooms.get(s[PLAYER]).exit;
        for (int d = 0; d < 4; d++) {
            var go = Command.of(Verb.GO, d);
            if (exits[d] >= 0 && refusal(w, s, go) == null) out.accept(go);
        }
        for (int t = 0; t < w.things.size(); t++) {
            var th = w.thing(t);
            switch (th.kind) {
                case ITEM -> {
                    if (held(s, t)) {
                        if (t == w.lamp && s[LIT] == 0) out.accept(Command.of(Verb.LIGHT, t));
                        if (w.goal.kind() == World.GoalKind.PUT && t == w.goal.item()) {
                            var put = new Command(Verb.PUT, t, w.goal.target());
                            if (present(w, s, w.goal.target()) && refusal(w, s, put) == null) out.accept(put);
                        }
                    } else if (needed[t] && present(w, s, t)) {
                        out.accept(Command.of(Verb.TAKE, t));
                    }
                }
                case DOOR, CONTAINER -> {
                    int state = s[BASE + t];
                    if (state == CLOSED && present(w, s, t)) out.accept(Command.of(Verb.OPEN, t));
                    if (state == LOCKED && held(s, th.key) && present(w, s, t)) out.accept(new Command(Verb.OPEN, t, th.key));
                }
                case CREATURE -> {
                    if (th.room == s[PLAYER] && s[BASE + t] == 0 && held(s, th.wants)) out.accept(new Command(Verb.GIVE, th.wants, t));
                }
            }
        }
    }

    /** The items some command needs: keys, the lamp, what creatures want, the goal item. */
    static boolean[] needed(World w) {
        var needed = new boolean[w.things.size()];
        for (var th : w.things) {
            if (th.key >= 0) needed[th.key] = true;
            if (th.wants >= 0) needed[th.wants] = true;
        }
        if (w.lamp >= 0) needed[w.lamp] = true;
        needed[w.goal.item()] = true;
        return needed;
    }
}
