package ai.apprentice.tool;

import java.nio.file.Path;

/** Where a tool call runs: the run it belongs to and the workspace it works in. */
public record ToolContext(String runId, int step, Path workspace) {}
