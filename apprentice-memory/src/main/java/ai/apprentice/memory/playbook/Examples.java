package ai.apprentice.memory.playbook;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.core.type.TypeReference;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Successful trajectories kept as demonstrations (after Agent Workflow Memory): when a run's task is like an example's,
 * the example is shown to the model as context for that run. Kept only when the gate showed that having them helps.
 * Immutable; its JSON is what the learned store versions.
 */
public record Examples(List<Example> examples) {
    public static final String ARTIFACT = "examples";
    /** Examples kept per scope; the oldest goes first. */
    public static final int PER_SCOPE = 20;
    /** How alike (word overlap) a task must be to an example's for the example to be shown. */
    public static final double SIMILAR = 0.3;

    /** One demonstration: the task it solved, what was done (condensed), and the run it came from. */
    public record Example(String id, String scope, String task, String demonstration, String runId) {
        public Example {
            Scopes.check(scope);
            if (task == null || task.isBlank() || demonstration == null || demonstration.isBlank()) {
                throw new IllegalArgumentException("an example needs a task and a demonstration");
            }
        }
    }

    public Examples {
        examples = List.copyOf(examples);
    }

    public static Examples empty() {
        return new Examples(List.of());
    }

    public List<Example> in(Collection<String> scopes) {
        return examples.stream().filter(e -> scopes.contains(e.scope())).toList();
    }

    /** With {@code e} added (the oldest of its scope dropped beyond {@link #PER_SCOPE}). */
    public Examples with(Example e) {
        var list = new ArrayList<>(examples);
        list.add(e);
        while (list.stream().filter(x -> x.scope().equals(e.scope())).count() > PER_SCOPE) {
            list.remove(list.stream().filter(x -> x.scope().equals(e.scope())).findFirst().orElseThrow());
        }
        return new Examples(list);
    }

    /** The example of {@code scopes} whose task is most like {@code task}, if one is like it at all. */
    public Optional<Example> best(Collection<String> scopes, String task) {
        Example best = null;
        double score = SIMILAR;
        for (var e : in(scopes)) {
            double s = similarity(e.task(), task);
            if (s >= score) {
                score = s;
                best = e;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Jaccard overlap of the two texts' words (lowercase letters and digits, three characters or more). */
    public static double similarity(String a, String b) {
        var x = words(a);
        var y = words(b);
        if (x.isEmpty() || y.isEmpty()) return 0;
        var both = new HashSet<>(x);
        both.retainAll(y);
        var either = new HashSet<>(x);
        either.addAll(y);
        return (double) both.size() / either.size();
    }

    private static Set<String> words(String text) {
        var out = new HashSet<String>();
        if (text == null) return out;
        for (var w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) if (w.length() >= 3) out.add(w);
        return out;
    }

    public String json() {
        var o = Json.object();
        o.set("examples", Json.MAPPER.valueToTree(examples));
        return o.toPrettyString() + "\n";
    }

    public static Examples fromJson(String json) {
        List<Example> list = Json.MAPPER.convertValue(Json.tree(json).path("examples"), new TypeReference<List<Example>>() {});
        return new Examples(list == null ? List.of() : list);
    }
}
