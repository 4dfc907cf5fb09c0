package ai.apprentice.model;

import java.util.HashMap;
import java.util.Map;

/**
 * Prices by model id. Lookups try the full {@code provider:model} id, then the bare model name; unknown
 * models cost zero (local models, or prices the user has not given). Users extend it from config.
 */
public final class PriceTable {
    private final Map<String, Price> prices = new HashMap<>();

    /** List prices as published by the providers (USD per million tokens, uncached input). */
    public static PriceTable defaults() {
        var t = new PriceTable();
        t.put("gpt-4.1", new Price(2.00, 8.00));
        t.put("gpt-4.1-mini", new Price(0.40, 1.60));
        t.put("gpt-4.1-nano", new Price(0.10, 0.40));
        t.put("gpt-4o", new Price(2.50, 10.00));
        t.put("gpt-4o-mini", new Price(0.15, 0.60));
        t.put("deepseek-chat", new Price(0.27, 1.10));
        t.put("deepseek-reasoner", new Price(0.55, 2.19));
        t.put("claude-sonnet-4-5", new Price(3.00, 15.00));
        t.put("claude-haiku-4-5", new Price(1.00, 5.00));
        t.put("claude-opus-4-1", new Price(15.00, 75.00));
        return t;
    }

    public PriceTable put(String modelId, Price price) {
        prices.put(modelId, price);
        return this;
    }

    public Price lookup(String modelId) {
        var exact = prices.get(modelId);
        if (exact != null) return exact;
        int colon = modelId.indexOf(':');
        return colon < 0 ? null : prices.get(modelId.substring(colon + 1));
    }

    public double cost(String modelId, Usage usage) {
        var price = lookup(modelId);
        return price == null ? 0.0 : price.cost(usage);
    }

    public Map<String, Price> asMap() {
        return Map.copyOf(prices);
    }
}
