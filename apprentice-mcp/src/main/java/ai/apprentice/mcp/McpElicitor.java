package ai.apprentice.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import java.util.Map;

/**
 * Answers a server's {@code elicitation/create} request (form mode). Only a person may answer: a run without one, or
 * in auto mode, declines at once, and the server is told why in the result's {@code _meta.reason}.
 */
@FunctionalInterface
public interface McpElicitor {
    McpSchema.ElicitResult elicit(String server, McpSchema.ElicitFormRequest request);

    /** Declines every request, with the reason (no person to ask, auto mode). */
    static McpElicitor declining(String reason) {
        return (server, request) -> declined(reason);
    }

    static McpSchema.ElicitResult declined(String reason) {
        return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.DECLINE, null, Map.of("reason", reason));
    }
}
