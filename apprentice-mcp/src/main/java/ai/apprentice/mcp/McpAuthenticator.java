package ai.apprentice.mcp;

import java.util.Optional;

/**
 * Checks the bearer token of a request to the MCP HTTP server. The CLI backs it with the server's token store
 * ({@code apprentice serve token create}), so one token works for the API and for MCP.
 */
@FunctionalInterface
public interface McpAuthenticator {
    /** The name of the token's holder when the token is valid (live, not revoked); empty otherwise. */
    Optional<String> authenticate(String bearerToken);
}
