package ai.apprentice.envs.textworld;

import java.util.ArrayList;
import java.util.List;

/**
 * The fixed part of a text adventure: rooms on a grid joined by exits, and things (items, doors, containers,
 * creatures), with a goal. It is filled once by the generator (or a test) through the adding methods and
 * then only read. What changes during play lives in a state, an {@code int[]}: the player's room, whether
 * the lamp is lit, then one slot per thing (an item's location, a door's or container's lock state, whether
 * a creature got what it wants). Small and flat, so a step copies nothing and the solver can hash it.
 */
final class World {
    static final int NORTH = 0, EAST = 1, SOUTH = 2, WEST = 3;
    static final String[] DIRECTIONS = {"north", "east", "south", "west"};
    static final int[] DX = {0, 1, 0, -1}, DY = {-1, 0, 1, 0};

    /** State layout: the player's room, the lamp's light, then {@code BASE + thing}. */
    static final int PLAYER = 0, LIT = 1, BASE = 2;
    /** A door's or container's slot. */
    static final int LOCKED = 0, CLOSED = 1, OPEN = 2;
    /** An item's slot: a room (0 and up), held, given away, or inside container {@code c} ({@link #inside}). */
    static final int HELD = -1, GONE = -2;

    enum Kind { ITEM, DOOR, CONTAINER, CREATURE }

    enum GoalKind { PUT, REACH }

    /** Put {@code item} in container {@code target}, or reach room {@code target} holding {@code item}. */
    record Goal(GoalKind kind, int item, int target) {}

    static final class Room {
        final String name;
        final boolean dark;
        final int[] exit = {-1, -1, -1, -1};
        final int[] door = {-1, -1, -1, -1};

        Room(String name, boolean dark) {
            this.name = name;
            this.dark = dark;
        }
    }

    static final class Thing {
        final Kind kind;
        final String adjective; // may be empty ("ruby")
        final String noun;
        final String name;
        final String[] words;
        int room = -1; // where a container or creature stands
        int key = -1; // the item that unlocks a door or container
        int blocks = -1; // the direction a creature bars
        int wants = -1; // the item a creature wants
        int initial; // the thing's slot in the initial state

        Thing(Kind kind, String adjective, String noun) {
            this.kind = kind;
            this.adjective = adjective;
            this.noun = noun;
            this.name = adjective.isEmpty() ? noun : adjective + " " + noun;
            this.words = (noun.equals("lamp") ? name + " lantern" : name).split(" ");
        }
    }

    final List<Room> rooms = new ArrayList<>();
    final List<Thing> things = new ArrayList<>();
    int start;
    int lamp = -1;
    Goal goal;

    static int inside(int container) {
        return -3 - container;
    }

    /** The container an item location is inside, or -1. */
    static int container(int location) {
        return location <= -3 ? -3 - location : -1;
    }

    int room(String name, boolean dark) {
        rooms.add(new Room(name, dark));
        return rooms.size() - 1;
    }

    /** Joins two rooms both ways: {@code b} lies {@code dir} of {@code a}. */
    void connect(int a, int dir, int b) {
        rooms.get(a).exit[dir] = b;
        rooms.get(b).exit[(dir + 2) % 4] = a;
    }

    int item(String adjective, String noun, int location) {
        var t = add(new Thing(Kind.ITEM, adjective, noun));
        things.get(t).initial = location;
        return t;
    }

    /** A door on the exit {@code dir} of room {@code a} (and the way back), locked with {@code key}, or closed when -1. */
    int door(int a, int dir, String adjective, int key) {
        int t = add(new Thing(Kind.DOOR, adjective, "door"));
        var door = things.get(t);
        door.key = key;
        door.initial = key < 0 ? CLOSED : LOCKED;
        rooms.get(a).door[dir] = t;
        rooms.get(rooms.get(a).exit[dir]).door[(dir + 2) % 4] = t;
        return t;
    }

    /** A container in a room: open, closed (key -1, {@code open} false) or locked with {@code key}. */
    int container(String adjective, String noun, int room, int key, boolean open) {
        int t = add(new Thing(Kind.CONTAINER, adjective, noun));
        var c = things.get(t);
        c.room = room;
        c.key = key;
        c.initial = open ? OPEN : key < 0 ? CLOSED : LOCKED;
        return t;
    }

    /** A creature in {@code room} that bars the exit {@code blocks} until it is given {@code wants}. */
    int creature(String adjective, String noun, int room, int blocks, int wants) {
        int t = add(new Thing(Kind.CREATURE, adjective, noun));
        var c = things.get(t);
        c.room = room;
        c.blocks = blocks;
        c.wants = wants;
        return t;
    }

    private int add(Thing t) {
        things.add(t);
        return things.size() - 1;
    }

    Thing thing(int t) {
        return things.get(t);
    }

    Kind kind(int t) {
        return things.get(t).kind;
    }

    String name(int t) {
        return things.get(t).name;
    }

    int[] initialState() {
        var s = new int[BASE + things.size()];
        s[PLAYER] = start;
        for (int t = 0; t < things.size(); t++) s[BASE + t] = things.get(t).initial;
        return s;
    }

    /** A plain summary of the whole world, for tests and debugging: equal worlds give equal text. */
    String describe() {
        var sb = new StringBuilder();
        for (int r = 0; r < rooms.size(); r++) {
            var room = rooms.get(r);
            sb.append(r).append(' ').append(room.name).append(room.dark ? " (dark)" : "").append(':');
            for (int d = 0; d < 4; d++) {
                if (room.exit[d] >= 0) sb.append(' ').append(DIRECTIONS[d]).append('>').append(room.exit[d]).append(room.door[d] >= 0 ? "[" + name(room.door[d]) + "]" : "");
            }
            sb.append('\n');
        }
        for (int t = 0; t < things.size(); t++) {
            var th = things.get(t);
            sb.append(t).append(' ').append(th.kind).append(' ').append(th.name).append(" initial=").append(th.initial).append(" room=").append(th.room)
                    .append(" key=").append(th.key).append(" blocks=").append(th.blocks).append(" wants=").append(th.wants).append('\n');
        }
        return sb.append("start=").append(start).append(" goal=").append(goal).toString();
    }
}
