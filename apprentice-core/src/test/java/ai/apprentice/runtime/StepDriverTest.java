package ai.apprentice.runtime;

import static ai.apprentice.model.scripted.ScriptedModel.toolTurn;
import static ai.apprentice.model.scripted.ScriptedModel.turn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.json.Json;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolGate;
import ai.apprentice.tool.Tools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class StepDriverTest {
    /**
     * A run log as a store keeps one: events handed over are held until flushed, and a crash loses what was not
     * flushed, except the events a run store commits at once. {@code crashOn} makes the next event of that type fail as a dying worker would, before it is kept.
     */
    static final class Log implements RunLog, EventListener {
        final List<Event> stored = new CopyOnWriteArrayList<>();
        final List<Event> held = new ArrayList<>();
        volatile String crashOn;

        @Override public synchronized void onEvent(Event e) {
            if (!e.persistent()) return;
            if (e.type().equals(crashOn)) {
                crashOn = null;
                held.clear();
                throw new IllegalStateException("worker died");
            }
            held.add(e);
            if (AT_ONCE.contains(e.type())) flush(); // as the run store commits them
        }

        static final java.util.Set<String> AT_ONCE = java.util.Set.of("run_started", "run_resumed", "step_completed", "run_finished", "error");

        @Override public synchronized List<Event> events(String runId) {
            return stored.stream().filter(e -> e.runId().equals(runId)).toList();
        }

        @Override public synchronized void flush() {
            stored.addAll(held);
            held.clear();
        }

        List<String> types() {
            return stored.stream().map(Event::type).toList();
        }
    }

    private final AtomicInteger counted = new AtomicInteger();

    private Tool counter(Tool.Effect effect) {
        return Tools.builder("count").description("counts").effect(effect)
                .execute((args, ctx) -> "count " + counted.incrementAndGet());
    }

    private static final JsonNode[] SCRIPT = {toolTurn("Counting.", "count", "{}"), toolTurn("Again.", "count", "{}"), turn("Counted twice.")};

    /** Carries a run through the driver's parts, as an engine's workflow would. */
    static RunResult drive(StepDriver driver, String runId, String task) throws InterruptedException {
        driver.begin(runId, task, null);
        for (int step = 1; ; step++) {
            var reply = driver.model(runId, step);
            if (reply.ended() != null) return reply.ended();
            for (int i = 0; i < reply.toolCalls(); i++) driver.tool(runId, step, i);
            var end = driver.complete(runId, step);
            if (end != null) return end;
        }
    }

    /** An event as JSON without what differs between two runs of the same script: ids, times, durations. */
    static JsonNode comparable(Event e) {
        var tree = (ObjectNode) Json.MAPPER.valueToTree(e);
        tree.remove(List.of("run_id", "at", "duration_ms"));
        return tree;
    }

    @Test
    void theDriversPartsMakeTheEventsOfTheInProcessLoop() throws Exception {
        var inProcess = new Log();
        var a = Agent.builder().model(ScriptedModel.of(SCRIPT)).tool(counter(Tool.Effect.AT_LEAST_ONCE)).listener(inProcess).build();
        var expected = a.start("count twice").await();
        inProcess.flush();
        counted.set(0);

        var parts = new Log();
        var b = Agent.builder().model(ScriptedModel.of(SCRIPT)).tool(counter(Tool.Effect.AT_LEAST_ONCE)).listener(parts).build();
        var result = drive(new StepDriver(b, parts), "r1", "count twice");

        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(result.answer()).isEqualTo(expected.answer()).isEqualTo("Counted twice.");
        assertThat(result.steps()).isEqualTo(3);
        assertThat(parts.types()).containsExactlyElementsOf(inProcess.types())
                .contains("model_reply", "tool_call", "tool_result", "step_completed");
        assertThat(parts.stored).extracting(StepDriverTest::comparable).containsExactlyElementsOf(inProcess.stored.stream().map(StepDriverTest::comparable).toList());
        assertThat(RunSnapshot.fromEvents(parts.stored).history()).isEqualTo(RunSnapshot.fromEvents(inProcess.stored).history());
    }

    @Test
    void everyPartRepeatedReturnsWhatIsStoredInsteadOfDoingItAgain() throws Exception {
        var log = new Log();
        var agent = Agent.builder().model(ScriptedModel.of(SCRIPT)).tool(counter(Tool.Effect.AT_LEAST_ONCE)).listener(log).build();
        var driver = new StepDriver(agent, log);
        driver.begin("r", "count", null);
        driver.begin("r", "count", null);
        for (int step = 1; step <= 2; step++) {
            assertThat(driver.model("r", step).toolCalls()).isEqualTo(1);
            assertThat(driver.model("r", step).toolCalls()).isEqualTo(1);
            driver.tool("r", step, 0);
            driver.tool("r", step, 0);
            assertThat(driver.complete("r", step)).isNull();
            assertThat(driver.complete("r", step)).isNull();
            driver.tool("r", step, 0); // after the step is complete, too
        }
        var reply = driver.model("r", 3);
        assertThat(reply.toolCalls()).isZero();
        var end = driver.complete("r", 3);
        assertThat(end.answer()).isEqualTo("Counted twice.");
        assertThat(driver.complete("r", 3)).isEqualTo(end);
        assertThat(driver.model("r", 4).ended()).isEqualTo(end);
        assertThat(counted).hasValue(2);
        assertThat(log.types()).filteredOn("run_started"::equals).hasSize(1);
        assertThat(log.types()).filteredOn("model_reply"::equals).hasSize(3);
        assertThat(log.types()).filteredOn("usage"::equals).hasSize(3);
        assertThat(log.types()).filteredOn("run_finished"::equals).hasSize(1);
    }

    /** Runs step 1 up to a crash of the worker between the tool's execution and its stored result, then repeats the part. */
    private Log crashAfterTheToolRan(Tool tool, ToolGate gate) throws Exception {
        var log = new Log();
        var builder = Agent.builder().model(ScriptedModel.of(SCRIPT)).tool(tool).listener(log);
        if (gate != null) builder.gate(gate);
        var agent = builder.build();
        var driver = new StepDriver(agent, log);
        driver.begin("r", "count", null);
        driver.model("r", 1);
        log.crashOn = "tool_result";
        assertThatThrownBy(() -> driver.tool("r", 1, 0)).hasMessage("worker died");
        assertThat(counted).hasValue(1);
        assertThat(log.types()).contains("tool_call").doesNotContain("tool_result");
        var another = new StepDriver(agent, log); // the part again, on another worker
        another.tool("r", 1, 0);
        assertThat(another.complete("r", 1)).isNull();
        return log;
    }

    @Test
    void anAtLeastOnceToolRunsAgainAfterACrashAndTheRunSaysSo() throws Exception {
        var log = crashAfterTheToolRan(counter(Tool.Effect.AT_LEAST_ONCE), null);
        assertThat(counted).hasValue(2);
        var rerun = log.stored.stream().filter(e -> e instanceof Event.ToolRerun).map(e -> (Event.ToolRerun) e).toList();
        assertThat(rerun).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("count");
            assertThat(r.effect()).isEqualTo("at_least_once");
            assertThat(r.step()).isEqualTo(1);
        });
        assertThat(log.types()).filteredOn("tool_call"::equals).hasSize(1);
        assertThat(log.stored).filteredOn(e -> e instanceof Event.ToolResultEvent)
                .singleElement().extracting(e -> ((Event.ToolResultEvent) e).content()).isEqualTo("count 2");
    }

    @Test
    void anIdempotentToolRunsAgainWithoutARerunRecord() throws Exception {
        var log = crashAfterTheToolRan(counter(Tool.Effect.IDEMPOTENT), null);
        assertThat(counted).hasValue(2);
        assertThat(log.types()).doesNotContain("tool_rerun");
    }

    @Test
    void aToolThatMustNotRunTwiceIsNotRerunWithoutAPerson() throws Exception {
        var log = crashAfterTheToolRan(counter(Tool.Effect.NOT_TWICE), null);
        assertThat(counted).hasValue(1);
        var result = log.stored.stream().filter(e -> e instanceof Event.ToolResultEvent).map(e -> (Event.ToolResultEvent) e).findFirst().orElseThrow();
        assertThat(result.error()).isTrue();
        assertThat(result.content()).contains("Permission denied", "must not run twice");
        assertThat(log.stored).filteredOn(e -> e instanceof Event.PermissionDecision)
                .singleElement().satisfies(e -> assertThat(((Event.PermissionDecision) e).decidedBy()).isEqualTo("not_twice"));
    }

    @Test
    void aCallDeniedBeforeACrashStaysDeniedWhenItsPartIsRepeated() throws Exception {
        // the gate denies (a person said no); the worker dies before the denial's result is stored
        var checks = new AtomicInteger();
        ToolGate no = (call, args, ctx) -> {
            checks.incrementAndGet();
            return ToolGate.Decision.deny("user", "not this one");
        };
        var log = new Log();
        var agent = Agent.builder().model(ScriptedModel.of(SCRIPT)).tool(counter(Tool.Effect.AT_LEAST_ONCE)).gate(no).listener(log).build();
        var driver = new StepDriver(agent, log);
        driver.begin("r", "count", null);
        driver.model("r", 1);
        log.crashOn = "tool_result";
        assertThatThrownBy(() -> driver.tool("r", 1, 0)).hasMessage("worker died");
        assertThat(log.types()).contains("tool_call", "permission").doesNotContain("tool_result");
        new StepDriver(agent, log).tool("r", 1, 0); // the part again, on another worker
        assertThat(counted).as("the denied tool never ran").hasValue(0);
        assertThat(checks).as("the denial holds without asking again").hasValue(1);
        assertThat(log.types()).doesNotContain("tool_rerun").filteredOn("permission"::equals).hasSize(1);
        var result = log.stored.stream().filter(e -> e instanceof Event.ToolResultEvent).map(e -> (Event.ToolResultEvent) e).findFirst().orElseThrow();
        assertThat(result.error()).isTrue();
        assertThat(result.content()).contains("not this one");
    }

    @Test
    void aToolThatMustNotRunTwiceRunsAgainWhenThePersonSaysSo() throws Exception {
        var asked = new AtomicInteger();
        ToolGate gate = new ToolGate() {
            @Override public Decision check(ai.apprentice.model.ToolCall call, JsonNode args, ai.apprentice.tool.ToolContext ctx) {
                return null;
            }

            @Override public Decision recheck(ai.apprentice.model.ToolCall call, JsonNode args, ai.apprentice.tool.ToolContext ctx) {
                asked.incrementAndGet();
                return Decision.allow("user (once)", "it did not happen the first time");
            }
        };
        var log = crashAfterTheToolRan(counter(Tool.Effect.NOT_TWICE), gate);
        assertThat(asked).hasValue(1);
        assertThat(counted).hasValue(2);
        assertThat(log.stored).filteredOn(e -> e instanceof Event.PermissionDecision)
                .singleElement().satisfies(e -> assertThat(((Event.PermissionDecision) e).allowed()).isTrue());
    }

    @Test
    void aCompletedStepWhoseEndWasLostDecidesAgain() throws Exception {
        var log = new Log();
        var agent = Agent.builder().model(ScriptedModel.of(turn("Done."))).listener(log).build();
        var driver = new StepDriver(agent, log);
        driver.begin("r", "go", null);
        driver.model("r", 1);
        log.crashOn = "run_finished"; // step_completed is committed at once, the end is lost with the worker
        assertThatThrownBy(() -> driver.complete("r", 1)).hasMessage("worker died");
        assertThat(log.types()).contains("step_completed").doesNotContain("run_finished");
        var end = driver.complete("r", 1);
        assertThat(end.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(end.answer()).isEqualTo("Done.");
        assertThat(log.types()).filteredOn("step_completed"::equals).hasSize(1);
        assertThat(log.types()).last().isEqualTo("run_finished");
    }

    @Test
    void stopEndsTheRunOnceWithItsCompletedSteps() throws Exception {
        var log = new Log();
        var agent = Agent.builder().model(ScriptedModel.of(SCRIPT)).tool(counter(Tool.Effect.AT_LEAST_ONCE)).listener(log).build();
        var driver = new StepDriver(agent, log);
        driver.begin("r", "count", null);
        driver.model("r", 1);
        driver.tool("r", 1, 0);
        driver.complete("r", 1);
        driver.model("r", 2); // in flight when cancelled
        var stopped = driver.stop("r", RunStatus.CANCELLED, "cancelled", null);
        assertThat(stopped.status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(stopped.steps()).isEqualTo(1);
        assertThat(driver.stop("r", RunStatus.FAILED, "x", "y")).isEqualTo(stopped);
        assertThat(driver.model("r", 2).ended().status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(log.types()).filteredOn("run_finished"::equals).hasSize(1);
    }

    @Test
    void timedOutEndsTheRunAsTheLoopsOwnTimeoutDoes() throws Exception {
        // the second model call never answers: in process the loop's timeout stops it; driven, an engine's timer does
        JsonNode[] script = {toolTurn("Counting.", "count", "{}"), Json.object().put("delay_ms", 600_000).put("text", "late")};
        var budget = Budget.DEFAULT.withTimeout(java.time.Duration.ofMillis(1500));
        var inProcess = new Log();
        var a = Agent.builder().model(ScriptedModel.of(script)).tool(counter(Tool.Effect.AT_LEAST_ONCE)).listener(inProcess).budget(budget).build();
        var expected = a.start("r", "count", null).await();
        inProcess.flush();
        assertThat(expected.stopReason()).isEqualTo("timeout");
        assertThat(expected.error()).isEqualTo("Timed out after 1.5s");
        counted.set(0);

        var log = new Log();
        var b = Agent.builder().model(ScriptedModel.of(script)).tool(counter(Tool.Effect.AT_LEAST_ONCE)).listener(log).budget(budget).build();
        var driver = new StepDriver(b, log);
        driver.begin("r", "count", null);
        driver.model("r", 1);
        driver.tool("r", 1, 0);
        driver.complete("r", 1);
        // step 2's model part was in flight (and stopped) when the time ran out
        var result = driver.timedOut("r", 2);
        assertThat(result.status()).isEqualTo(RunStatus.FAILED).isEqualTo(expected.status());
        assertThat(result.stopReason()).isEqualTo(expected.stopReason());
        assertThat(result.error()).isEqualTo(expected.error());
        assertThat(result.steps()).isEqualTo(1).isEqualTo(expected.steps());
        assertThat(log.stored).extracting(StepDriverTest::comparable)
                .containsExactlyElementsOf(inProcess.stored.stream().map(StepDriverTest::comparable).toList());
        assertThat(log.types()).endsWith("step_completed", "error", "run_finished");
        assertThat(driver.timedOut("r", 2)).isEqualTo(result); // once
        assertThat(log.types()).filteredOn("run_finished"::equals).hasSize(1);
    }

    @Test
    void aStepOutOfOrderIsRefusedSayingWhy() throws Exception {
        var log = new Log();
        var agent = Agent.builder().model(ScriptedModel.of(SCRIPT)).tool(counter(Tool.Effect.AT_LEAST_ONCE)).listener(log).build();
        var driver = new StepDriver(agent, log);
        driver.begin("r", "count", null);
        assertThatThrownBy(() -> driver.model("r", 2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Step 2 of run r").hasMessageContaining("0 steps are completed");
        assertThatThrownBy(() -> driver.tool("r", 1, 0)).hasMessageContaining("has no model reply");
        driver.model("r", 1);
        assertThatThrownBy(() -> driver.complete("r", 1)).hasMessageContaining("has no result");
        assertThatThrownBy(() -> driver.tool("r", 1, 3)).hasMessageContaining("has 1 tool calls, not a call 3");
    }

    @Test
    void theStepBudgetEndsADrivenRunAsInProcess() throws Exception {
        var log = new Log();
        var agent = Agent.builder().model(ScriptedModel.of(SCRIPT)).tool(counter(Tool.Effect.AT_LEAST_ONCE)).listener(log).maxSteps(2).build();
        var result = drive(new StepDriver(agent, log), "r", "count");
        assertThat(result.stopReason()).isEqualTo("max_steps");
        assertThat(result.steps()).isEqualTo(2);
    }
}
