package ai.apprentice.tool;

import com.fasterxml.jackson.databind.JsonNode;

/** The body of a tool built with {@link ToolBuilder}. Return a String or a {@link ToolResult}. */
@FunctionalInterface
public interface ToolFunction {
    Object apply(JsonNode arguments, ToolContext context) throws Exception;
}
