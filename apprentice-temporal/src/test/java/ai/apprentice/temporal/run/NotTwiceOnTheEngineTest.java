package ai.apprentice.temporal.run;

import static ai.apprentice.model.scripted.ScriptedModel.toolTurn;
import static ai.apprentice.model.scripted.ScriptedModel.turn;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.harness.Harness;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.EventListener;
import ai.apprentice.store.RunStore;
import ai.apprentice.tool.Tool;
import ai.apprentice.tools.PolicyGate;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tool that must not run twice, so marked by the user's {@code tool_effects} (run_shell is at-least-once by its own
 * account), whose worker dies after the call started and ran: the engine's retry does not run it again unasked.
 */
@Timeout(180)
class NotTwiceOnTheEngineTest {
    private static final String PAY = "{\"command\":\"echo paid >> ledger.txt\"}";
    @TempDir Path dir;
    private Path ws;
    private Harness harness;
    private TestWorkflowEnvironment env;
    /** The tools whose worker died after they ran (once per run: the first tool_result never reaches the store). */
    private final List<String> crashed = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        var home = Files.createDirectories(dir.resolve("home"));
        ws = Files.createDirectories(dir.resolve("ws"));
        Files.writeString(home.resolve("config.yaml"), """
                tool_effects:
                  run_shell: not_twice
                """);
        harness = Harness.builder().home(home).env(Map.of("APPRENTICE_SANDBOX", "off")).err(new PrintStream(new ByteArrayOutputStream(), true)).build();
        env = TestWorkflowEnvironment.newInstance();
    }

    @AfterEach
    void stop() {
        env.close();
        harness.close();
    }

    /**
     * The harness's own run_shell and gate for this workspace's settings with {@code approve: mode}, in an agent whose
     * first tool_result throws before the store sees it, as a worker dying there would.
     */
    private RunAgents agents(String mode) {
        var model = ScriptedModel.of(toolTurn("Paying.", "run_shell", PAY), turn("Done."));
        return new RunAgents() {
            @Override public Agent agent(RunInput run, PolicyGate.Approver approver) {
                // in auto mode an allow rule lets the first call run; in ask mode a person allows it
                var flags = Map.<String, Object>of("approve", mode, "memory", "off", "permissions.allow", mode.equals("auto") ? List.of("run_shell(echo *)") : List.of());
                var built = harness.session(ws, flags).useModel(model).useApprover(approver).agent();
                EventListener crash = e -> {
                    if (e instanceof Event.ToolResultEvent r && crashed.isEmpty()) {
                        crashed.add(r.name());
                        throw new RuntimeException("worker died after " + r.name() + " ran");
                    }
                };
                return Agent.builder().model(model).workspace(ws).tool(built.tools().tool("run_shell")).gate(built.gate())
                        .listener(crash).listener(harness.store()).build();
            }

            @Override public RunStore store() {
                return harness.store();
            }
        };
    }

    private RunWorkflow workflow(RunAgents agents, String runId) {
        RunWorkers.register(env.newWorker(RunWorkers.TASK_QUEUE), agents);
        env.start();
        return env.getWorkflowClient().newWorkflowStub(RunWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue(RunWorkers.TASK_QUEUE).setWorkflowId(RunInput.workflowId(runId)).build());
    }

    private RunInput input(String runId) {
        return new RunInput(runId, "pay once", ws.toString(), Map.of(), null, 1, RunInput.DEFAULT_STEPS_PER_EXECUTION);
    }

    /** How many times the payment really ran. */
    private long paid() throws Exception {
        return Files.exists(ws.resolve("ledger.txt")) ? Files.readAllLines(ws.resolve("ledger.txt")).size() : 0;
    }

    private List<Event> events(String runId) {
        return harness.store().events(runId);
    }

    private List<Event.PermissionDecision> decisions(String runId) {
        return events(runId).stream().filter(e -> e instanceof Event.PermissionDecision).map(e -> (Event.PermissionDecision) e).toList();
    }

    private Event.ToolResultEvent result(String runId) {
        return events(runId).stream().filter(e -> e instanceof Event.ToolResultEvent).map(e -> (Event.ToolResultEvent) e)
                .reduce((a, b) -> b).orElseThrow();
    }

    /** Starts the run, answers its first question (run_shell may run), and returns the view of what it asks next. */
    private RunView approvedOnceThenCrashed(RunWorkflow wf, String runId) throws Exception {
        WorkflowClient.start(wf::run, input(runId));
        var first = awaitWaiting(wf, null);
        assertThat(first.waitingFor().subject()).doesNotContain("again after a crash");
        wf.approve(first.waitingFor().id(), new Answer(true, null, "ada"));
        var again = awaitWaiting(wf, first.waitingFor().subject());
        assertThat(crashed).containsExactly("run_shell");
        assertThat(paid()).as("it ran once before the worker died").isEqualTo(1);
        assertThat(again.waitingFor().id()).isEqualTo("1:0");
        assertThat(again.waitingFor().subject()).startsWith("again after a crash: ").contains("echo paid");
        return again;
    }

    @Test
    void theSettingMakesTheShellNotTwice() {
        var agent = agents("auto").agent(input("e"), (tool, subject, args) -> {
            throw new AssertionError("asked");
        });
        assertThat(agent.tools().tool("run_shell").effect()).isEqualTo(Tool.Effect.NOT_TWICE);
    }

    @Test
    void inAskModeTheRerunWaitsForAPersonAndRunsOnceMoreWhenAllowed() throws Exception {
        var wf = workflow(agents("ask"), "allow");
        var again = approvedOnceThenCrashed(wf, "allow");
        wf.approve(again.waitingFor().id(), new Answer(true, null, "bob"));
        var outcome = WorkflowStub.fromTyped(wf).getResult(60, TimeUnit.SECONDS, RunOutcome.class);

        assertThat(outcome.status()).isEqualTo("succeeded");
        assertThat(outcome.answer()).isEqualTo("Done.");
        assertThat(paid()).isEqualTo(2);
        assertThat(decisions("allow")).extracting(Event.PermissionDecision::decidedBy)
                .containsExactly("user ada (once)", "user bob (once, again after a crash)");
        assertThat(events("allow")).noneMatch(e -> e instanceof Event.ToolRerun); // asked, not rerun knowingly
        assertThat(result("allow").error()).isFalse();
    }

    @Test
    void inAskModeADeniedRerunTellsTheModelAndTheToolDoesNotRunAgain() throws Exception {
        var wf = workflow(agents("ask"), "deny");
        var again = approvedOnceThenCrashed(wf, "deny");
        wf.approve(again.waitingFor().id(), new Answer(false, "it was paid already", "bob"));
        var outcome = WorkflowStub.fromTyped(wf).getResult(60, TimeUnit.SECONDS, RunOutcome.class);

        assertThat(outcome.status()).isEqualTo("succeeded");
        assertThat(paid()).isEqualTo(1);
        var result = result("deny");
        assertThat(result.error()).isTrue();
        assertThat(result.content()).contains("must not run twice", "declined to run it again");
        assertThat(decisions("deny")).extracting(Event.PermissionDecision::allowed).containsExactly(true, false);
    }

    @Test
    void withNobodyToAskTheRerunIsRefusedAndTheModelTold() throws Exception {
        // auto mode: the allow rule lets the first call run unasked; after the crash nobody can be asked
        var wf = workflow(agents("auto"), "auto");
        var outcome = wf.run(input("auto"));

        assertThat(crashed).containsExactly("run_shell");
        assertThat(outcome.status()).isEqualTo("succeeded");
        assertThat(outcome.answer()).isEqualTo("Done.");
        assertThat(paid()).isEqualTo(1);
        var result = result("auto");
        assertThat(result.error()).isTrue();
        assertThat(result.content()).contains("must not run twice", "in auto mode nobody is asked");
        assertThat(decisions("auto")).extracting(Event.PermissionDecision::decidedBy).last().isEqualTo("not_twice");
        assertThat(events("auto")).filteredOn(e -> e instanceof Event.ToolCallEvent).hasSize(1);
    }

    /** Polls the status query until the workflow waits for a person with a question other than {@code not}. */
    private static RunView awaitWaiting(RunWorkflow wf, String not) throws InterruptedException {
        RunView view = null;
        for (int i = 0; i < 600; i++) {
            view = wf.status();
            if (view.state().equals("waiting_for_approval") && !view.waitingFor().subject().equals(not)) return view;
            if (view.state().equals("finished")) break;
            Thread.sleep(50);
        }
        throw new AssertionError("the workflow never waited for a person (again); last: " + view);
    }
}
