package ai.apprentice.harness;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Role;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.store.RunRecord;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A parent interrupted (a server's shutdown) while its subagent works on its third step, then resumed as
 * {@code apprentice runs resume} does: the subagent goes on from its third step under the same id, not from scratch.
 */
@Timeout(120)
class SubagentResumeTest {
    @TempDir Path dir;

    /** The parent's script and the child's, told apart by the child's instructions; counts the child's requests per turn. */
    static final class TwoScripts implements Model {
        final ScriptedModel parent = ScriptedModel.of(
                ScriptedModel.toolTurn("Delegating.", "spawn_agent", "{\"instructions\":\"write the report for account AKIAIOSFODNN7EXAMPLE\",\"output_path\":\"report.md\"}"),
                ScriptedModel.turn("Report done."));
        final ScriptedModel child = ScriptedModel.of(write("part one"), write("part one\npart two"), ScriptedModel.turn("wrote report.md"));
        final Map<Integer, AtomicInteger> childAsked = new ConcurrentHashMap<>();

        static JsonNode write(String content) {
            var t = Json.object();
            t.putArray("tool_calls").addObject().put("name", "write_file")
                    .set("arguments", Json.object().put("path", "report.md").put("content", content));
            return t;
        }

        int asked(int turn) {
            return childAsked.getOrDefault(turn, new AtomicInteger()).get();
        }

        @Override public String id() { return "scripted:two"; }

        @Override
        public ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
            boolean isChild = request.messages().stream().anyMatch(m -> m.role() == Role.SYSTEM && m.text().contains("You are a subagent"));
            if (!isChild) return parent.chat(request, listener);
            int turn = 1 + (int) request.messages().stream().filter(m -> m.role() == Role.ASSISTANT).count();
            // the child's third step waits the first time, until its run is stopped
            if (childAsked.computeIfAbsent(turn, t -> new AtomicInteger()).incrementAndGet() == 1 && turn == 3) Thread.sleep(60_000);
            return child.chat(request, listener);
        }
    }

    @Test
    void aResumedParentResumesItsSubagentWhereItWasCutOff() throws Exception {
        var home = Files.createDirectories(dir.resolve("home"));
        var ws = Files.createDirectories(dir.resolve("ws"));
        var flags = Map.<String, Object>of("approve", "auto", "memory", "off");
        var model = new TwoScripts();
        try (var harness = Harness.builder().home(home).env(Map.of("APPRENTICE_SANDBOX", "off"))
                .err(new PrintStream(new ByteArrayOutputStream(), true)).build()) {
            var handle = harness.session(ws, flags).useModel(model).start("write a report");
            String child = RunIds.child(handle.runId(), 1, 0);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (model.asked(3) == 0 && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(model.asked(3)).as("the child reached its third step").isEqualTo(1);
            assertThat(harness.store().events(child)).filteredOn(e -> e instanceof Event.StepCompleted).hasSize(2);

            handle.interrupt(); // a graceful shutdown: the parent ends interrupted, its subagent with it
            assertThat(handle.await().status()).isEqualTo(RunStatus.INTERRUPTED);

            var resumed = harness.session(ws, flags).useModel(model)
                    .resume(RunSnapshot.fromEvents(harness.store().events(handle.runId()))).await();

            assertThat(resumed.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(resumed.answer()).isEqualTo("Report done.");
            assertThat(model.asked(1)).as("the child's first step, asked once").isEqualTo(1);
            assertThat(model.asked(2)).as("the child's second step, asked once").isEqualTo(1);
            assertThat(model.asked(3)).as("the step in flight, asked again").isEqualTo(2);
            assertThat(harness.store().children(handle.runId())).singleElement().satisfies(r -> {
                assertThat(r.id()).isEqualTo(child);
                assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
            });
            var childEvents = harness.store().events(child);
            // its task holds a secret, kept redacted: the rerun's task still names the same child
            assertThat(((Event.RunStarted) childEvents.getFirst()).task()).doesNotContain("AKIAIOSFODNN7EXAMPLE");
            assertThat(childEvents).filteredOn(e -> e instanceof Event.RunStarted).hasSize(1);
            assertThat(childEvents).filteredOn(e -> e instanceof Event.RunResumed).singleElement()
                    .satisfies(e -> assertThat(((Event.RunResumed) e).fromStep()).isEqualTo(2));
            assertThat(harness.store().events(handle.runId())).filteredOn(e -> e instanceof Event.ToolResultEvent r && !r.error())
                    .singleElement().satisfies(e -> assertThat(((Event.ToolResultEvent) e).content()).contains("by subagent run " + child));
            assertThat(Files.readString(ws.resolve("report.md"))).isEqualTo("part one\npart two");
            assertThat(harness.store().get(handle.runId())).map(RunRecord::status).contains(RunStatus.SUCCEEDED);
        }
    }
}
