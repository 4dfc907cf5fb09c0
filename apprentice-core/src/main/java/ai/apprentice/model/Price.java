package ai.apprentice.model;

/** What a model costs, in US dollars per million tokens. */
public record Price(double inputPerMillion, double outputPerMillion) {
    public double cost(Usage usage) {
        return usage.inputTokens() * inputPerMillion / 1e6 + usage.outputTokens() * outputPerMillion / 1e6;
    }
}
