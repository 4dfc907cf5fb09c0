package ai.apprentice.mcp;

/** An MCP server wants a sign-in that cannot happen here (no person at a terminal); the message says what to run. */
public class McpAuthenticationRequiredException extends RuntimeException {
    public McpAuthenticationRequiredException(String message) {
        super(message);
    }
}
