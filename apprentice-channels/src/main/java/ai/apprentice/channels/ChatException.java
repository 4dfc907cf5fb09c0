package ai.apprentice.channels;

/** A chat platform refused or could not be reached; the message says which platform, which call and what it answered. */
public class ChatException extends Exception {
    public ChatException(String message) {
        super(message);
    }

    public ChatException(String message, Throwable cause) {
        super(message, cause);
    }
}
