package ai.apprentice.envs.textworld;

import ai.apprentice.envs.textworld.Command.Verb;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads free text into a verb and noun phrases, forgivingly: any case, articles and "please" ignored,
 * synonyms ("walk north", "n", "pick up", "turn on the lamp", "x chest"). What it cannot read gets a hint
 * that says what would work. It never throws; objects are resolved later, against what the player sees.
 */
final class Parser {
    static final int MAX_CHARS = 400;
    static final String VERBS = "go, take, drop, open, unlock, put, give, light, look, inventory, examine";
    private static final Set<String> IGNORED = Set.of("the", "a", "an", "some", "my", "this", "that", "please");

    /** A read command: a verb with a direction or noun phrases (empty when absent), or a hint instead. */
    record Parsed(Verb verb, int direction, List<String> object, List<String> second, String hint) {
        static Parsed hint(String hint) {
            return new Parsed(null, -1, List.of(), List.of(), hint);
        }

        static Parsed of(Verb verb, List<String> object, List<String> second) {
            return new Parsed(verb, -1, object, second, null);
        }
    }

    private Parser() {}

    static Parsed parse(String input) {
        if (input == null) input = "";
        if (input.length() > MAX_CHARS) return Parsed.hint("That is too long. Use a short command such as 'take the key' or 'go north'.");
        var words = new ArrayList<String>();
        for (var w : input.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) if (!w.isEmpty() && !IGNORED.contains(w)) words.add(w);
        if (words.isEmpty()) return Parsed.hint("Say what to do, for example 'look', 'go north' or 'take the key'. Type 'help' for all commands.");
        String verb = words.removeFirst();
        int dir = direction(verb);
        if (dir >= 0 && words.isEmpty()) return new Parsed(Verb.GO, dir, List.of(), List.of(), null);
        return switch (verb) {
            case "go", "walk", "move", "head", "run", "travel" -> go(words);
            case "take", "get", "grab", "pick", "collect" -> object(Verb.TAKE, before(without(words, "up"), "from"), List.of());
            case "drop", "discard" -> object(Verb.DROP, words, List.of());
            case "open", "unlock" -> object(verb.equals("open") ? Verb.OPEN : Verb.UNLOCK, before(words, "with", "using"), after(words, "with", "using"));
            case "put", "place", "insert" -> put(words);
            case "give", "feed", "offer", "hand" -> give(verb, words);
            case "light", "ignite", "turn", "switch" -> object(Verb.LIGHT, without(without(words, "on"), "up"), List.of());
            case "look", "l" -> words.isEmpty() || words.equals(List.of("around")) ? Parsed.of(Verb.LOOK, List.of(), List.of())
                    : object(Verb.EXAMINE, without(without(words, "at"), "in"), List.of());
            case "examine", "x", "inspect", "check", "read", "describe" -> object(Verb.EXAMINE, words, List.of());
            case "inventory", "inv", "i" -> Parsed.of(Verb.INVENTORY, List.of(), List.of());
            case "help", "h", "commands", "hint" -> Parsed.of(Verb.HELP, List.of(), List.of());
            default -> Parsed.hint(dir >= 0 ? "Just say the direction, for example 'go " + World.DIRECTIONS[dir] + "'."
                    : "I don't know the verb '" + clip(verb) + "'. Try: " + VERBS + ".");
        };
    }

    private static Parsed go(List<String> words) {
        var rest = without(words, "to");
        if (rest.size() == 1 && direction(rest.getFirst()) >= 0) return new Parsed(Verb.GO, direction(rest.getFirst()), List.of(), List.of(), null);
        if (rest.size() == 1 && (rest.getFirst().equals("up") || rest.getFirst().equals("down") || rest.getFirst().equals("u") || rest.getFirst().equals("d"))) {
            return Parsed.hint("There is no way up or down here; the exits are north, south, east or west.");
        }
        return Parsed.hint("Go where? Say a direction, for example 'go north'; 'look' lists the exits.");
    }

    private static Parsed put(List<String> words) {
        if (words.size() > 1 && (words.getLast().equals("down") || words.getFirst().equals("down"))) return object(Verb.DROP, without(words, "down"), List.of());
        var what = before(words, "in", "into", "inside", "on");
        var where = after(words, "in", "into", "inside", "on");
        if (what.isEmpty() || where.isEmpty()) return Parsed.hint("Put what where? For example 'put the ruby in the chest'.");
        return Parsed.of(Verb.PUT, what, where);
    }

    private static Parsed give(String verb, List<String> words) {
        var what = before(words, "to");
        var whom = after(words, "to");
        if (verb.equals("feed") && whom.isEmpty() && !what.isEmpty()) return Parsed.of(Verb.GIVE, List.of(), what); // "feed the dog"
        if (what.isEmpty() || whom.isEmpty()) return Parsed.hint("Give what to whom? For example 'give the bone to the dog'.");
        return Parsed.of(Verb.GIVE, what, whom);
    }

    private static Parsed object(Verb verb, List<String> object, List<String> second) {
        if (object.isEmpty()) return Parsed.hint(Narrator.capital(verb.name().toLowerCase(Locale.ROOT)) + " what?");
        return Parsed.of(verb, object, second);
    }

    static int direction(String word) {
        return switch (word) {
            case "n", "north" -> World.NORTH;
            case "e", "east" -> World.EAST;
            case "s", "south" -> World.SOUTH;
            case "w", "west" -> World.WEST;
            default -> -1;
        };
    }

    private static List<String> without(List<String> words, String drop) {
        return words.stream().filter(w -> !w.equals(drop)).toList();
    }

    /** The words before the first of {@code marks}, or all of them. */
    private static List<String> before(List<String> words, String... marks) {
        int i = indexOf(words, marks);
        return i < 0 ? words : words.subList(0, i);
    }

    /** The words after the first of {@code marks}, or none. */
    private static List<String> after(List<String> words, String... marks) {
        int i = indexOf(words, marks);
        return i < 0 ? List.of() : words.subList(i + 1, words.size());
    }

    private static int indexOf(List<String> words, String... marks) {
        for (int i = 0; i < words.size(); i++) for (var m : marks) if (words.get(i).equals(m)) return i;
        return -1;
    }

    static String clip(String word) {
        return word.length() > 24 ? word.substring(0, 24) + "..." : word;
    }
}
