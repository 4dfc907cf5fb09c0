package ai.apprentice.mcp;

import ai.apprentice.runtime.Spending;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * Answers a server's {@code sampling/createMessage} request (MCP 2025-11-25 "Sampling"): a model call on the server's
 * behalf. A refusal is an {@link McpError} the server receives as the JSON-RPC error of its request; nothing a server
 * sends can widen what it may do, so without a person's approval (or the user's own config allowing that server) the
 * request is refused, never served for free.
 */
@FunctionalInterface
public interface McpSampler {
    /** The specification's code for "User rejected sampling request". */
    int REJECTED = -1;

    /**
     * @param spending the run whose tool call the request came during, whose budget the call counts against; null when
     *                 no call of a run is in flight on that server
     */
    McpSchema.CreateMessageResult sample(String server, McpSchema.CreateMessageRequest request, Spending spending);

    /** Refuses every request, with the reason (no person to ask, auto mode). */
    static McpSampler refusing(String reason) {
        return (server, request, spending) -> {
            throw refused(reason);
        };
    }

    /** The error a refused request is answered with: code -1, the reason in the message. */
    static McpError refused(String reason) {
        return McpError.builder(REJECTED).message("sampling request rejected: " + reason).build();
    }
}
