package ai.apprentice.model;

/** Token counts of one model call or, summed, of a run. */
public record Usage(long inputTokens, long outputTokens) {
    public static final Usage ZERO = new Usage(0, 0);

    public Usage plus(Usage other) {
        return other == null ? this : new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens);
    }

    public long total() {
        return inputTokens + outputTokens;
    }
}
