package ai.apprentice.eval;

/** One trial of one task: its reward with the explanation, and what it cost. */
public record TrialResult(String taskId, int trial, double reward, String explanation, int actions, long inputTokens,
                          long outputTokens, double costUsd, long wallMs, String runId, String error) {
    public boolean success() {
        return Math.abs(reward - 1.0) <= 1e-6;
    }

    /**
     * The trials recorded in an evaluation's {@code trials.jsonl}, in order; none when there is no such file. A torn
     * line (a write an interruption cut short, or one being written now) is left out: resume runs that trial again.
     */
    public static java.util.List<TrialResult> readAll(java.nio.file.Path folder) throws java.io.IOException {
        var file = folder.resolve("trials.jsonl");
        var out = new java.util.ArrayList<TrialResult>();
        if (!java.nio.file.Files.isRegularFile(file)) return out;
        for (var line : java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            try {
                out.add(ai.apprentice.json.Json.read(line, TrialResult.class));
            } catch (RuntimeException torn) {
                // left out
            }
        }
        return out;
    }
}
