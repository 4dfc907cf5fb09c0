package ai.apprentice.providers;

import ai.apprentice.model.RetryPolicy;
import java.time.Duration;
import java.util.Map;

/**
 * How to reach a provider. Null {@code baseUrl} or {@code apiKey} means: take them from the preset and the
 * environment. {@code readTimeout} is the longest silence tolerated from the server, before the first byte
 * and between streamed chunks.
 */
public record ProviderSettings(String baseUrl, String apiKey, RetryPolicy retry, Duration connectTimeout,
                               Duration readTimeout, Map<String, String> headers) {
    public ProviderSettings {
        if (retry == null) retry = RetryPolicy.DEFAULT;
        if (connectTimeout == null) connectTimeout = Duration.ofSeconds(10);
        if (readTimeout == null) readTimeout = Duration.ofSeconds(60);
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    public static ProviderSettings defaults() {
        return new ProviderSettings(null, null, RetryPolicy.DEFAULT, null, null, Map.of());
    }

    public ProviderSettings withBaseUrl(String url) {
        return new ProviderSettings(url, apiKey, retry, connectTimeout, readTimeout, headers);
    }

    public ProviderSettings withApiKey(String key) {
        return new ProviderSettings(baseUrl, key, retry, connectTimeout, readTimeout, headers);
    }

    public ProviderSettings withRetry(RetryPolicy policy) {
        return new ProviderSettings(baseUrl, apiKey, policy, connectTimeout, readTimeout, headers);
    }

    public ProviderSettings withReadTimeout(Duration timeout) {
        return new ProviderSettings(baseUrl, apiKey, retry, connectTimeout, timeout, headers);
    }
}
