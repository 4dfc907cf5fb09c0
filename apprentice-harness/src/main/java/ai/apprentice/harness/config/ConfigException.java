package ai.apprentice.harness.config;

/** Configuration that cannot be used; the message names the file (and line) or variable, and what is expected. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
