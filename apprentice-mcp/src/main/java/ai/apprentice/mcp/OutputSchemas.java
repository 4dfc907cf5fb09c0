package ai.apprentice.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The output schemas of one tool list of one server, each compiled the first time a result of its tool is checked and
 * kept as long as that list is the server's (a new list, after {@code notifications/tools/list_changed} or a
 * reconnect, is a new instance). "If an output schema is provided: Servers MUST provide structured results that
 * conform to this schema. Clients SHOULD validate structured results against this schema" (MCP 2025-11-25, tools).
 *
 * <p>Schemas are JSON Schema 2020-12 (the specification's default) unless they name another draft the validator knows
 * in {@code $schema} (draft-07, which the specification allows, and the others); an unknown dialect is read as 2020-12.
 * A schema that still cannot be compiled or applied makes its tool's results errors that say so. Each list has its own
 * registry, so a {@code $id} one server uses never resolves to another server's schema; a {@code $ref} outside the
 * schema itself is not loaded, except the drafts' own meta-schemas (bundled with the validator): no network, no local
 * files, nothing a server could point us at.
 */
final class OutputSchemas {
    static final OutputSchemas NONE = new OutputSchemas(List.of());
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final int MAX_PROBLEMS = 10;

    private final Map<String, Map<String, Object>> declared = new HashMap<>();
    private final Map<String, Compiled> compiled = new ConcurrentHashMap<>();
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12, b -> b
            .schemaCacheEnabled(false)
            .schemaLoader(l -> l.fetchRemoteResources(false).allow(iri -> iri.toString().matches("https?://json-schema\\.org/.*")))
            .schemaRegistryConfig(SchemaRegistryConfig.builder().pathType(PathType.JSON_POINTER).build()));

    /** A schema compiled, or why it could not be. */
    private record Compiled(Schema schema, String failure) {}

    OutputSchemas(List<McpSchema.Tool> tools) {
        for (var t : tools) {
            if (t.outputSchema() != null) declared.putIfAbsent(t.name(), t.outputSchema());
        }
    }

    /**
     * What is wrong with a result of {@code tool} of server {@code server}, for the model and the person; null when it
     * may go on: the tool declares no output schema, the result is an error (it carries no structured result), or its
     * structured content conforms.
     */
    String problem(String server, String tool, McpSchema.CallToolResult result) {
        var schema = declared.get(tool);
        if (schema == null || Boolean.TRUE.equals(result.isError())) return null;
        var intro = "MCP server '" + server + "': the result of its tool '" + tool + "' was not used: ";
        if (result.structuredContent() == null) {
            return intro + "the tool declares an output schema but the result has no structured content (structuredContent), "
                    + "which the MCP specification requires of it";
        }
        var c = compiled.computeIfAbsent(tool, name -> compile(schema));
        if (c.failure() != null) return intro + "its output schema cannot be applied (" + c.failure() + ")";
        List<com.networknt.schema.Error> errors;
        try {
            errors = c.schema().validate(PLAIN.valueToTree(result.structuredContent()));
        } catch (RuntimeException e) {
            return intro + "its output schema cannot be applied (" + e.getMessage() + ")";
        }
        if (errors.isEmpty()) return null;
        var sb = new StringBuilder(intro).append("its structured content does not match the tool's output schema: ");
        for (int i = 0; i < errors.size() && i < MAX_PROBLEMS; i++) {
            var e = errors.get(i);
            if (i > 0) sb.append("; ");
            var at = String.valueOf(e.getInstanceLocation());
            sb.append(at.isEmpty() ? "(the whole value)" : at).append(": ").append(e.getMessage())
                    .append(" (schema rule ").append(e.getKeyword()).append(" at #").append(e.getEvaluationPath()).append(')');
        }
        if (errors.size() > MAX_PROBLEMS) sb.append("; and ").append(errors.size() - MAX_PROBLEMS).append(" more");
        return sb.toString();
    }

    private Compiled compile(Map<String, Object> schema) {
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) PLAIN.valueToTree(schema);
        try {
            return new Compiled(registry.getSchema(tree), null);
        } catch (RuntimeException e) {
            // A dialect the validator does not know (a custom $schema) is read as 2020-12, the specification's default.
            if (tree.remove("$schema") != null) {
                try {
                    return new Compiled(registry.getSchema(tree), null);
                } catch (RuntimeException ignored) {
                    // the first failure says more
                }
            }
            return new Compiled(null, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }
}
