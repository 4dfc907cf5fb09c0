package ai.apprentice.temporal.run;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Role;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.EventListener;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.store.RunStore;
import ai.apprentice.tools.PolicyGate;
import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker dies while a spawn_agent call's subagent is on its third step (two are stored): the engine's retry of the
 * call resumes that subagent under the same id, instead of starting a new one from scratch.
 */
@Timeout(180)
class SubagentOnTheEngineTest {
    @TempDir Path dir;
    private Path ws;
    private Harness harness;
    private TestWorkflowEnvironment env;
    private final Map<Integer, AtomicInteger> childAsked = new ConcurrentHashMap<>();
    private final AtomicBoolean crashed = new AtomicBoolean();

    /** The worker's process ends where it stands: nothing catches it and nothing more is stored. */
    static final class WorkerDied extends Error {
        WorkerDied() {
            super("the worker died");
        }
    }

    @BeforeEach
    void start() throws Exception {
        var home = Files.createDirectories(dir.resolve("home"));
        ws = Files.createDirectories(dir.resolve("ws"));
        harness = Harness.builder().home(home).env(Map.of("APPRENTICE_SANDBOX", "off")).err(new PrintStream(new ByteArrayOutputStream(), true)).build();
        env = TestWorkflowEnvironment.newInstance();
    }

    @AfterEach
    void stop() {
        env.close();
        harness.close();
    }

    static JsonNode write(String content) {
        var t = Json.object();
        t.putArray("tool_calls").addObject().put("name", "write_file")
                .set("arguments", Json.object().put("path", "report.md").put("content", content));
        return t;
    }

    /**
     * The parent's script and the child's, told apart by the child's instructions. The child's first request for its
     * third step is where the worker dies: the two steps before are stored, the third never ends.
     */
    private Model model() {
        var parent = ScriptedModel.of(
                ScriptedModel.toolTurn("Delegating.", "spawn_agent", "{\"instructions\":\"write the report\",\"output_path\":\"report.md\"}"),
                ScriptedModel.turn("Report done."));
        var child = ScriptedModel.of(write("part one"), write("part one\npart two"), ScriptedModel.turn("wrote report.md"));
        return new Model() {
            @Override public String id() { return "scripted:two"; }

            @Override
            public ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
                boolean isChild = request.messages().stream().anyMatch(m -> m.role() == Role.SYSTEM && m.text().contains("You are a subagent"));
                if (!isChild) return parent.chat(request, listener);
                int turn = 1 + (int) request.messages().stream().filter(m -> m.role() == Role.ASSISTANT).count();
                if (childAsked.computeIfAbsent(turn, t -> new AtomicInteger()).incrementAndGet() == 1 && turn == 3) throw new WorkerDied();
                return child.chat(request, listener);
            }
        };
    }

    private int asked(int turn) {
        return childAsked.getOrDefault(turn, new AtomicInteger()).get();
    }

    /**
     * The harness's own spawn_agent (its subagents built and stored by the session) in a parent whose first spawn_agent
     * result throws before the store sees it: the dead worker never reports the call's end, so the engine retries it.
     */
    private RunAgents agents() {
        var model = model();
        return new RunAgents() {
            @Override public Agent agent(RunInput run, PolicyGate.Approver approver) {
                var flags = Map.<String, Object>of("approve", "auto", "memory", "off");
                var built = harness.session(ws, flags).useModel(model).useApprover(approver).agent();
                EventListener crash = e -> {
                    if (e instanceof Event.ToolResultEvent r && r.name().equals("spawn_agent") && crashed.compareAndSet(false, true)) {
                        throw new RuntimeException("worker died in spawn_agent");
                    }
                };
                return Agent.builder().model(model).workspace(ws).tool(built.tools().tool("spawn_agent")).gate(built.gate())
                        .listener(crash).listener(harness.store()).build();
            }

            @Override public RunStore store() {
                return harness.store();
            }
        };
    }

    @Test
    void twoSpawnAgentCallsInOneReplyGetTwoChildren() {
        var spawnTwo = Json.object();
        var calls = spawnTwo.putArray("tool_calls");
        for (var out : java.util.List.of("a.md", "b.md")) {
            calls.addObject().put("name", "spawn_agent").set("arguments", Json.object().put("instructions", "write " + out).put("output_path", out));
        }
        var parent = ScriptedModel.of(spawnTwo, ScriptedModel.turn("Both done."));
        // each child writes the output its task names, then says so
        Model model = new Model() {
            @Override public String id() { return "scripted:two-children"; }

            @Override
            public ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
                boolean isChild = request.messages().stream().anyMatch(m -> m.role() == Role.SYSTEM && m.text().contains("You are a subagent"));
                if (!isChild) return parent.chat(request, listener);
                var out = request.messages().stream().filter(m -> m.role() == Role.USER).reduce((a, b) -> b).orElseThrow().text()
                        .replaceAll("(?s).*Output file: (\\S+).*", "$1");
                var write = Json.object();
                write.putArray("tool_calls").addObject().put("name", "write_file").set("arguments", Json.object().put("path", out).put("content", out));
                return ScriptedModel.of(write, ScriptedModel.turn("wrote " + out)).chat(request, listener);
            }
        };
        RunWorkers.register(env.newWorker(RunWorkers.TASK_QUEUE), new RunAgents() {
            @Override public Agent agent(RunInput run, PolicyGate.Approver approver) {
                return harness.session(ws, Map.of("approve", "auto", "memory", "off")).useModel(model).useApprover(approver).agent();
            }

            @Override public RunStore store() {
                return harness.store();
            }
        });
        env.start();
        var wf = env.getWorkflowClient().newWorkflowStub(RunWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue(RunWorkers.TASK_QUEUE).setWorkflowId(RunInput.workflowId("two")).build());
        var outcome = wf.run(new RunInput("two", "write two files", ws.toString(), Map.of(), null, 1, RunInput.DEFAULT_STEPS_PER_EXECUTION));

        assertThat(outcome.status()).isEqualTo("succeeded");
        assertThat(harness.store().children("two")).extracting(ai.apprentice.store.RunRecord::id)
                .containsExactlyInAnyOrder(RunIds.child("two", 1, 0), RunIds.child("two", 1, 1));
        assertThat(ws.resolve("a.md")).hasContent("a.md");
        assertThat(ws.resolve("b.md")).hasContent("b.md");
    }

    @Test
    void theRetryResumesTheSubagentWhereTheWorkerDied() {
        RunWorkers.register(env.newWorker(RunWorkers.TASK_QUEUE), agents());
        env.start();
        var wf = env.getWorkflowClient().newWorkflowStub(RunWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue(RunWorkers.TASK_QUEUE).setWorkflowId(RunInput.workflowId("parent")).build());
        var outcome = wf.run(new RunInput("parent", "write a report", ws.toString(), Map.of(), null, 1, RunInput.DEFAULT_STEPS_PER_EXECUTION));

        assertThat(crashed).isTrue();
        assertThat(outcome.status()).isEqualTo("succeeded");
        assertThat(outcome.answer()).isEqualTo("Report done.");
        String child = RunIds.child("parent", 1, 0);
        assertThat(asked(1)).as("the child's first step, asked once").isEqualTo(1);
        assertThat(asked(2)).as("the child's second step, asked once").isEqualTo(1);
        assertThat(asked(3)).as("the step the worker died in, asked again").isEqualTo(2);
        var store = harness.store();
        assertThat(store.children("parent")).singleElement().satisfies(r -> {
            assertThat(r.id()).isEqualTo(child);
            assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
        });
        assertThat(store.events(child)).filteredOn(e -> e instanceof Event.RunStarted).hasSize(1);
        assertThat(store.events(child)).filteredOn(e -> e instanceof Event.RunResumed).singleElement()
                .satisfies(e -> assertThat(((Event.RunResumed) e).fromStep()).isEqualTo(2));
        assertThat(store.events("parent")).filteredOn(e -> e instanceof Event.ToolRerun).hasSize(1);
        assertThat(store.events("parent")).filteredOn(e -> e instanceof Event.ToolResultEvent).singleElement()
                .satisfies(e -> assertThat(((Event.ToolResultEvent) e).content()).contains("by subagent run " + child + ": wrote report.md"));
        assertThat(ws.resolve("report.md")).hasContent("part one\npart two");
    }
}
