package ai.apprentice.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Which tasks of an environment to run, as people write it: {@code 0-49,60}; empty means every task. */
public final class TaskSpec {
    private TaskSpec() {}

    /**
     * The task indices {@code spec} names, in order, each at most once.
     *
     * @param name how the caller calls this value in messages ({@code --tasks}, {@code tasks})
     * @throws IllegalArgumentException naming the part that is not a number or range, or a task that does not exist
     */
    public static List<Integer> parse(String spec, int size, String name) {
        if (spec == null || spec.isBlank()) return java.util.stream.IntStream.range(0, size).boxed().toList();
        var out = new TreeSet<Integer>();
        for (var part : spec.split(",")) {
            var p = part.strip();
            try {
                if (p.contains("-")) {
                    var ends = p.split("-", 2);
                    int a = Integer.parseInt(ends[0].strip());
                    int b = Integer.parseInt(ends[1].strip());
                    if (b < a) throw new IllegalArgumentException(name + ": task range '" + p + "' runs backwards");
                    if (b - a > 100_000) throw new IllegalArgumentException(name + ": task range '" + p + "' is too long");
                    for (int i = a; i <= b; i++) out.add(i);
                } else {
                    out.add(Integer.parseInt(p));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": '" + p + "' is not a task number or range like 0-49");
            }
        }
        for (int i : out) if (i < 0 || i >= size) throw new IllegalArgumentException(name + ": task " + i + " does not exist; tasks are 0-" + (size - 1));
        return new ArrayList<>(out);
    }
}
