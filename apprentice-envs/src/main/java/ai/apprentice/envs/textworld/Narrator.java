package ai.apprentice.envs.textworld;

import static ai.apprentice.envs.textworld.World.BASE;
import static ai.apprentice.envs.textworld.World.DIRECTIONS;
import static ai.apprentice.envs.textworld.World.GONE;
import static ai.apprentice.envs.textworld.World.HELD;
import static ai.apprentice.envs.textworld.World.LIT;
import static ai.apprentice.envs.textworld.World.LOCKED;
import static ai.apprentice.envs.textworld.World.OPEN;
import static ai.apprentice.envs.textworld.World.PLAYER;

import ai.apprentice.envs.textworld.World.Kind;
import java.util.ArrayList;
import java.util.List;

/** The game's words: room descriptions, inventory, examining, what a command did, and the goal. */
final class Narrator {
    static final String HELP = "Commands: go north/south/east/west (or n, s, e, w), take X, drop X, open X (with KEY), "
            + "unlock X with KEY, put X in CONTAINER, give X to CREATURE, light lamp, look, inventory, examine X.";

    private Narrator() {}

    static String withArticle(String name) {
        return ("aeiou".indexOf(name.charAt(0)) >= 0 ? "an " : "a ") + name;
    }

    static String list(List<String> parts) {
        if (parts.size() <= 1) return String.join("", parts);
        return String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.getLast();
    }

    static String goal(World w) {
        var g = w.goal;
        return switch (g.kind()) {
            case PUT -> "Put the " + w.name(g.item()) + " in the " + w.name(g.target()) + " in the " + w.rooms.get(w.thing(g.target()).room).name + ".";
            case REACH -> "Reach the " + w.rooms.get(g.target()).name + " holding the " + w.name(g.item()) + ".";
        };
    }

    static String look(World w, int[] s) {
        int here = s[PLAYER];
        var room = w.rooms.get(here);
        var sb = new StringBuilder("-= ").append(Character.toUpperCase(room.name.charAt(0))).append(room.name.substring(1)).append(" =-\n");
        boolean lit = Rules.lit(w, s, here);
        sb.append(lit ? "You are in the " + room.name + "." : "It is pitch dark. You can't see a thing, but you feel your way to the exits.");
        var exits = new ArrayList<String>();
        for (int d = 0; d < 4; d++) {
            if (room.exit[d] < 0) continue;
            int door = room.door[d];
            String through = door < 0 ? "" : " through the " + w.name(door) + " (" + state(s[BASE + door]) + ")";
            exits.add(DIRECTIONS[d] + " to the " + w.rooms.get(room.exit[d]).name + through);
        }
        sb.append(" Exits: ").append(list(exits)).append('.');
        if (lit) {
            var seen = new ArrayList<String>();
            for (int t = 0; t < w.things.size(); t++) {
                var th = w.thing(t);
                if (th.kind == Kind.ITEM && s[BASE + t] == here) seen.add(withArticle(th.name));
                if (th.kind == Kind.CONTAINER && th.room == here) seen.add(withArticle(th.name) + " (" + containerState(w, s, t) + ")");
            }
            if (!seen.isEmpty()) sb.append("\nYou see ").append(list(seen)).append('.');
        }
        for (int t = 0; t < w.things.size(); t++) {
            var th = w.thing(t);
            if (th.kind == Kind.CREATURE && th.room == here) {
                sb.append("\n").append(capital(withArticle(th.name))).append(s[BASE + t] == 1 ? " dozes contentedly here."
                        : " blocks the way " + DIRECTIONS[th.blocks] + ".");
            }
        }
        return sb.toString();
    }

    private static String state(int state) {
        return state == LOCKED ? "locked" : state == OPEN ? "open" : "closed";
    }

    private static String containerState(World w, int[] s, int c) {
        if (s[BASE + c] != OPEN) return state(s[BASE + c]);
        var in = contents(w, s, c);
        return in.isEmpty() ? "open, empty" : "open, holding " + list(in);
    }

    private static List<String> contents(World w, int[] s, int c) {
        var in = new ArrayList<String>();
        for (int t = 0; t < w.things.size(); t++) if (s[BASE + t] == World.inside(c)) in.add(withArticle(w.name(t)));
        return in;
    }

    static String capital(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    static String inventory(World w, int[] s) {
        var held = new ArrayList<String>();
        for (int t = 0; t < w.things.size(); t++) {
            if (w.kind(t) == Kind.ITEM && s[BASE + t] == HELD) held.add(withArticle(w.name(t)) + (t == w.lamp && s[LIT] == 1 ? " (lit)" : ""));
        }
        return held.isEmpty() ? "You are empty-handed." : "You are carrying " + list(held) + ".";
    }

    static String examine(World w, int[] s, int t) {
        var th = w.thing(t);
        return switch (th.kind) {
            case ITEM -> t == w.lamp ? "A " + th.name + ". It is " + (s[LIT] == 1 ? "lit." : "unlit.")
                    : th.noun.equals("key") ? "A " + th.name + ". It should fit something " + th.adjective + "."
                    : capital(withArticle(th.name)) + ". Nothing special.";
            case DOOR -> "The " + th.name + " leads " + DIRECTIONS[Rules.doorDirection(w, s[PLAYER], t)] + ". It is " + state(s[BASE + t]) + ".";
            case CONTAINER -> "The " + th.name + " is " + containerState(w, s, t) + ".";
            case CREATURE -> s[BASE + t] == 1 ? "The " + th.name + " is content now."
                    : "The " + th.name + " blocks the way " + DIRECTIONS[th.blocks] + ". It looks like it wants " + withArticle(w.name(th.wants)) + ".";
        };
    }

    /** What a done command did; {@code before} is the state it was done in. */
    static String done(World w, int[] before, int[] s, Command c) {
        int a = c.a(), b = c.b();
        return switch (c.verb()) {
            case GO, LOOK -> look(w, s);
            case TAKE -> {
                int from = World.container(before[BASE + a]);
                yield "You take the " + w.name(a) + (from >= 0 ? " from the " + w.name(from) : "") + ".";
            }
            case DROP -> "You drop the " + w.name(a) + ".";
            case OPEN -> {
                String how = before[BASE + a] == LOCKED ? "You unlock the " + w.name(a) + " with the " + w.name(w.thing(a).key) + " and open it."
                        : "You open the " + w.name(a) + ".";
                if (w.kind(a) != Kind.CONTAINER) yield how;
                var in = contents(w, s, a);
                yield how + (in.isEmpty() ? " It is empty." : " Inside you see " + list(in) + ".");
            }
            case UNLOCK -> "You unlock the " + w.name(a) + " with the " + w.name(b) + ".";
            case PUT -> "You put the " + w.name(a) + " in the " + w.name(b) + ".";
            case GIVE -> "You give the " + w.name(a) + " to the " + w.name(b) + ". It is content and lets you pass.";
            case LIGHT -> "The " + w.name(a) + " is now lit." + (w.rooms.get(s[PLAYER]).dark ? "\n" + look(w, s) : "");
            case INVENTORY -> inventory(w, s);
            case EXAMINE -> examine(w, s, a);
            case HELP -> HELP;
        };
    }

    /** Where an item is, for reward explanations: "in the player's inventory", "in the blue chest", "in the hall". */
    static String whereIs(World w, int[] s, int item) {
        int loc = s[BASE + item];
        if (loc == HELD) return "in the player's inventory";
        if (loc == GONE) return "given away";
        int c = World.container(loc);
        return c >= 0 ? "in the " + w.name(c) : "in the " + w.rooms.get(loc).name;
    }
}
