package ai.apprentice.runtime;

import static ai.apprentice.model.scripted.ScriptedModel.toolTurn;
import static ai.apprentice.model.scripted.ScriptedModel.turn;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Role;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolResult;
import ai.apprentice.tool.Tools;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RunHookTest {
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<ChatRequest> requests = new CopyOnWriteArrayList<>();

    private static final Tool ADD = Tools.builder("add").description("Adds two integers")
            .param("a", "integer", "first").param("b", "integer", "second")
            .execute((args, ctx) -> String.valueOf(args.get("a").asLong() + args.get("b").asLong()));

    /** Records every request the agent sends. */
    private Model capturing(Model inner) {
        return new Model() {
            @Override public String id() { return inner.id(); }
            @Override public ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
                requests.add(request);
                return inner.chat(request, listener);
            }
        };
    }

    private static RunHook context(String prefix) {
        var calls = new AtomicInteger();
        return new RunHook() {
            @Override public String contextForTurn(Turn turn) {
                return prefix + " " + calls.incrementAndGet() + " for " + turn.task() + " at step " + turn.step();
            }
        };
    }

    private static List<String> texts(ChatRequest r) {
        return r.messages().stream().map(Message::text).toList();
    }

    @Test
    void contextReachesEveryModelCallButNeitherTheHistoryNorTheEvents() throws Exception {
        var agent = Agent.builder().model(capturing(ScriptedModel.of(toolTurn(null, "add", "{\"a\":1,\"b\":2}"), turn("3"))))
                .instructions("Be terse.").tool(ADD).listener(events::add).hook(context("Reminder")).hook(new RunHook() {}).build();
        var result = agent.run("sum");
        assertThat(result.answer()).isEqualTo("3");
        assertThat(requests).hasSize(2);
        assertThat(texts(requests.get(0))).containsExactly("Be terse.", "Reminder 1 for sum at step 1", "sum");
        assertThat(requests.get(1).messages().get(1).text()).isEqualTo("Reminder 2 for sum at step 2");
        assertThat(requests.get(1).messages()).hasSize(5).filteredOn(m -> m.role() == Role.SYSTEM).hasSize(2);
        var started = (Event.RunStarted) events.getFirst();
        assertThat(started.messages()).extracting(Message::text).containsExactly("Be terse.", "sum");
        for (var e : events) assertThat(Json.write(e)).doesNotContain("Reminder");
    }

    @Test
    void eachContinuedRunGetsItsOwnContext() throws Exception {
        var agent = Agent.builder().model(capturing(ScriptedModel.of(turn("x"), turn("y"), turn("z"))))
                .listener(events::add).hook(context("Note")).build();
        var earlier = List.of(Message.user("one"), Message.assistant("x"));
        var second = agent.continueConversation("r2", earlier, "two", null).await();
        assertThat(second.answer()).isEqualTo("y");
        var later = List.of(Message.user("one"), Message.assistant("x"), Message.user("two"), Message.assistant("y"));
        var third = agent.continueConversation("r3", later, "three", null).await();
        assertThat(third.answer()).isEqualTo("z");
        assertThat(requests).hasSize(2);
        assertThat(texts(requests.get(0))).filteredOn(t -> t.startsWith("Note")).containsExactly("Note 1 for two at step 1");
        assertThat(texts(requests.get(1))).filteredOn(t -> t.startsWith("Note")).containsExactly("Note 2 for three at step 1");
        assertThat(requests.get(1).messages().get(1).text()).startsWith("Note 2"); // right after the instructions
    }

    @Test
    void runEndEventsComeBeforeRunFinishedAndToolCallsAreSeenInOrder() throws Exception {
        var seen = new CopyOnWriteArrayList<String>();
        var ended = new CopyOnWriteArrayList<RunResult>();
        RunHook memory = new RunHook() {
            @Override public void afterToolCall(Turn turn, ToolCall call, ToolResult result) {
                seen.add(call.arguments() + "=" + result.content());
            }

            @Override public void onRunEnd(Turn turn, RunResult result) {
                ended.add(result);
                turn.emit(new Event.MemoryUpdated(turn.runId(), Instant.now(), "b1", List.of("m1"), List.of(turn.task())));
            }
        };
        var calls = Json.object();
        calls.putArray("tool_calls")
                .add(Json.object().put("name", "add").put("arguments", "{\"a\":1,\"b\":2}"))
                .add(Json.object().put("name", "add").put("arguments", "{\"a\":3,\"b\":4}"));
        var result = Agent.builder().model(ScriptedModel.of(calls, turn("3 and 7"))).tool(ADD).listener(events::add)
                .hook(memory).build().run("sums");
        assertThat(seen).containsExactly("{\"a\":1,\"b\":2}=3", "{\"a\":3,\"b\":4}=7");
        assertThat(ended).singleElement().satisfies(r -> assertThat(r.answer()).isEqualTo("3 and 7"));
        var types = events.stream().filter(Event::persistent).map(Event::type).toList();
        assertThat(types.subList(types.size() - 2, types.size())).containsExactly("memory_updated", "run_finished");
        assertThat(result.succeeded()).isTrue();
    }

    @Test
    void aThrowingHookIsReportedAndChangesNothing() throws Exception {
        RunHook broken = new RunHook() {
            @Override public String contextForTurn(Turn turn) { throw new IllegalStateException("no context today"); }
            @Override public void onRunEnd(Turn turn, RunResult result) { throw new IllegalStateException("no memory today"); }
        };
        var result = Agent.builder().model(ScriptedModel.of(turn("fine"))).listener(events::add).hook(broken)
                .hook(context("Still")).build().run("x");
        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(result.answer()).isEqualTo("fine");
        assertThat(events).filteredOn(e -> e instanceof Event.ErrorEvent).extracting(e -> ((Event.ErrorEvent) e).message())
                .anySatisfy(m -> assertThat(m).contains("contextForTurn").contains("no context today"))
                .anySatisfy(m -> assertThat(m).contains("onRunEnd").contains("no memory today"));
        assertThat(((Event.RunFinished) events.getLast()).status()).isEqualTo(RunStatus.SUCCEEDED);
    }

    @Test
    void hooksRunForResumedRuns() throws Exception {
        var script = new com.fasterxml.jackson.databind.JsonNode[] {toolTurn(null, "add", "{\"a\":1,\"b\":2}"), turn("3")};
        Agent.builder().model(ScriptedModel.of(script)).tool(ADD).listener(events::add).maxSteps(1).build().run("sum");
        var snapshot = RunSnapshot.fromEvents(events);
        var agent = Agent.builder().model(capturing(ScriptedModel.of(script))).tool(ADD).hook(context("Again")).build();
        assertThat(agent.resume(snapshot).await().answer()).isEqualTo("3");
        assertThat(requests).singleElement().satisfies(r -> assertThat(r.messages().get(1).text()).isEqualTo("Again 1 for sum at step 2"));
    }
}
