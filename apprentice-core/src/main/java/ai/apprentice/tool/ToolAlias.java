package ai.apprentice.tool;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.UnaryOperator;

/**
 * Another name for a tool, with its own argument names: calls to {@code name} are rewritten into calls to
 * {@code target} before validation, permission checks and execution. Aliases are not advertised to the
 * model; they let skills written for other agents (e.g. "use Bash") work unchanged.
 */
public record ToolAlias(String name, String target, UnaryOperator<ObjectNode> translate) {}
