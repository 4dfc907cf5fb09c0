package ai.apprentice.mcp;

/** What the apprentice MCP server offers, implemented by whoever hosts it (the CLI, with the real store). */
public interface ApprenticeBackend {
    /** The outcome of a task: the answer (or the error), the run id and its status. */
    record Outcome(String runId, String status, String answer, String error) {}

    Outcome runTask(String task, String workspace, String model, Integer maxSteps) throws Exception;

    /** Recent runs as a JSON array. */
    String listRunsJson(int limit) throws Exception;

    /** One run with its events as JSON. */
    String getRunJson(String id) throws Exception;
}
