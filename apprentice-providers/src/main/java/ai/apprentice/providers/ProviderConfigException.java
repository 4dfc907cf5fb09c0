package ai.apprentice.providers;

/** A provider cannot be set up as asked (unknown name, missing key); the message says what to do. */
public class ProviderConfigException extends IllegalArgumentException {
    public ProviderConfigException(String message) {
        super(message);
    }
}
