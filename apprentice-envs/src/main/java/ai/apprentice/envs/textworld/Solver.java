package ai.apprentice.envs.textworld;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * Breadth-first search over game states with the game's own rules ({@link Rules#useful}): the first goal
 * state found is reached by a shortest command sequence, which proves the task solvable and gives its
 * optimal length. States are hashed as short strings, one char per slot.
 */
final class Solver {
    static final int MAX_STATES = 200_000;

    private record Visit(String parent, Command command) {}

    private Solver() {}

    /** A shortest solution from the world's initial state, or null when there is none (or the search is too large). */
    static List<Command> solve(World w) {
        return solve(w, w.initialState());
    }

    static List<Command> solve(World w, int[] from) {
        var needed = Rules.needed(w);
        var seen = new HashMap<String, Visit>();
        var queue = new ArrayDeque<int[]>();
        seen.put(key(from), new Visit(null, null));
        queue.add(from);
        while (!queue.isEmpty()) {
            int[] s = queue.poll();
            String k = key(s);
            if (Rules.goalReached(w, s)) return path(seen, k);
            var next = new ArrayList<Command>();
            Rules.useful(w, s, needed, next::add);
            for (var c : next) {
                int[] t = s.clone();
                Rules.apply(w, t, c);
                String tk = key(t);
                if (seen.containsKey(tk)) continue;
                seen.put(tk, new Visit(k, c));
                if (seen.size() > MAX_STATES) return null;
                queue.add(t);
            }
        }
        return null;
    }

    static String key(int[] s) {
        var chars = new char[s.length];
        for (int i = 0; i < s.length; i++) chars[i] = (char) (s[i] + 1024);
        return new String(chars);
    }

    private static List<Command> path(HashMap<String, Visit> seen, String k) {
        var out = new ArrayList<Command>();
        for (var v = seen.get(k); v.command() != null; v = seen.get(v.parent())) out.add(v.command());
        return out.reversed();
    }
}
