package ai.apprentice.model;

/**
 * What a model costs, in US dollars per million tokens: plain input, input read from the prompt cache, input
 * written to it, and output (reasoning included). {@code asOf} and {@code source} say where the numbers come from,
 * so that a reader can check them against the bill.
 */
public record Price(double inputPerMillion, double outputPerMillion, double cachedInputPerMillion, double cacheWritePerMillion,
                    String asOf, String source) {
    public Price {
        if (inputPerMillion < 0 || outputPerMillion < 0 || cachedInputPerMillion < 0 || cacheWritePerMillion < 0) {
            throw new IllegalArgumentException("prices cannot be negative");
        }
    }

    /** A price without cache discounts (cached and cache-written input cost as much as plain input). */
    public Price(double inputPerMillion, double outputPerMillion) {
        this(inputPerMillion, outputPerMillion, inputPerMillion, inputPerMillion, null, "configured");
    }

    public double cost(Usage usage) {
        return (usage.uncachedInputTokens() * inputPerMillion + usage.cacheReadTokens() * cachedInputPerMillion
                + usage.cacheWriteTokens() * cacheWritePerMillion + usage.outputTokens() * outputPerMillion) / 1e6;
    }
}
