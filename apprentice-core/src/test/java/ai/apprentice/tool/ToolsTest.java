package ai.apprentice.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.model.ToolCall;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolsTest {
    public static class Calculator {
        @ToolMethod(description = "Multiplies two numbers")
        public double multiplyNumbers(@Param("left factor") double x, @Param("right factor") double y) {
            return x * y;
        }

        @ToolMethod(name = "greet", description = "Greets someone")
        public String greet(String name, @Param(value = "add an exclamation", required = false) Boolean loud, ToolContext ctx) {
            return "hello " + name + (Boolean.TRUE.equals(loud) ? "!" : "") + " from " + ctx.runId();
        }
    }

    private final ToolContext ctx = new ToolContext("r1", 1, Path.of("."));

    @Test
    void annotatedMethodsBecomeToolsWithSchemas() throws Exception {
        var tools = Tools.from(new Calculator());
        var exec = new ToolExecutor(tools, 1000);
        assertThat(exec.names()).containsExactlyInAnyOrder("multiply_numbers", "greet");
        var mul = exec.tool("multiply_numbers");
        assertThat(mul.parameters().at("/properties/x/type").asText()).isEqualTo("number");
        assertThat(mul.parameters().at("/properties/x/description").asText()).isEqualTo("left factor");
        assertThat(mul.parameters().get("required")).hasSize(2);
        assertThat(exec.execute(new ToolCall("1", "multiply_numbers", "{\"x\": 6, \"y\": 7}"), ctx).content()).isEqualTo("42.0");
        assertThat(exec.execute(new ToolCall("2", "greet", "{\"name\": \"Ada\"}"), ctx).content()).isEqualTo("hello Ada from r1");
        assertThat(exec.tool("greet").parameters().get("required").toString()).isEqualTo("[\"name\"]");
    }

    @Test
    void schemaViolationsAreReportedPrecisely() throws Exception {
        var exec = new ToolExecutor(Tools.from(new Calculator()), 1000);
        var missing = exec.execute(new ToolCall("1", "multiply_numbers", "{\"x\": 6}"), ctx);
        assertThat(missing.error()).isTrue();
        assertThat(missing.content()).contains("y").contains("required");
        var extra = exec.execute(new ToolCall("1", "multiply_numbers", "{\"x\": 6, \"y\": 1, \"z\": 2}"), ctx);
        assertThat(extra.content()).contains("z");
        var notObject = exec.execute(new ToolCall("1", "multiply_numbers", "[1,2]"), ctx);
        assertThat(notObject.content()).contains("must be a JSON object");
    }

    @Test
    void rejectsBadDefinitions() {
        assertThatThrownBy(() -> Tools.builder("has space")).hasMessageContaining("Tool name");
        assertThatThrownBy(() -> Tools.from(new Object())).hasMessageContaining("no public @ToolMethod");
        var t = Tools.builder("same").execute((a, c) -> "");
        assertThatThrownBy(() -> new ToolExecutor(List.of(t, t), 10)).hasMessageContaining("Two tools are named same");
    }

    @Test
    void truncationKeepsHeadAndTail() {
        var text = "HEAD" + "x".repeat(1000) + "TAIL";
        var cut = ToolExecutor.truncate(text, 100);
        assertThat(cut).startsWith("HEAD").endsWith("TAIL").contains("truncated 908 of 1008 characters");
    }
}
