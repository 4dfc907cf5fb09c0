package ai.apprentice.cli;

/**
 * A problem with what the user asked for or configured: printed as one line, exit code 2. Public so that commands
 * from a {@link CommandPlugin} can throw it too.
 */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }

    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
