package ai.apprentice.runtime;

import static ai.apprentice.model.scripted.ScriptedModel.toolTurn;
import static ai.apprentice.model.scripted.ScriptedModel.turn;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.Message;
import ai.apprentice.model.Price;
import ai.apprentice.model.PriceTable;
import ai.apprentice.model.RetryPolicy;
import ai.apprentice.model.RetryingModel;
import ai.apprentice.model.Role;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.Tools;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AgentLoopTest {
    private final List<Event> events = new CopyOnWriteArrayList<>();

    private static final Tool ADD = Tools.builder("add").description("Adds two integers")
            .param("a", "integer", "first").param("b", "integer", "second")
            .execute((args, ctx) -> String.valueOf(args.get("a").asLong() + args.get("b").asLong()));

    private Agent.Builder agent(JsonNode... turns) {
        return Agent.builder().model(ScriptedModel.of(turns)).tool(ADD).listener(events::add);
    }

    private List<String> types() {
        return events.stream().filter(Event::persistent).map(Event::type).toList();
    }

    private List<Message> toolMessages() {
        return events.stream().filter(e -> e instanceof Event.StepCompleted).flatMap(e -> ((Event.StepCompleted) e).messages().stream())
                .filter(m -> m.role() == Role.TOOL).toList();
    }

    @Test
    void answersWithoutTools() throws Exception {
        var result = agent(turn("Four.")).build().run("What is 2+2?");
        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(result.answer()).isEqualTo("Four.");
        assertThat(result.steps()).isEqualTo(1);
        assertThat(types()).containsExactly("run_started", "usage", "model_reply", "step_completed", "run_finished");
        assertThat(events).filteredOn(e -> e instanceof Event.ModelDelta).isNotEmpty();
    }

    @Test
    void callsToolsAndFeedsResultsBack() throws Exception {
        var result = agent(toolTurn("Adding.", "add", "{\"a\":2,\"b\":40}"), turn("The sum is 42.")).build().run("add");
        assertThat(result.answer()).isEqualTo("The sum is 42.");
        assertThat(result.steps()).isEqualTo(2);
        assertThat(toolMessages()).singleElement().satisfies(m -> assertThat(m.content()).isEqualTo("42"));
        var call = events.stream().filter(e -> e instanceof Event.ToolCallEvent).findFirst().orElseThrow();
        assertThat(((Event.ToolCallEvent) call).call().id()).isEqualTo("call_1_0");
    }

    @Test
    void badToolCallsBecomeObservationsAndTheRunGoesOn() throws Exception {
        var boom = Tools.builder("boom").description("fails").execute((a, c) -> {
            throw new IllegalStateException("disk on fire");
        });
        var turns = Json.object();
        turns.putArray("tool_calls")
                .add(Json.object().put("name", "nope").put("arguments", "{}"))
                .add(Json.object().put("name", "add").put("arguments", "{\"a\": 1, \"b\": "))
                .add(Json.object().put("name", "add").put("arguments", "{\"a\": \"x\", \"b\": 1}"))
                .add(Json.object().put("name", "boom").put("arguments", "{}"));
        var result = agent(turns, turn("done")).tool(boom).build().run("try");
        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        var results = toolMessages().stream().map(Message::content).toList();
        assertThat(results.get(0)).contains("Unknown tool 'nope'").contains("add");
        assertThat(results.get(1)).contains("not valid JSON");
        assertThat(results.get(2)).contains("Invalid arguments for add").contains("string");
        assertThat(results.get(3)).isEqualTo("boom failed: disk on fire");
        assertThat(events).filteredOn(e -> e instanceof Event.ToolResultEvent r && r.error()).hasSize(4);
    }

    @Test
    void parallelCallsRunConcurrentlyAndReturnInOrder() throws Exception {
        var bothStarted = new CountDownLatch(2);
        var wait = Tools.builder("wait").description("waits for the other call").param("id", "string", "")
                .execute((args, ctx) -> {
                    bothStarted.countDown();
                    // Only true if the other call runs at the same time.
                    boolean together = bothStarted.await(10, TimeUnit.SECONDS);
                    if (args.get("id").asText().equals("first")) Thread.sleep(50); // finish last, still listed first
                    return args.get("id").asText() + ":" + together;
                });
        var t = Json.object();
        t.putArray("tool_calls")
                .add(Json.object().put("name", "wait").put("arguments", "{\"id\":\"first\"}"))
                .add(Json.object().put("name", "wait").put("arguments", "{\"id\":\"second\"}"));
        agent(t, turn("ok")).tool(wait).build().run("go");
        assertThat(toolMessages()).extracting(Message::content).containsExactly("first:true", "second:true");
    }

    @Test
    void emptyAnswerIsToldToTheModel() throws Exception {
        var result = agent(turn(""), turn("Now an answer.")).build().run("x");
        assertThat(result.answer()).isEqualTo("Now an answer.");
        var first = (Event.StepCompleted) events.stream().filter(e -> e instanceof Event.StepCompleted).findFirst().orElseThrow();
        assertThat(first.messages()).last().extracting(Message::content).isEqualTo(RunLoop.EMPTY_ANSWER_NUDGE);
    }

    @Test
    void repeatedEmptyRepliesFailTheRunInsteadOfLoopingToMaxSteps() throws Exception {
        var result = agent(turn(""), turn(""), turn(""), turn(""), turn("")).maxSteps(50).build().run("x");
        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.stopReason()).isEqualTo("empty_replies");
        assertThat(result.steps()).isEqualTo(Agent.DEFAULT_MAX_EMPTY_REPLIES);
        assertThat(result.error()).contains("3 empty replies in a row");
        assertThat(events).filteredOn(e -> e instanceof Event.ErrorEvent).singleElement()
                .satisfies(e -> assertThat(((Event.ErrorEvent) e).message()).contains("empty replies"));
        // Empty replies that are not in a row do not add up.
        events.clear();
        var mixed = agent(turn(""), turn(""), toolTurn(null, "add", "{\"a\":1,\"b\":1}"), turn(""), turn(""), turn("ok"))
                .build().run("x");
        assertThat(mixed.status()).isEqualTo(RunStatus.SUCCEEDED);
    }

    @Test
    void toolCallsPastThePerReplyCapAreNotRunButAnswered() throws Exception {
        var ran = new java.util.concurrent.atomic.AtomicInteger();
        var count = Tools.builder("count").description("counts").execute((a, c) -> String.valueOf(ran.incrementAndGet()));
        var many = Json.object();
        var calls = many.putArray("tool_calls");
        for (int i = 0; i < 3000; i++) calls.add(Json.object().put("name", "count").put("arguments", "{}"));
        var result = agent(many, turn("done")).tool(count).build().run("go");
        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(ran.get()).isEqualTo(Agent.DEFAULT_MAX_TOOL_CALLS_PER_REPLY);
        var results = toolMessages();
        assertThat(results).hasSize(3000); // every call has its result, so the history stays valid
        assertThat(results.get(63).content()).isNotEmpty().doesNotContain("Not run");
        assertThat(results.get(64).content()).contains("Not run: at most 64 tool calls").contains("had 3000");
        events.clear();
        ran.set(0);
        var two = Json.object();
        two.putArray("tool_calls").add(Json.object().put("name", "count").put("arguments", "{}"))
                .add(Json.object().put("name", "count").put("arguments", "{}"));
        agent(two, turn("done")).tool(count).maxToolCallsPerReply(1).build().run("go");
        assertThat(ran.get()).isEqualTo(1);
        assertThat(toolMessages()).extracting(Message::content).containsExactly("1",
                "Not run: at most 1 tool calls of one reply are run, and this reply had 2. Ask for fewer at a time.");
    }

    @Test
    void stepBudgetEndsTheRunWithAClearStatus() throws Exception {
        var loop = toolTurn(null, "add", "{\"a\":1,\"b\":1}");
        var result = agent(loop, loop, loop, loop).maxSteps(3).build().run("loop");
        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.stopReason()).isEqualTo("max_steps");
        assertThat(result.steps()).isEqualTo(3);
        assertThat(result.error()).contains("3 steps");
        assertThat(events.getLast()).isInstanceOf(Event.RunFinished.class);
    }

    @Test
    void tokenAndCostBudgets() throws Exception {
        var t = (com.fasterxml.jackson.databind.node.ObjectNode) toolTurn(null, "add", "{\"a\":1,\"b\":1}");
        t.putObject("usage").put("input_tokens", 1000).put("output_tokens", 500);
        var tokens = agent(t, t, t).budget(Budget.DEFAULT.withMaxTokens(2500)).build().run("x");
        assertThat(tokens.stopReason()).isEqualTo("max_tokens");
        assertThat(tokens.steps()).isEqualTo(2);
        assertThat(tokens.usage().total()).isEqualTo(3000);

        var prices = new PriceTable().put("scripted:inline", new Price(1000, 2000)); // $1 + $1 per step
        var cost = agent(t, t, t).prices(prices).budget(Budget.DEFAULT.withMaxCostUsd(1.5)).build().run("x");
        assertThat(cost.stopReason()).isEqualTo("max_cost");
        assertThat(cost.costUsd()).isEqualTo(2.0);
    }

    @Test
    void timeoutStopsAHungStep() throws Exception {
        var slow = (com.fasterxml.jackson.databind.node.ObjectNode) turn("late");
        slow.put("delay_ms", 60_000);
        var result = agent(slow).budget(Budget.DEFAULT.withTimeout(Duration.ofMillis(200))).build().run("x");
        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.stopReason()).isEqualTo("timeout");
    }

    @Test
    void aLongTimeoutDoesNotDelayAQuickRun() throws Exception {
        // Regression: the timeout task used to keep the run from returning until it fired (class timeout: 30 s).
        var result = agent(turn("quick")).budget(Budget.DEFAULT.withTimeout(Duration.ofMinutes(10))).build().run("x");
        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
    }

    @Test
    void cancelStopsTheCurrentStepCleanly() throws Exception {
        var slow = (com.fasterxml.jackson.databind.node.ObjectNode) turn("late");
        slow.put("delay_ms", 60_000);
        var handle = agent(toolTurn(null, "add", "{\"a\":1,\"b\":2}"), slow).build().start("x");
        while (events.stream().noneMatch(e -> e instanceof Event.StepCompleted)) Thread.sleep(5);
        handle.cancel();
        var result = handle.await();
        assertThat(result.status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(result.steps()).isEqualTo(1);
        assertThat(((Event.RunFinished) events.getLast()).status()).isEqualTo(RunStatus.CANCELLED);
    }

    @Test
    void resumeContinuesFromTheLastCompletedStepWithTheSameHistory() throws Exception {
        var script = new JsonNode[] {toolTurn(null, "add", "{\"a\":1,\"b\":2}"), toolTurn(null, "add", "{\"a\":3,\"b\":4}"), turn("3 and 7")};
        var first = agent(script).maxSteps(1).build().run("sum twice");
        assertThat(first.stopReason()).isEqualTo("max_steps");

        var snapshot = RunSnapshot.fromEvents(events);
        assertThat(snapshot.completedSteps()).isEqualTo(1);
        assertThat(snapshot.history()).hasSize(4); // system, user, assistant, tool
        var resumedEvents = new CopyOnWriteArrayList<Event>();
        var result = Agent.builder().model(ScriptedModel.of(script)).tool(ADD).build()
                .resume(snapshot, resumedEvents::add).await();
        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(result.runId()).isEqualTo(first.runId());
        assertThat(result.steps()).isEqualTo(3);
        assertThat(result.answer()).isEqualTo("3 and 7");
        assertThat(resumedEvents.getFirst()).isInstanceOf(Event.RunResumed.class);
        assertThat(result.usage().total()).isGreaterThan(first.usage().total());
    }

    @Test
    void retriesAreVisibleAsEvents() throws Exception {
        var flaky = Json.object().put("error", "429 slow down").put("retryable", true).put("times", 2).put("text", "fine");
        var model = new RetryingModel(ScriptedModel.of(flaky), new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5)));
        var result = Agent.builder().model(model).listener(events::add).build().run("x");
        assertThat(result.answer()).isEqualTo("fine");
        assertThat(events).filteredOn(e -> e instanceof Event.ModelRetry).hasSize(2)
                .allSatisfy(e -> assertThat(((Event.ModelRetry) e).reason()).contains("429"));
    }

    @Test
    void modelFailureAfterRetriesFailsTheRunWithTheProviderText() throws Exception {
        var broken = Json.object().put("error", "upstream said no").put("retryable", true).put("times", 10);
        var model = new RetryingModel(ScriptedModel.of(broken), new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(2)));
        var result = Agent.builder().model(model).listener(events::add).build().run("x");
        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.stopReason()).isEqualTo("model_error");
        assertThat(result.error()).contains("upstream said no").contains("2 attempts");
        assertThat(types()).contains("model_retry", "error", "run_finished");
    }

    @Test
    void longToolResultsAreTruncatedWithANotice() throws Exception {
        var big = Tools.builder("big").description("prints a lot").execute((a, c) -> "x".repeat(10_000));
        agent(toolTurn(null, "big", "{}"), turn("ok")).tool(big).maxToolResultChars(1000).build().run("x");
        var content = toolMessages().getFirst().content();
        assertThat(content).contains("truncated").hasSizeLessThan(1200);
    }

    @Test
    void eventsRoundTripThroughJson() throws Exception {
        agent(toolTurn("t", "add", "{\"a\":1,\"b\":2}"), turn("3")).build().run("x");
        for (var e : events) {
            var json = Json.write(e);
            assertThat(json).contains("\"type\":\"" + e.type() + "\"");
            assertThat(Json.read(json, Event.class)).isEqualTo(e);
        }
    }

    @Test
    void everyEventOfARunArrivesOnTheRunsThread() throws Exception {
        var threads = new CopyOnWriteArrayList<Thread>();
        ai.apprentice.tool.ToolGate gate = (call, args, ctx) -> args.get("a").asLong() == 3
                ? ai.apprentice.tool.ToolGate.Decision.deny("test", "no threes")
                : ai.apprentice.tool.ToolGate.Decision.allow("test", "fine");
        var t = Json.object();
        var calls = t.putArray("tool_calls");
        for (int a = 1; a <= 4; a++) calls.add(Json.object().put("name", "add").put("arguments", "{\"a\":" + a + ",\"b\":1}"));
        var result = agent(t, turn("done")).gate(gate).listener(e -> threads.add(Thread.currentThread())).build().run("x");
        assertThat(result.succeeded()).isTrue();
        assertThat(events).filteredOn(e -> e instanceof Event.PermissionDecision).hasSize(4)
                .filteredOn(e -> !((Event.PermissionDecision) e).allowed()).hasSize(1);
        assertThat(toolMessages()).extracting(Message::content)
                .containsExactly("2", "3", "Permission denied: add was not run (test: no threes).", "5");
        assertThat(threads).hasSize(events.size()).containsOnly(threads.getFirst());
        assertThat(threads.getFirst()).isNotEqualTo(Thread.currentThread());
    }

    @Test
    void withoutReportedUsageTokensAreEstimatedAndTheTokenBudgetHolds() throws Exception {
        var t = (com.fasterxml.jackson.databind.node.ObjectNode) toolTurn("Adding once more.", "add", "{\"a\":1,\"b\":1}");
        t.putObject("usage").put("input_tokens", 0).put("output_tokens", 0); // the provider says nothing
        var script = new JsonNode[20];
        java.util.Arrays.fill(script, t);
        var result = agent(script).budget(Budget.DEFAULT.withMaxTokens(500)).build().run("loop");
        assertThat(result.stopReason()).isEqualTo("max_tokens");
        assertThat(result.usage().total()).isGreaterThanOrEqualTo(500);
        assertThat(result.steps()).isLessThan(20);
        assertThat(events).filteredOn(e -> e instanceof Event.UsageEvent).isNotEmpty()
                .allSatisfy(e -> assertThat(((Event.UsageEvent) e).estimated()).isTrue())
                .allSatisfy(e -> assertThat(((Event.UsageEvent) e).inputTokens()).isPositive());
    }

    @Test
    void tokensOfFailedAttemptsAreCharged() throws Exception {
        var attempts = new java.util.concurrent.atomic.AtomicInteger();
        ai.apprentice.model.Model flaky = new ai.apprentice.model.Model() {
            @Override public String id() { return "test:flaky"; }
            @Override public ai.apprentice.model.ChatResponse chat(ai.apprentice.model.ChatRequest r, ai.apprentice.model.ModelListener l) {
                if (attempts.incrementAndGet() < 3) {
                    throw new ai.apprentice.model.ModelException("overloaded", true, 529, null, null, new ai.apprentice.model.Usage(100, 0));
                }
                return new ai.apprentice.model.ChatResponse(Message.assistant("ok"), new ai.apprentice.model.Usage(100, 5), "stop");
            }
        };
        var policy = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(2));
        var ok = Agent.builder().model(new RetryingModel(flaky, policy)).listener(events::add).build().run("x");
        assertThat(ok.usage()).isEqualTo(new ai.apprentice.model.Usage(300, 5));

        attempts.set(-10); // every attempt fails now
        var failed = Agent.builder().model(new RetryingModel(flaky, policy)).build().run("x");
        assertThat(failed.stopReason()).isEqualTo("model_error");
        assertThat(failed.usage()).isEqualTo(new ai.apprentice.model.Usage(300, 0));
    }

    @Test
    void eventsWrittenBeforeTheNewFieldsStillRead() {
        var retry = Json.read("{\"type\":\"model_retry\",\"run_id\":\"r1\",\"at\":\"2025-01-01T00:00:00Z\",\"step\":1,"
                + "\"attempt\":1,\"wait_ms\":500,\"reason\":\"429\"}", Event.class);
        assertThat(retry).isEqualTo(new Event.ModelRetry("r1", java.time.Instant.parse("2025-01-01T00:00:00Z"), 1, 1, 500, "429", 0));
        var usage = Json.read("{\"type\":\"usage\",\"run_id\":\"r1\",\"at\":\"2025-01-01T00:00:00Z\",\"step\":1,"
                + "\"input_tokens\":10,\"output_tokens\":2,\"cost_usd\":0.5,\"total_input_tokens\":10,"
                + "\"total_output_tokens\":2,\"total_cost_usd\":0.5}", Event.class);
        assertThat(((Event.UsageEvent) usage).estimated()).isFalse();
        assertThat(((Event.UsageEvent) usage).totalInputTokens()).isEqualTo(10);
    }
}
