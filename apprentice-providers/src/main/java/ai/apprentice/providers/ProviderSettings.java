package ai.apprentice.providers;

import ai.apprentice.model.RetryPolicy;
import java.time.Duration;
import java.util.Map;

/**
 * How to reach a provider. Null {@code baseUrl} or {@code apiKey} means: take them from the preset and the
 * environment. {@code readTimeout} is the longest silence tolerated from the server, before the first byte
 * and between streamed chunks. {@code reasoning}: how hard a reasoning model should think, {@code minimal},
 * {@code low}, {@code medium} or {@code high}, or a number of thinking tokens (null: the provider's default, and no
 * extended thinking on Anthropic). {@code promptCaching}: mark the stable prefix for the provider's prompt cache.
 */
public record ProviderSettings(String baseUrl, String apiKey, RetryPolicy retry, Duration connectTimeout,
                               Duration readTimeout, Map<String, String> headers, String reasoning, boolean promptCaching) {
    public ProviderSettings {
        if (retry == null) retry = RetryPolicy.DEFAULT;
        if (connectTimeout == null) connectTimeout = Duration.ofSeconds(10);
        if (readTimeout == null) readTimeout = Duration.ofSeconds(60);
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        if (reasoning != null && reasoning.isBlank()) reasoning = null;
        if (reasoning != null) Reasoning.check(reasoning);
    }

    public ProviderSettings(String baseUrl, String apiKey, RetryPolicy retry, Duration connectTimeout, Duration readTimeout,
                            Map<String, String> headers) {
        this(baseUrl, apiKey, retry, connectTimeout, readTimeout, headers, null, true);
    }

    public static ProviderSettings defaults() {
        return new ProviderSettings(null, null, RetryPolicy.DEFAULT, null, null, Map.of());
    }

    public ProviderSettings withBaseUrl(String url) {
        return new ProviderSettings(url, apiKey, retry, connectTimeout, readTimeout, headers, reasoning, promptCaching);
    }

    public ProviderSettings withApiKey(String key) {
        return new ProviderSettings(baseUrl, key, retry, connectTimeout, readTimeout, headers, reasoning, promptCaching);
    }

    public ProviderSettings withRetry(RetryPolicy policy) {
        return new ProviderSettings(baseUrl, apiKey, policy, connectTimeout, readTimeout, headers, reasoning, promptCaching);
    }

    public ProviderSettings withReadTimeout(Duration timeout) {
        return new ProviderSettings(baseUrl, apiKey, retry, connectTimeout, timeout, headers, reasoning, promptCaching);
    }

    public ProviderSettings withReasoning(String effort) {
        return new ProviderSettings(baseUrl, apiKey, retry, connectTimeout, readTimeout, headers, effort, promptCaching);
    }

    public ProviderSettings withPromptCaching(boolean on) {
        return new ProviderSettings(baseUrl, apiKey, retry, connectTimeout, readTimeout, headers, reasoning, on);
    }

    /** The two ways of asking for reasoning: an effort word (OpenAI's {@code reasoning_effort}) or a token budget. */
    public static final class Reasoning {
        private Reasoning() {}

        static void check(String value) {
            if (effort(value) == null && budget(value) <= 0) {
                throw new ProviderConfigException("Reasoning '" + value + "' is neither minimal, low, medium or high nor a number of"
                        + " thinking tokens (at least 1024)");
            }
        }

        /** The effort word, or null when the value is a budget. */
        public static String effort(String value) {
            return value != null && value.matches("minimal|low|medium|high") ? value : null;
        }

        /** Thinking tokens: the number given, or one for each effort word; 0 for none. Anthropic wants at least 1024. */
        public static int budget(String value) {
            if (value == null) return 0;
            return switch (value) {
                case "minimal" -> 1024;
                case "low" -> 2048;
                case "medium" -> 8192;
                case "high" -> 24_576;
                default -> {
                    try {
                        int n = Integer.parseInt(value.strip());
                        yield n >= 1024 ? n : 0;
                    } catch (NumberFormatException e) {
                        yield 0;
                    }
                }
            };
        }
    }
}
