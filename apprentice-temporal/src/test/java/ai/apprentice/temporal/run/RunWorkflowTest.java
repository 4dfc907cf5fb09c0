package ai.apprentice.temporal.run;

import static ai.apprentice.model.scripted.ScriptedModel.turn;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Event;
import ai.apprentice.store.RunStore;
import ai.apprentice.tools.PolicyGate;
import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class RunWorkflowTest {
    @TempDir Path dir;
    private TestWorkflowEnvironment env;
    private RunStore store;

    @BeforeEach
    void start() {
        store = RunStore.open(dir.resolve("runs.db"));
        env = TestWorkflowEnvironment.newInstance();
    }

    @AfterEach
    void stop() {
        env.close();
        store.close();
    }

    /** Agents from a script, storing into this test's run store. */
    private RunAgents scripted(JsonNode... turns) {
        var model = ScriptedModel.of(turns);
        return new RunAgents() {
            @Override public Agent agent(RunInput run, PolicyGate.Approver approver) {
                return Agent.builder().model(model).workspace(Path.of(run.workspace())).listener(store).build();
            }

            @Override public RunStore store() {
                return store;
            }
        };
    }

    private RunOutcome run(RunAgents agents, RunInput input) {
        var worker = env.newWorker(RunWorkers.TASK_QUEUE);
        RunWorkers.register(worker, agents);
        env.start();
        var wf = env.getWorkflowClient().newWorkflowStub(RunWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue(RunWorkers.TASK_QUEUE).setWorkflowId(RunInput.workflowId(input.runId())).build());
        try {
            return wf.run(input);
        } catch (RuntimeException e) {
            System.err.println("workflow failed: " + e);
            for (var ev : store.events(input.runId())) System.err.println("  " + ev);
            throw e;
        }
    }

    @Test
    void theSmallestRunAnswersOnce() {
        var outcome = run(scripted(turn("Four.")), new RunInput("r1", "What is 2+2?", dir.toString(), Map.of(), null, 1, 50));
        assertThat(outcome.status()).isEqualTo("succeeded");
        assertThat(outcome.answer()).isEqualTo("Four.");
        assertThat(store.events("r1")).extracting(Event::type)
                .containsExactly("run_started", "usage", "model_reply", "step_completed", "run_finished");
        assertThat(store.get("r1").orElseThrow().status().wireName()).isEqualTo("succeeded");
    }
}
