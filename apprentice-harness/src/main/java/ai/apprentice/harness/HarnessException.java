package ai.apprentice.harness;

/**
 * Settings and a workspace that cannot make an agent: a model that cannot be resolved, rules that do not parse,
 * a store that cannot be opened. The message says what is wrong and how a person can fix it.
 */
public class HarnessException extends RuntimeException {
    public HarnessException(String message) {
        super(message);
    }

    public HarnessException(String message, Throwable cause) {
        super(message, cause);
    }
}
