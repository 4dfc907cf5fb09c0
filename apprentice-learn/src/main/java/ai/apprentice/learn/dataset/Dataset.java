package ai.apprentice.learn.dataset;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An exported dataset: its training and validation lines (JSON, one example each) and what was left out and why.
 * {@code runsInStore}: every run in the store; {@code rewarded}: runs with a reward or rating that passed the
 * filters; {@code exported}: runs that contributed a line; {@code skipped}: runs left out, by reason;
 * {@code pairsSkipped}: for paired formats, pairs of runs that gave no line, by reason; {@code inferredTools}: tools
 * whose definitions were not found and were inferred from their calls.
 */
public record Dataset(DatasetExporter.Options options, List<String> train, List<String> valid, int runsInStore, int rewarded,
                      int exported, int trainTasks, int validTasks, int duplicates, Map<String, Integer> skipped,
                      Map<String, Integer> pairsSkipped, List<String> inferredTools) {

    /** The file of validation lines beside {@code out}: {@code .valid} before the extension ({@code out.valid.jsonl}). */
    public static Path validFile(Path out) {
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String valid = dot > 0 ? name.substring(0, dot) + ".valid" + name.substring(dot) : name + ".valid";
        return out.resolveSibling(valid);
    }

    /** Whether a validation file is written (a fraction above 0). */
    public boolean hasValidation() {
        return options.validFraction() > 0;
    }

    public boolean empty() {
        return train.isEmpty() && valid.isEmpty();
    }

    /**
     * Writes the training lines to {@code out} and, with a validation fraction above 0, the validation lines beside it
     * ({@link #validFile}); each file is written whole or not at all (through a temporary file), and is written even
     * when it has no line, so that a file never holds an earlier export's lines.
     */
    public void write(Path out) throws IOException {
        writeLines(out, train);
        if (hasValidation()) writeLines(validFile(out), valid);
    }

    private static void writeLines(Path file, List<String> lines) throws IOException {
        var tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            var text = lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Why nothing was exported, or null when something was. */
    public String emptyReason() {
        if (!empty()) return null;
        if (runsInStore == 0) return "the run store has no runs yet";
        if (rewarded == 0) {
            if (skipped.getOrDefault("no_reward", 0) > 0 && skipped.keySet().stream().allMatch(k -> k.equals("no_reward") || k.equals("running"))) {
                return "no run has a reward or feedback yet: rate runs with 'apprentice runs feedback ID --good' (or --bad, "
                        + "--score X), or reward them with 'apprentice eval'";
            }
            return "no rewarded run passed the filters (" + describe(skipped) + ")";
        }
        return switch (options.format().kind()) {
            case SFT -> "no run's reward reached " + options.threshold() + " (" + describe(skipped) + ")";
            case PAIRED -> "no task had two runs with different rewards that share a prompt and differ at an assistant turn"
                    + (pairsSkipped.isEmpty() ? "; no task had two rewarded runs with different rewards" : "; pairs: " + describe(pairsSkipped));
            case UNPAIRED -> "every line was a duplicate";
        };
    }

    /** What the reasons a pair gave no line mean, for people. */
    private static final Map<String, String> PAIR_REASONS = Map.of(
            "preferred_below_min_reward", "the better run is below --min-reward",
            "no_divergent_turn", "one run's conversation is the start of the other's",
            "diverges_outside_assistant_turn", "they first differ at a user's or a tool's message",
            "no_shared_prompt", "they share no user message",
            "tool_call_turn", "they differ at a tool call (OpenAI's DPO takes text outputs only)");

    private static String describe(Map<String, Integer> counts) {
        return counts.entrySet().stream().map(e -> PAIR_REASONS.getOrDefault(e.getKey(), e.getKey().replace('_', ' ')) + ": " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /** What was written and left out, for people (one line per fact). */
    public String text(Path out) {
        var sb = new StringBuilder();
        sb.append("wrote ").append(train.size()).append(train.size() == 1 ? " line" : " lines").append(" (").append(trainTasks)
                .append(trainTasks == 1 ? " task" : " tasks").append(") to ").append(out);
        if (hasValidation()) {
            sb.append("\nwrote ").append(valid.size()).append(valid.size() == 1 ? " line" : " lines").append(" (").append(validTasks)
                    .append(validTasks == 1 ? " task" : " tasks").append(") to ").append(validFile(out));
        }
        sb.append("\n").append(exported).append(" of ").append(runsInStore).append(runsInStore == 1 ? " run" : " runs").append(" exported");
        if (!skipped.isEmpty()) sb.append("; skipped runs: ").append(describe(skipped));
        if (!pairsSkipped.isEmpty()) sb.append("\npairs of runs without a line: ").append(describe(pairsSkipped));
        if (duplicates > 0) sb.append("\n").append(duplicates).append(duplicates == 1 ? " duplicate line" : " duplicate lines").append(" dropped");
        if (!inferredTools.isEmpty()) {
            sb.append("\ntool definitions not found, inferred from their calls: ").append(String.join(", ", inferredTools));
        }
        var why = emptyReason();
        if (why != null) sb.append("\nnothing exported: ").append(why);
        return sb.toString();
    }

    /** The same as JSON. */
    public ObjectNode json(Path out) {
        var o = Json.object();
        o.put("format", options.format().wireName());
        o.putObject("train").put("file", out.toString()).put("lines", train.size()).put("tasks", trainTasks);
        if (hasValidation()) o.putObject("valid").put("file", validFile(out).toString()).put("lines", valid.size()).put("tasks", validTasks);
        else o.putNull("valid");
        o.putObject("runs").put("in_store", runsInStore).put("rewarded", rewarded).put("exported", exported);
        var s = o.putObject("skipped");
        skipped.forEach(s::put);
        if (options.format().kind() == DatasetFormat.Kind.PAIRED) {
            var p = o.putObject("pairs_skipped");
            pairsSkipped.forEach(p::put);
        }
        o.put("duplicate_lines", duplicates);
        var inf = o.putArray("inferred_tools");
        inferredTools.forEach(inf::add);
        var why = emptyReason();
        if (why != null) o.put("nothing_exported", why);
        else o.putNull("nothing_exported");
        return o;
    }
}
