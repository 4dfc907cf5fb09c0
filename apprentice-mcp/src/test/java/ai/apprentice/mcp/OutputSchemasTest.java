package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The output schema check on its own: drafts, references a server could point us at, and what the model is told. */
class OutputSchemasTest {
    private static McpSchema.Tool tool(String name, String outputSchema) {
        return McpSchema.Tool.builder().name(name).inputSchema(McpJsonDefaults.getMapper(), "{\"type\":\"object\"}")
                .outputSchema(McpJsonDefaults.getMapper(), outputSchema).build();
    }

    private static McpSchema.CallToolResult structured(Object value) {
        return McpSchema.CallToolResult.builder().content(List.of()).structuredContent(value).build();
    }

    @Test
    void aDraftNamedInDollarSchemaIsHonouredAndAnUnknownDialectIsReadAs2020_12() {
        // draft-07: "items" as an array is a tuple (2020-12 would call it invalid or read it otherwise).
        var schemas = new OutputSchemas(List.of(
                tool("d7", "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"type\":\"object\",\"properties\":{\"p\":{\"type\":\"array\",\"items\":[{\"type\":\"string\"}]}}}"),
                tool("custom", "{\"$schema\":\"https://dialects.example/mine\",\"type\":\"object\",\"required\":[\"a\"]}")));
        assertThat(schemas.problem("s", "d7", structured(Map.of("p", List.of("x", 2))))).isNull();
        assertThat(schemas.problem("s", "d7", structured(Map.of("p", List.of(1))))).contains("/p/0: integer found, string expected");
        assertThat(schemas.problem("s", "custom", structured(Map.of("a", 1)))).isNull();
        assertThat(schemas.problem("s", "custom", structured(Map.of()))).contains("(the whole value): required property 'a' not found (schema rule required at #/required)");
    }

    @Test
    void referencesOutsideTheSchemaAreNotLoaded() throws Exception {
        var secret = java.nio.file.Files.createTempFile("schema", ".json");
        java.nio.file.Files.writeString(secret, "{\"enum\":[\"a-local-secret\"]}");
        try {
            var schemas = new OutputSchemas(List.of(
                    tool("file", "{\"type\":\"object\",\"properties\":{\"x\":{\"$ref\":\"" + secret.toUri() + "\"}}}"),
                    tool("remote", "{\"type\":\"object\",\"properties\":{\"x\":{\"$ref\":\"http://127.0.0.1:1/s.json\"}}}"),
                    tool("inside", "{\"type\":\"object\",\"$defs\":{\"n\":{\"type\":\"number\"}},\"properties\":{\"x\":{\"$ref\":\"#/$defs/n\"}}}")));
            var file = schemas.problem("s", "file", structured(Map.of("x", "b")));
            assertThat(file).contains("MCP server 's'").contains("tool 'file'").contains("cannot be applied").doesNotContain("a-local-secret");
            assertThat(schemas.problem("s", "remote", structured(Map.of("x", "b")))).contains("cannot be applied");
            assertThat(schemas.problem("s", "inside", structured(Map.of("x", 1)))).isNull();
            assertThat(schemas.problem("s", "inside", structured(Map.of("x", "one")))).contains("/x: string found, number expected");
        } finally {
            java.nio.file.Files.delete(secret);
        }
    }

    @Test
    void theSameDollarIdOnTwoServersIsTwoSchemas() {
        var a = new OutputSchemas(List.of(tool("t", "{\"$id\":\"https://same.example/s\",\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"number\"}}}")));
        var b = new OutputSchemas(List.of(tool("t", "{\"$id\":\"https://same.example/s\",\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"string\"}}}")));
        assertThat(a.problem("a", "t", structured(Map.of("v", 1)))).isNull();
        assertThat(b.problem("b", "t", structured(Map.of("v", "one")))).isNull();
        assertThat(a.problem("a", "t", structured(Map.of("v", "one")))).contains("MCP server 'a'");
    }

    @Test
    void errorsAreNotCheckedToolsWithoutASchemaAreNotAndManyProblemsAreCut() {
        var props = new StringBuilder();
        for (int i = 0; i < 15; i++) props.append(i == 0 ? "" : ",").append("\"p").append(i).append("\":{\"type\":\"number\"}");
        var schemas = new OutputSchemas(List.of(tool("many", "{\"type\":\"object\",\"properties\":{" + props + "}}"),
                McpSchema.Tool.builder().name("free").inputSchema(McpJsonDefaults.getMapper(), "{\"type\":\"object\"}").build()));
        var values = new java.util.HashMap<String, Object>();
        for (int i = 0; i < 15; i++) values.put("p" + i, "x");
        assertThat(schemas.problem("s", "many", structured(values))).contains("; and 5 more");
        assertThat(schemas.problem("s", "many", McpSchema.CallToolResult.builder().addTextContent("failed").isError(true).build())).isNull();
        assertThat(schemas.problem("s", "many", McpSchema.CallToolResult.builder().addTextContent("{}").build())).contains("no structured content");
        assertThat(schemas.problem("s", "free", structured(List.of(1, 2)))).isNull();
        assertThat(schemas.problem("s", "unlisted", structured("anything"))).isNull();
    }
}
