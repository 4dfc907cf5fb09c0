package ai.apprentice.temporal.run;

import static ai.apprentice.model.scripted.ScriptedModel.toolTurn;
import static ai.apprentice.model.scripted.ScriptedModel.turn;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.Agent;
import ai.apprentice.store.RunStore;
import ai.apprentice.tools.ApprovalMode;
import ai.apprentice.tools.PermissionRules;
import ai.apprentice.tools.PolicyGate;
import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker keeps a run's agent and events between its parts, and the store stays the truth: two workers (each its
 * own activities, one store) carry out one run's parts in turn, and a worker whose kept run the other one moved on
 * builds it again; the events are those of the run in process.
 */
@Timeout(60)
class WarmRunsTest {
    @TempDir Path dir;
    private RunStore store;
    private TestActivityEnvironment first, second;

    @BeforeEach
    void start() {
        store = RunStore.open(dir.resolve("runs.db"));
        first = TestActivityEnvironment.newInstance();
        second = TestActivityEnvironment.newInstance();
    }

    @AfterEach
    void stop() {
        first.close();
        second.close();
        store.close();
    }

    private static JsonNode[] script() {
        return new JsonNode[] {
                toolTurn("Logging.", "run_shell", "{\"command\":\"echo ran >> log.txt\"}"),
                toolTurn("Writing.", "write_file", "{\"path\":\"notes.txt\",\"content\":\"hello\\n\"}"),
                turn("Logged and wrote.")};
    }

    /** Agents of one scripted model (its replies come in order whichever worker asks), counting how many are built. */
    private RunAgents agents(AtomicInteger built) {
        var model = ScriptedModel.of(script());
        return new RunAgents() {
            @Override public Agent agent(RunInput run, PolicyGate.Approver approver) {
                built.incrementAndGet();
                var ws = Path.of(run.workspace());
                return Agent.builder().model(model).workspace(ws).tools(RunWorkflowTest.hands(ws)).listener(store)
                        .gate(new PolicyGate(PermissionRules.of(List.of(), List.of(), List.of()), ApprovalMode.ALL, approver, false, ws))
                        .build();
            }

            @Override public RunStore store() { return store; }
        };
    }

    private static RunActivities stub(TestActivityEnvironment env) {
        return env.newActivityStub(RunActivities.class, ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(1))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
    }

    @Test
    void aWorkerReusesItsRunsAgentUntilAnotherWorkerMovedTheRunOnAndDropsItAtTheEnd() throws Exception {
        var built = new AtomicInteger();
        var agents = agents(built);
        var a = new RunActivitiesImpl(agents);
        var b = new RunActivitiesImpl(agents);
        first.registerActivitiesImplementations(a);
        second.registerActivitiesImplementations(b);
        var onA = stub(first);
        var onB = stub(second);
        var ws = Files.createDirectories(dir.resolve("engine"));
        var in = new RunInput("r", "log and write", ws.toString(), Map.of(), null, 1, RunInput.DEFAULT_STEPS_PER_EXECUTION);

        onA.begin(in);
        assertThat(onA.model(in, 1).toolCalls()).isEqualTo(1);
        assertThat(built).as("begin's agent carried out step 1's model call").hasValue(1);
        assertThat(a.warmRuns()).isEqualTo(1);

        var tool = onB.tool(in, 1, 0, null, true); // another worker: it builds the run from the store
        assertThat(tool.completed()).isTrue();
        assertThat(tool.ended()).isNull();
        assertThat(built).hasValue(2);

        // back on the first worker: the store has events its kept run has not seen, so it builds the run again
        assertThat(onA.model(in, 2).toolCalls()).isEqualTo(1);
        assertThat(built).hasValue(3);
        assertThat(onA.tool(in, 2, 0, null, true).ended()).isNull();
        assertThat(onA.model(in, 3).toolCalls()).isZero();
        assertThat(built).as("nothing happened elsewhere: the kept agent").hasValue(3);
        var end = onA.complete(in, 3);
        assertThat(end.status()).isEqualTo("succeeded");
        assertThat(end.answer()).isEqualTo("Logged and wrote.");
        assertThat(a.warmRuns()).as("a run that ended is not kept").isZero();

        // a part after the end builds from the store (nothing kept) and says how the run ended
        assertThat(onA.stop(in, "cancelled", "cancelled", null).status()).isEqualTo("succeeded");
        assertThat(built).hasValue(4);

        // the same script in process: the same events
        var local = agents(new AtomicInteger()).agent(new RunInput("local", "log and write", Files.createDirectories(dir.resolve("local")).toString(),
                Map.of(), null, 1, 1), null);
        local.start("local", "log and write", null).await();
        assertThat(store.events("r")).extracting(RunWorkflowTest::comparable)
                .containsExactlyElementsOf(store.events("local").stream().map(RunWorkflowTest::comparable).toList());
        assertThat(Files.readString(ws.resolve("log.txt"))).isEqualTo("ran\n");
    }

    @Test
    void aPartThatFailsDropsWhatTheWorkerKept() throws Exception {
        var built = new AtomicInteger();
        var a = new RunActivitiesImpl(agents(built));
        first.registerActivitiesImplementations(a);
        var onA = stub(first);
        var in = new RunInput("f", "log and write", Files.createDirectories(dir.resolve("f")).toString(), Map.of(), null, 1,
                RunInput.DEFAULT_STEPS_PER_EXECUTION);
        onA.begin(in);
        assertThat(a.warmRuns()).isEqualTo(1);
        try {
            onA.complete(in, 1); // step 1 has no model reply yet: the part fails
        } catch (RuntimeException expected) {
            // the activity failed, as it should
        }
        assertThat(a.warmRuns()).isZero();
        assertThat(onA.model(in, 1).toolCalls()).isEqualTo(1);
        assertThat(built).as("built again after the failed part").hasValue(2);
    }
}
