package ai.apprentice.providers;

/**
 * A known provider: its wire protocol, default endpoint, the environment variables for key and endpoint,
 * and an example model. A null {@code apiKeyEnv} means the server needs no key (local servers).
 */
public record Preset(String name, Protocol protocol, String baseUrl, String apiKeyEnv, String baseUrlEnv,
                     String exampleModel, String description) {
    public enum Protocol { OPENAI, ANTHROPIC, OPENAI_RESPONSES }
}
