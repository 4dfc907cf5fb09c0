package ai.apprentice.learn.dataset;

import java.util.LinkedHashMap;

/** Counts by reason, in the order reasons were first counted. */
final class Tally {
    private final java.util.Map<String, Integer> counts = new LinkedHashMap<>();

    void add(String reason) {
        add(reason, 1);
    }

    void add(String reason, int n) {
        if (n > 0) counts.merge(reason, n, Integer::sum);
    }

    int get(String reason) {
        return counts.getOrDefault(reason, 0);
    }
}
