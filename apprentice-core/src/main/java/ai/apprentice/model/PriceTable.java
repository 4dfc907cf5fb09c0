package ai.apprentice.model;

import java.util.Map;
import java.util.TreeMap;

/**
 * Prices by model id. Lookups try the full {@code provider:model} id, then the bare model name, then the longest
 * known name the model's name extends with a dash (a dated snapshot such as {@code claude-sonnet-4-5-20250929}).
 * A model with no price has none: {@link #lookup} returns null and {@link #priced} false, so that callers can say
 * "no price" instead of showing $0. Users extend the table from config.
 */
public final class PriceTable {
    static final String OPENAI = "https://platform.openai.com/docs/pricing";
    static final String ANTHROPIC = "https://docs.anthropic.com/en/docs/about-claude/pricing";
    static final String DEEPSEEK = "https://api-docs.deepseek.com/quick_start/pricing";

    private final Map<String, Price> prices = new TreeMap<>();

    /**
     * List prices as the providers publish them (USD per million tokens). OpenAI bills cached input at a discount
     * and cache writes as plain input; Anthropic bills cache reads at 0.1x and 5-minute cache writes at 1.25x the
     * input price; DeepSeek bills cache hits at 0.1x.
     */
    public static PriceTable defaults() {
        var t = new PriceTable();
        openai(t, "gpt-5", 1.25, 0.125, 10.00);
        openai(t, "gpt-5-mini", 0.25, 0.025, 2.00);
        openai(t, "gpt-5-nano", 0.05, 0.005, 0.40);
        openai(t, "gpt-4.1", 2.00, 0.50, 8.00);
        openai(t, "gpt-4.1-mini", 0.40, 0.10, 1.60);
        openai(t, "gpt-4.1-nano", 0.10, 0.025, 0.40);
        openai(t, "gpt-4o", 2.50, 1.25, 10.00);
        openai(t, "gpt-4o-mini", 0.15, 0.075, 0.60);
        openai(t, "o3", 2.00, 0.50, 8.00);
        openai(t, "o4-mini", 1.10, 0.275, 4.40);
        anthropic(t, "claude-sonnet-4-5", 3.00, 0.30, 3.75, 15.00);
        anthropic(t, "claude-sonnet-4", 3.00, 0.30, 3.75, 15.00);
        anthropic(t, "claude-haiku-4-5", 1.00, 0.10, 1.25, 5.00);
        anthropic(t, "claude-opus-4-1", 15.00, 1.50, 18.75, 75.00);
        t.put("deepseek-chat", new Price(0.28, 0.42, 0.028, 0.28, "2025-09-29", DEEPSEEK));
        t.put("deepseek-reasoner", new Price(0.28, 0.42, 0.028, 0.28, "2025-09-29", DEEPSEEK));
        return t;
    }

    private static void openai(PriceTable t, String model, double input, double cached, double output) {
        t.put(model, new Price(input, output, cached, input, "2025-10-01", OPENAI));
    }

    private static void anthropic(PriceTable t, String model, double input, double cacheRead, double cacheWrite, double output) {
        t.put(model, new Price(input, output, cacheRead, cacheWrite, "2025-10-01", ANTHROPIC));
    }

    public PriceTable put(String modelId, Price price) {
        prices.put(modelId, price);
        return this;
    }

    /** Providers that run on the user's machine (or play a script): no bill, so free rather than unpriced. */
    static final java.util.Set<String> LOCAL = java.util.Set.of("local", "scripted", "ollama", "vllm", "llamacpp");
    static final Price FREE = new Price(0, 0, 0, 0, null, "runs on this machine: no per-token bill");

    /** The price of a model, or null when the table has none. */
    public Price lookup(String modelId) {
        var exact = prices.get(modelId);
        if (exact != null) return exact;
        int colon = modelId.indexOf(':');
        if (colon > 0 && LOCAL.contains(modelId.substring(0, colon))) return FREE;
        String name = colon < 0 ? modelId : modelId.substring(colon + 1);
        var bare = prices.get(name);
        if (bare != null) return bare;
        String best = null;
        for (var known : prices.keySet()) {
            if (name.startsWith(known + "-") && (best == null || known.length() > best.length())) best = known;
        }
        return best == null ? null : prices.get(best);
    }

    public boolean priced(String modelId) {
        return lookup(modelId) != null;
    }

    /** The cost of a call; 0 for a model without a price (check {@link #priced} before showing it as a cost). */
    public double cost(String modelId, Usage usage) {
        var price = lookup(modelId);
        return price == null ? 0.0 : price.cost(usage);
    }

    public Map<String, Price> asMap() {
        return Map.copyOf(prices);
    }
}
