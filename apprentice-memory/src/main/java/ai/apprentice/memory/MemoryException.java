package ai.apprentice.memory;

/** The memory store or its index cannot do what was asked; the message says what and where (the file, the memory). */
public class MemoryException extends RuntimeException {
    public MemoryException(String message, Throwable cause) {
        super(message, cause);
    }

    public MemoryException(String message) {
        super(message);
    }
}
