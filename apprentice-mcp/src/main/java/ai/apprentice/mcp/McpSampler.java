package ai.apprentice.mcp;

import ai.apprentice.tool.ToolContext;
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
     * @param call the tool call of a run the request came during: the call counts against that run's budget, and is
     *             charged and recorded there ({@link ToolContext#chargeModelCall}); null when no run's call is in
     *             flight on that server (see {@code McpConnection} for which call that is)
     */
    McpSchema.CreateMessageResult sample(String server, McpSchema.CreateMessageRequest request, ToolContext call);

    /** Refuses every request, with the reason (no person to ask, auto mode). */
    static McpSampler refusing(String reason) {
        return (server, request, call) -> {
            throw refused(reason);
        };
    }

    /** The error a refused request is answered with: code -1, the reason in the message. */
    static McpError refused(String reason) {
        return McpError.builder(REJECTED).message("sampling request rejected: " + reason).build();
    }
}
