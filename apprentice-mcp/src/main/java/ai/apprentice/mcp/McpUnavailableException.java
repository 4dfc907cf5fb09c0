package ai.apprentice.mcp;

/** An MCP server cannot be reached right now; the message says which and why. */
public class McpUnavailableException extends RuntimeException {
    public McpUnavailableException(String message) {
        super(message);
    }

    public McpUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
