package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.tool.ToolResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A run cancelled mid-call (its thread interrupted) cancels the call at the server with notifications/cancelled. */
@Timeout(120)
class McpCancelTest {
    @TempDir Path tmp;

    @Test
    void anInterruptedCallIsCancelledAtTheServerAndTheConnectionStaysUp() throws Exception {
        var entered = new CountDownLatch(1);
        var cancelled = new CountDownLatch(1);
        var backend = new ApprenticeBackend() {
            @Override
            public Outcome runTask(String task, Path workspace, String model, Integer maxSteps, Control control) throws InterruptedException {
                control.onCancel(cancelled::countDown);
                entered.countDown();
                boolean stopped = cancelled.await(60, TimeUnit.SECONDS);
                return new Outcome("run-1", stopped ? "cancelled" : "succeeded", stopped ? null : "ran to its end", stopped ? "cancelled" : null);
            }

            @Override public String listRunsJson(int limit) { return "[{\"id\":\"run-1\"}]"; }
            @Override public String getRunJson(String id) { return "{}"; }
        };
        try (var server = ApprenticeMcpServer.http(backend, ApprenticeMcpServer.Options.confinedTo(tmp), "127.0.0.1", 0);
             var mcp = new McpClientManager(List.of(McpServerConfig.http("apprentice", server.url(), Map.of())), Duration.ofSeconds(60))) {
            var tools = mcp.tools();
            var runTask = tools.stream().filter(t -> t.name().equals("mcp__apprentice__run_task")).findFirst().orElseThrow();
            var result = new AtomicReference<ToolResult>();
            var caller = new Thread(() -> {
                try {
                    result.set(runTask.execute(Json.object().put("task", "slow work"), null));
                } catch (Exception e) {
                    result.set(ToolResult.error("threw " + e));
                }
            });
            caller.start();
            assertThat(entered.await(30, TimeUnit.SECONDS)).as("the task started").isTrue();
            caller.interrupt(); // what a run's cancellation does to a tool call in progress
            assertThat(cancelled.await(30, TimeUnit.SECONDS)).as("the server got notifications/cancelled for the call").isTrue();
            caller.join(30_000);
            assertThat(result.get().error()).isTrue();
            assertThat(result.get().content()).contains("cancelled");
            // Not counted as the server failing: the next call goes through at once.
            var list = tools.stream().filter(t -> t.name().equals("mcp__apprentice__list_runs")).findFirst().orElseThrow()
                    .execute(Json.object(), null);
            assertThat(list.error()).as(list.content()).isFalse();
            assertThat(list.content()).contains("run-1");
        }
    }
}
