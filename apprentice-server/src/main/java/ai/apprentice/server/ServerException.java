package ai.apprentice.server;

/** The server's state cannot be read or written; the message says which file and why. */
public final class ServerException extends RuntimeException {
    public ServerException(String message) {
        super(message);
    }

    public ServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
