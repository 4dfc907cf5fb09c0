package ai.apprentice.server;

import java.nio.file.Path;
import java.util.Map;

/**
 * A run the server accepted, as plain data: what a {@link RunExecutor} needs to carry it out, here or (later) on
 * another machine. {@code flags} are config keys over the server's defaults; {@code conversationId} is set for a
 * message in a conversation, which continues the history of the conversation's previous run.
 */
public record RunRequest(String runId, Kind kind, String task, Path workspace, Map<String, Object> flags, String conversationId) {
    public enum Kind { START, RESUME }

    public RunRequest {
        flags = Map.copyOf(flags);
    }
}
