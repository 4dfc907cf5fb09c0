package ai.apprentice.server;

import java.nio.file.Path;
import java.util.Map;

/**
 * A run the server accepted, as plain data: what a {@link RunExecutor} needs to carry it out, here or (later) on
 * another machine. {@code flags} are config keys over the server's defaults; {@code conversationId} is set for a
 * message in a conversation, which continues the history of the conversation's previous run. {@code profile} holds
 * settings the operator's configuration gave the entry point that accepted the run (a chat channel's approval mode and
 * budgets, a trigger's): laid over the server's defaults, under what the request itself set.
 */
public record RunRequest(String runId, Kind kind, String task, Path workspace, Map<String, Object> flags, String conversationId,
                         Map<String, Object> profile) {
    public enum Kind { START, RESUME }

    /**
     * A profile entry that is not a config key: the memory scopes the run's agent reads (a list, the first where it
     * stores), such as a chat person's and their team's in place of the operator's own.
     */
    public static final String MEMORY_SCOPES = "memory_scopes";

    public RunRequest {
        flags = Map.copyOf(flags);
        profile = Map.copyOf(profile);
    }

    /** A request without a profile: what an API client asked for, over the server's defaults. */
    public RunRequest(String runId, Kind kind, String task, Path workspace, Map<String, Object> flags, String conversationId) {
        this(runId, kind, task, workspace, flags, conversationId, Map.of());
    }
}
