package ai.apprentice.model;

/**
 * Token counts of one model call or, summed, of a run, as the provider reported them.
 * {@code inputTokens} is all input read, cached or not; {@code cacheReadTokens} and {@code cacheWriteTokens} are the
 * parts of it read from, and written to, the provider's prompt cache (each priced differently). {@code reasoningTokens}
 * is the part of {@code outputTokens} the model spent thinking (billed as output, never shown as the answer).
 */
public record Usage(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens, long reasoningTokens) {
    public static final Usage ZERO = new Usage(0, 0);

    public Usage {
        if (inputTokens < 0 || outputTokens < 0 || cacheReadTokens < 0 || cacheWriteTokens < 0 || reasoningTokens < 0) {
            throw new IllegalArgumentException("token counts cannot be negative: " + inputTokens + " in, " + outputTokens + " out, "
                    + cacheReadTokens + " cache read, " + cacheWriteTokens + " cache write, " + reasoningTokens + " reasoning");
        }
    }

    public Usage(long inputTokens, long outputTokens) {
        this(inputTokens, outputTokens, 0, 0, 0);
    }

    public Usage plus(Usage other) {
        return other == null ? this : new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens,
                cacheReadTokens + other.cacheReadTokens, cacheWriteTokens + other.cacheWriteTokens, reasoningTokens + other.reasoningTokens);
    }

    /** Input read neither from nor into the cache: billed at the plain input price. */
    public long uncachedInputTokens() {
        return Math.max(0, inputTokens - cacheReadTokens - cacheWriteTokens);
    }

    public long total() {
        return inputTokens + outputTokens;
    }
}
