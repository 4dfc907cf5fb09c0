package ai.apprentice.envs.textworld;

import static ai.apprentice.envs.textworld.World.BASE;
import static ai.apprentice.envs.textworld.World.LOCKED;
import static ai.apprentice.envs.textworld.World.PLAYER;

import ai.apprentice.envs.textworld.Command.Verb;
import ai.apprentice.envs.textworld.World.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * One play of a world: reads a command, finds the things it names among those the player perceives, and
 * does it by the {@link Rules}, or says why not. Not thread-safe; the episode guards it.
 */
final class Game {
    final World world;
    final int[] state;

    Game(World world) {
        this.world = world;
        this.state = world.initialState();
    }

    String look() {
        return Narrator.look(world, state);
    }

    boolean won() {
        return Rules.goalReached(world, state);
    }

    /** Plays one line of text and returns the game's answer; never throws on any input. */
    String step(String input) {
        var meant = read(input);
        return meant instanceof Command c ? play(c) : (String) meant;
    }

    /** The command a line of text means here, or a hint (a String) saying why it means none. */
    Object read(String input) {
        var parsed = Parser.parse(input);
        return parsed.hint() != null ? parsed.hint() : resolve(parsed);
    }

    /** Does a resolved command, or says why it cannot be done. */
    String play(Command c) {
        if (c.verb() != Verb.GO) {
            for (int t : new int[] {c.a(), c.b()}) if (t >= 0 && !Rules.present(world, state, t)) return unseen(List.of(world.name(t)));
        }
        if (c.verb() == Verb.OPEN || c.verb() == Verb.UNLOCK) c = withKey(c);
        String refusal = Rules.refusal(world, state, c);
        if (refusal != null) return refusal;
        int[] before = state.clone();
        Rules.apply(world, state, c);
        return Narrator.done(world, before, state, c);
    }

    /** "open the gold door" while holding the gold key means with it. */
    private Command withKey(Command c) {
        var th = world.thing(c.a());
        boolean lockable = th.kind == Kind.DOOR || th.kind == Kind.CONTAINER;
        return c.b() < 0 && lockable && state[BASE + c.a()] == LOCKED && Rules.held(state, th.key) ? new Command(c.verb(), c.a(), th.key) : c;
    }

    /** The command a parse names, or a hint (a String) when a phrase names nothing here or several things. */
    private Object resolve(Parser.Parsed p) {
        if (p.verb() == Verb.GO) return Command.of(Verb.GO, p.direction());
        if (p.object().isEmpty() && p.second().isEmpty()) return Command.of(p.verb());
        // "feed the dog" names no item: any held item may be meant
        var as = p.object().isEmpty() ? heldItems() : candidates(p.object());
        if (as.isEmpty()) return p.object().isEmpty() ? "You have nothing to give." : unseen(p.object());
        var bs = p.second().isEmpty() ? List.of(-1) : candidates(p.second());
        if (bs.isEmpty()) return unseen(p.second());
        if (as.size() == 1 && bs.size() == 1) return new Command(p.verb(), as.getFirst(), bs.getFirst());
        // Several things fit the words: if just one choice makes the command work, that is the one meant.
        Command only = null;
        int working = 0;
        for (int a : as) {
            for (int b : bs) {
                var c = new Command(p.verb(), a, b);
                if (Rules.refusal(world, state, c) == null) {
                    only = c;
                    working++;
                }
            }
        }
        if (working == 1) return only;
        if (p.object().isEmpty()) return "What do you want to give to the " + world.name(bs.getFirst()) + "?";
        return which(as.size() > 1 ? as : bs);
    }

    private List<Integer> heldItems() {
        var out = new ArrayList<Integer>();
        for (int t = 0; t < world.things.size(); t++) if (world.kind(t) == Kind.ITEM && Rules.held(state, t)) out.add(t);
        return out;
    }

    /** Perceived things whose words include every word of the phrase; those named by their noun first. */
    private List<Integer> candidates(List<String> phrase) {
        var all = new ArrayList<Integer>();
        var byNoun = new ArrayList<Integer>();
        for (int t = 0; t < world.things.size(); t++) {
            if (!Rules.present(world, state, t) || !matches(t, phrase)) continue;
            all.add(t);
            if (phrase.contains(world.thing(t).noun)) byNoun.add(t);
        }
        return byNoun.isEmpty() ? all : byNoun;
    }

    private boolean matches(int t, List<String> phrase) {
        var th = world.thing(t);
        for (var word : phrase) {
            if (List.of(th.words).contains(word)) continue;
            int dir = Parser.direction(word); // "the north door"
            if (th.kind == Kind.DOOR && dir >= 0 && Rules.doorDirection(world, state[PLAYER], t) == dir) continue;
            return false;
        }
        return true;
    }

    private String unseen(List<String> phrase) {
        String what = Parser.clip(String.join(" ", phrase));
        if (!Rules.lit(world, state, state[PLAYER])) return "It is too dark to see any " + what + " here. A lit lamp would help.";
        return "You see no " + what + " here.";
    }

    private String which(List<Integer> things) {
        var names = things.stream().map(t -> "the " + world.name(t)).toList();
        String noun = world.thing(things.getFirst()).noun;
        boolean sameNoun = things.stream().allMatch(t -> world.thing(t).noun.equals(noun));
        return "Which " + (sameNoun ? noun + " " : "") + "do you mean: " + String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast() + "?";
    }
}
