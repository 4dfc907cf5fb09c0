package ai.apprentice.temporal.run;

import static ai.apprentice.model.scripted.ScriptedModel.toolTurn;
import static ai.apprentice.model.scripted.ScriptedModel.turn;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Budget;
import ai.apprentice.runtime.Event;
import ai.apprentice.store.RunStore;
import ai.apprentice.tools.ApprovalMode;
import ai.apprentice.tools.PermissionRules;
import ai.apprentice.tools.PolicyGate;
import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long a part may take: the run's timeout (with a grace), else a day, never the old fixed 30 minutes; a worker
 * that stops beating is still noticed by the heartbeat timeout, and a tool's own timeout still ends its part.
 *
 * <p>Not tested with time skipping: Temporal's test server does not skip time while an activity is scheduled (it
 * locks time skipping until the activity closes), and skipping past 30 minutes by force would also pass the 5 s
 * heartbeat timeout. So the bound is checked where Temporal enforces it, in the scheduled activities' timeouts.
 */
@Timeout(120)
class PartTimeoutsTest {
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

    private RunAgents agents(Duration timeout, JsonNode... turns) {
        var model = ScriptedModel.of(turns);
        return new RunAgents() {
            @Override public Agent agent(RunInput run, PolicyGate.Approver approver) {
                var ws = Path.of(run.workspace());
                var b = Agent.builder().model(model).workspace(ws).tools(RunWorkflowTest.hands(ws)).listener(store)
                        .gate(new PolicyGate(PermissionRules.of(List.of(), List.of(), List.of()), ApprovalMode.ALL, approver, false, ws));
                if (timeout != null) b.budget(Budget.DEFAULT.withTimeout(timeout));
                return b.build();
            }

            @Override public RunStore store() { return store; }
        };
    }

    private RunInput input(String runId) throws Exception {
        var ws = Files.createDirectories(dir.resolve("ws-" + runId));
        return new RunInput(runId, "log it", ws.toString(), Map.of(), null, 1, RunInput.DEFAULT_STEPS_PER_EXECUTION);
    }

    private RunWorkflow stub(String runId) {
        return env.getWorkflowClient().newWorkflowStub(RunWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue(RunWorkers.TASK_QUEUE).setWorkflowId(RunInput.workflowId(runId)).build());
    }

    private List<HistoryEvent> history(String runId) {
        var request = GetWorkflowExecutionHistoryRequest.newBuilder().setNamespace(env.getNamespace())
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(RunInput.workflowId(runId))).build();
        return env.getWorkflowServiceStubs().blockingStub().getWorkflowExecutionHistory(request).getHistory().getEventsList();
    }

    /** Each scheduled part: its activity type and its start-to-close timeout. */
    private List<String> scheduled(String runId) {
        var out = new ArrayList<String>();
        for (var e : history(runId)) {
            if (e.getEventType() != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) continue;
            var a = e.getActivityTaskScheduledEventAttributes();
            assertThat(a.getHeartbeatTimeout().getSeconds()).as("heartbeat timeout of " + a.getActivityType().getName()).isEqualTo(5);
            out.add(a.getActivityType().getName() + " " + Duration.ofSeconds(a.getStartToCloseTimeout().getSeconds()));
        }
        return out;
    }

    private static long millis(HistoryEvent e) {
        return e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
    }

    private static JsonNode[] logIt() {
        return new JsonNode[] {toolTurn("Logging.", "run_shell", "{\"command\":\"echo ran >> log.txt\"}"), turn("Logged.")};
    }

    @Test
    void aPartMayTakeAsLongAsTheRunMayOrADayWithoutATimeoutNotThirtyMinutes() throws Exception {
        var worker = env.newWorker(RunWorkers.TASK_QUEUE);
        var plain = agents(null, logIt());
        var timed = agents(Duration.ofHours(2), logIt());
        // one worker, the agents told apart by run id
        RunWorkers.register(worker, new RunAgents() {
            @Override public Agent agent(RunInput run, PolicyGate.Approver approver) {
                return (run.runId().equals("timed") ? timed : plain).agent(run, approver);
            }

            @Override public RunStore store() { return store; }
        });
        env.start();

        assertThat(stub("plain").run(input("plain")).status()).isEqualTo("succeeded");
        assertThat(stub("timed").run(input("timed")).status()).isEqualTo("succeeded");

        // no timeout: every part may take a day (a run_shell may be given an hour; the old bound cut it at 30 min)
        assertThat(scheduled("plain")).containsExactly("Begin PT24H", "Model PT24H", "Tool PT24H", "Model PT24H", "Complete PT24H");
        // a 2 h timeout: the part may take the run's whole budget and a minute (the deadline cancels it first);
        // begin finds the timeout, so it is bounded by the day
        assertThat(scheduled("timed")).containsExactly("Begin PT24H", "Model PT2H1M", "Tool PT2H1M", "Model PT2H1M", "Complete PT2H1M");
        assertThat(RunWorkflowImpl.partTimeout(input("x"))).isEqualTo(Duration.ofHours(24));
        assertThat(RunWorkflowImpl.partTimeout(input("x").began(1, Duration.ofMinutes(90).toMillis()))).isEqualTo(Duration.ofMinutes(91));
    }

    /** The parts of a worker whose first model part stops beating and never returns, as a worker that was killed. */
    private static final class DyingOnce implements RunActivities {
        final RunActivities real;
        final CountDownLatch never = new CountDownLatch(1);
        final AtomicInteger modelAttempts = new AtomicInteger();

        DyingOnce(RunActivities real) {
            this.real = real;
        }

        @Override public Long begin(RunInput input) { return real.begin(input); }
        @Override public Long timeout(RunInput input) { return real.timeout(input); }

        @Override public Reply model(RunInput input, int step) {
            if (modelAttempts.incrementAndGet() == 1) {
                try {
                    never.await(); // no heartbeat, no result: the server hears nothing more of this attempt
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("the dead worker's attempt came back");
            }
            return real.model(input, step);
        }

        @Override public ToolOutcome tool(RunInput input, int step, int index, Answer answer, boolean completeStep) {
            return real.tool(input, step, index, answer, completeStep);
        }

        @Override public RunOutcome complete(RunInput input, int step) { return real.complete(input, step); }
        @Override public RunOutcome stop(RunInput input, String status, String reason, String error) { return real.stop(input, status, reason, error); }
        @Override public RunOutcome timedOut(RunInput input, int step) { return real.timedOut(input, step); }
        @Override public void feedback(String runId, String rating, String note, String author) { real.feedback(runId, rating, note, author); }
    }

    @Test
    void aPartOfAWorkerThatStopsBeatingIsRetriedAfterTheHeartbeatTimeout() throws Exception {
        var worker = env.newWorker(RunWorkers.TASK_QUEUE);
        var dying = new DyingOnce(new RunActivitiesImpl(agents(null, logIt())));
        worker.registerWorkflowImplementationTypes(RunWorkflowImpl.class);
        worker.registerActivitiesImplementations(dying);
        env.start();
        try {
            long t0 = System.nanoTime();
            var wf = stub("d");
            WorkflowClient.start(wf::run, input("d"));
            var outcome = WorkflowStub.fromTyped(wf).getResult(60, TimeUnit.SECONDS, RunOutcome.class);
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;

            assertThat(outcome.status()).isEqualTo("succeeded");
            assertThat(dying.modelAttempts.get()).isEqualTo(3); // the dead attempt, then steps 1 and 2
            assertThat(seconds).as("retried after the 5 s heartbeat timeout, not the part's day").isLessThan(40);
            // the model part's second attempt began after the first one's 5 s heartbeat timeout and the 1 s back-off
            // (the test server records the last attempt's start, without the first one's failure)
            var events = history("d");
            var scheduled = events.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).toList();
            var started = events.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED).toList();
            assertThat(scheduled.get(1).getActivityTaskScheduledEventAttributes().getActivityType().getName()).isEqualTo("Model");
            var retried = started.stream().filter(e -> e.getActivityTaskStartedEventAttributes().getScheduledEventId() == scheduled.get(1).getEventId())
                    .findFirst().orElseThrow();
            assertThat(retried.getActivityTaskStartedEventAttributes().getAttempt()).isEqualTo(2);
            assertThat(millis(retried) - millis(scheduled.get(1))).as("ms from the model part's schedule to its second attempt").isBetween(5_000L, 30_000L);
            assertThat(started).filteredOn(e -> e != retried).allSatisfy(e -> assertThat(e.getActivityTaskStartedEventAttributes().getAttempt()).isEqualTo(1));
            assertThat(store.events("d")).filteredOn(e -> e instanceof Event.ModelReply).hasSize(2);
        } finally {
            dying.never.countDown();
        }
    }

    @Test
    void aToolsOwnTimeoutStillEndsItsPart() throws Exception {
        var worker = env.newWorker(RunWorkers.TASK_QUEUE);
        RunWorkers.register(worker, agents(null, toolTurn("Waiting.", "run_shell", "{\"command\":\"sleep 60\",\"timeout_seconds\":2}"),
                turn("It took too long.")));
        env.start();
        long t0 = System.nanoTime();
        var outcome = stub("s").run(input("s"));
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;

        assertThat(outcome.status()).isEqualTo("succeeded");
        assertThat(outcome.answer()).isEqualTo("It took too long.");
        assertThat(seconds).as("the command was killed at its 2 s, not at the end of sleep 60").isLessThan(30);
        var result = store.events("s").stream().filter(e -> e instanceof Event.ToolResultEvent).map(e -> (Event.ToolResultEvent) e).toList();
        assertThat(result).singleElement().satisfies(r -> assertThat(r.content()).contains("timed out after 2 s"));
        // one attempt of each part: the tool's part ended by itself, nothing was cut or retried
        assertThat(history("s")).filteredOn(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
                .allSatisfy(e -> assertThat(e.getActivityTaskStartedEventAttributes().getAttempt()).isEqualTo(1));
    }
}
