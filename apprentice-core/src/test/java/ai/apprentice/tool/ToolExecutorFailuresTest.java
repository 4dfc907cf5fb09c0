package ai.apprentice.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.model.ToolCall;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** No tool call can end the process: whatever a tool throws (bar interruption) is an error observation. */
class ToolExecutorFailuresTest {
    private final ToolContext ctx = new ToolContext("r1", 1, Path.of("."));

    private static int depth(int n) {
        return n == Integer.MIN_VALUE ? 0 : 1 + depth(n + 1);
    }

    private static ToolResult run(Tool tool) throws InterruptedException {
        return new ToolExecutor(List.of(tool), 1000).execute(new ToolCall("1", tool.name(), "{}"), null);
    }

    @Test
    void outOfMemoryBecomesAnErrorObservation() throws Exception {
        var hog = Tools.builder("hog").description("allocates").execute((a, c) -> String.valueOf(new long[Integer.MAX_VALUE - 8].length));
        var result = run(hog);
        assertThat(result.error()).isTrue();
        assertThat(result.content()).contains("ran out of memory");
    }

    @Test
    void stackOverflowBecomesAnErrorObservation() throws Exception {
        var deep = Tools.builder("deep").description("recurses").execute((a, c) -> String.valueOf(depth(0)));
        var result = run(deep);
        assertThat(result.error()).isTrue();
        assertThat(result.content()).startsWith("deep failed:").contains("stack overflow");
    }

    @Test
    void otherErrorsAndExceptionsBecomeErrorObservations() throws Exception {
        var assertion = Tools.builder("assertion").description("x").execute((a, c) -> {
            throw new AssertionError("invariant broken");
        });
        var linkage = Tools.builder("linkage").description("x").execute((a, c) -> {
            throw new NoClassDefFoundError("com/example/Gone");
        });
        var npe = Tools.builder("npe").description("x").execute((a, c) -> {
            throw new NullPointerException();
        });
        assertThat(run(assertion).content()).isEqualTo("assertion failed: AssertionError: invariant broken");
        assertThat(run(linkage).content()).isEqualTo("linkage failed: NoClassDefFoundError: com/example/Gone");
        assertThat(run(npe).content()).isEqualTo("npe failed: NullPointerException");
    }

    @Test
    void interruptionStillStopsTheCall() {
        var interrupted = Tools.builder("sleepy").description("x").execute((a, c) -> {
            throw new InterruptedException();
        });
        assertThatThrownBy(() -> run(interrupted)).isInstanceOf(InterruptedException.class);
        var interruptedThenFailed = Tools.builder("io").description("x").execute((a, c) -> {
            Thread.currentThread().interrupt();
            throw new Error("closed by interrupt");
        });
        assertThatThrownBy(() -> run(interruptedThenFailed)).isInstanceOf(InterruptedException.class);
        Thread.interrupted();
    }
}
