package ai.apprentice.envs.taubench;

/** A tool refused the call; the observation is "Error: " + message and the database is unchanged. */
final class ToolError extends RuntimeException {
    ToolError(String message) {
        super(message, null, false, false);
    }
}
