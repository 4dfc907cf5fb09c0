package ai.apprentice.harness.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Role;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunResult;
import ai.apprentice.runtime.RunStatus;
import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs of scripted agents, traced into the SDK's in-memory exporter and metric reader. */
class RunTracerTest {
    static final String SECRET = "sk-test-0123456789abcdefXYZ";

    @TempDir Path home;
    @TempDir Path ws;

    final InMemorySpanExporter spans = InMemorySpanExporter.create();
    final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
            .build();

    @AfterEach
    void shutDown() {
        otel.close();
    }

    static JsonNode usage(JsonNode turn, long input, long output) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) turn).putObject("usage").put("input_tokens", input).put("output_tokens", output);
        return turn;
    }

    /** Reads notes.txt with a tool, then answers: two model calls and one tool call. */
    static ScriptedModel readThenAnswer(String answer) {
        return ScriptedModel.of(
                usage(ScriptedModel.toolTurn(null, "read_file", "{\"path\":\"notes.txt\"}"), 100, 7),
                usage(ScriptedModel.turn(answer), 120, 3));
    }

    RunResult run(Map<String, String> env, Map<String, Object> flags, Model model, String task, List<Event> seen) throws Exception {
        var allFlags = new HashMap<String, Object>(flags);
        allFlags.put("memory", "off");
        try (var harness = Harness.builder().home(home).env(env).telemetry(otel).build()) {
            var session = harness.session(ws, allFlags).useModel(model);
            return session.start(task, seen::add).await();
        }
    }

    static SpanData named(List<SpanData> all, String name) {
        var found = all.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(found).as("spans named " + name + " in " + all.stream().map(SpanData::getName).toList()).hasSize(1);
        return found.get(0);
    }

    static String attr(SpanData s, String key) {
        return s.getAttributes().get(AttributeKey.stringKey(key));
    }

    static Long tokens(SpanData s, String key) {
        return s.getAttributes().get(AttributeKey.longKey(key));
    }

    @Test
    void aRunIsAnAgentSpanWithItsModelCallsAndToolCallsUnderItAndNoContentByDefault() throws Exception {
        Files.writeString(ws.resolve("notes.txt"), "the meeting is on Tuesday\n");
        var seen = new CopyOnWriteArrayList<Event>();
        var result = run(Map.of(), Map.of(), readThenAnswer("It is on Tuesday."), "When is the meeting? Look in notes.txt", seen);
        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);

        var all = spans.getFinishedSpanItems();
        assertThat(all).hasSize(4);
        var agent = named(all, "invoke_agent apprentice");
        var tool = named(all, "execute_tool read_file");
        var chats = all.stream().filter(s -> s.getName().equals("chat inline")).sorted(java.util.Comparator.comparing(SpanData::getStartEpochNanos)).toList();
        assertThat(chats).hasSize(2);

        // one trace; the calls are children of the run
        assertThat(agent.getParentSpanContext().isValid()).isFalse();
        assertThat(all).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(agent.getTraceId()));
        assertThat(chats).allSatisfy(c -> assertThat(c.getParentSpanId()).isEqualTo(agent.getSpanId()));
        assertThat(tool.getParentSpanId()).isEqualTo(agent.getSpanId());
        assertThat(agent.getKind()).isEqualTo(SpanKind.INTERNAL);
        assertThat(chats.get(0).getKind()).isEqualTo(SpanKind.CLIENT);

        // the conventions' attributes
        assertThat(attr(agent, "gen_ai.operation.name")).isEqualTo("invoke_agent");
        assertThat(attr(agent, "gen_ai.agent.name")).isEqualTo("apprentice");
        assertThat(attr(agent, "gen_ai.provider.name")).isEqualTo("scripted");
        assertThat(attr(agent, "gen_ai.request.model")).isEqualTo("inline");
        assertThat(attr(agent, "gen_ai.conversation.id")).isEqualTo(result.runId());
        assertThat(agent.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(chats).allSatisfy(c -> {
            assertThat(attr(c, "gen_ai.operation.name")).isEqualTo("chat");
            assertThat(attr(c, "gen_ai.provider.name")).isEqualTo("scripted");
            assertThat(attr(c, "gen_ai.request.model")).isEqualTo("inline");
        });
        assertThat(attr(tool, "gen_ai.operation.name")).isEqualTo("execute_tool");
        assertThat(attr(tool, "gen_ai.tool.name")).isEqualTo("read_file");
        assertThat(attr(tool, "gen_ai.tool.type")).isEqualTo("function");
        var call = seen.stream().filter(e -> e instanceof Event.ToolCallEvent).map(e -> ((Event.ToolCallEvent) e).call()).findFirst().orElseThrow();
        assertThat(attr(tool, "gen_ai.tool.call.id")).isEqualTo(call.id());

        // tokens as the usage events said, per call and for the run
        var usages = seen.stream().filter(e -> e instanceof Event.UsageEvent).map(e -> (Event.UsageEvent) e).toList();
        assertThat(usages).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(tokens(chats.get(i), "gen_ai.usage.input_tokens")).isEqualTo(usages.get(i).inputTokens());
            assertThat(tokens(chats.get(i), "gen_ai.usage.output_tokens")).isEqualTo(usages.get(i).outputTokens());
        }
        assertThat(tokens(chats.get(0), "gen_ai.usage.input_tokens")).isEqualTo(100);
        assertThat(tokens(agent, "gen_ai.usage.input_tokens")).isEqualTo(220);
        assertThat(tokens(agent, "gen_ai.usage.output_tokens")).isEqualTo(10);

        // the times of the events: first call, then the tool, then the second call, all within the run
        assertThat(chats.get(0).getStartEpochNanos()).isGreaterThanOrEqualTo(agent.getStartEpochNanos());
        assertThat(tool.getStartEpochNanos()).isGreaterThanOrEqualTo(chats.get(0).getEndEpochNanos());
        assertThat(chats.get(1).getStartEpochNanos()).isGreaterThanOrEqualTo(tool.getEndEpochNanos());
        assertThat(agent.getEndEpochNanos()).isGreaterThanOrEqualTo(chats.get(1).getEndEpochNanos());

        // content is off by default: no message, task, argument or result, not even in another attribute
        assertThat(all).allSatisfy(s -> {
            for (var key : RunTracer.CONTENT) assertThat(s.getAttributes().get(key)).as(s.getName() + " " + key).isNull();
            s.getAttributes().forEach((k, v) -> assertThat(String.valueOf(v)).doesNotContain("meeting", "Tuesday", "notes.txt"));
            assertThat(s.getStatus().getDescription()).doesNotContain("meeting");
        });
    }

    @Test
    void tokenUsageAndDurationsAreRecordedAsTheConventionsName() throws Exception {
        Files.writeString(ws.resolve("notes.txt"), "x\n");
        run(Map.of(), Map.of(), readThenAnswer("x"), "read notes.txt", new CopyOnWriteArrayList<>());

        var all = metrics.collectAllMetrics();
        MetricData tokens = all.stream().filter(m -> m.getName().equals("gen_ai.client.token.usage")).findFirst().orElseThrow();
        assertThat(tokens.getUnit()).isEqualTo("{token}");
        var points = tokens.getHistogramData().getPoints();
        assertThat(points).hasSize(2);
        var byType = new HashMap<String, HistogramPointData>();
        points.forEach(p -> byType.put(p.getAttributes().get(RunTracer.TOKEN_TYPE), p));
        assertThat(byType.keySet()).containsExactlyInAnyOrder("input", "output");
        assertThat(byType.get("input").getSum()).isEqualTo(220);
        assertThat(byType.get("input").getCount()).isEqualTo(2);
        assertThat(byType.get("output").getSum()).isEqualTo(10);
        assertThat(points).allSatisfy(p -> {
            assertThat(p.getAttributes().get(RunTracer.OPERATION)).isEqualTo("chat");
            assertThat(p.getAttributes().get(RunTracer.PROVIDER)).isEqualTo("scripted");
            assertThat(p.getAttributes().get(RunTracer.REQUEST_MODEL)).isEqualTo("inline");
        });

        MetricData duration = all.stream().filter(m -> m.getName().equals("gen_ai.client.operation.duration")).findFirst().orElseThrow();
        assertThat(duration.getUnit()).isEqualTo("s");
        var ops = new HashMap<String, Long>();
        duration.getHistogramData().getPoints().forEach(p -> ops.merge(p.getAttributes().get(RunTracer.OPERATION), p.getCount(), Long::sum));
        assertThat(ops).containsEntry("chat", 2L).containsEntry("invoke_agent", 1L);
        assertThat(duration.getHistogramData().getPoints()).allSatisfy(p -> assertThat(p.getAttributes().get(RunTracer.ERROR_TYPE)).isNull());
    }

    @Test
    void withCaptureOnContentIsInTheSpansButSecretsOfTheEnvironmentAreNot() throws Exception {
        Files.writeString(ws.resolve("notes.txt"), "the key is " + SECRET + "\n");
        var seen = new CopyOnWriteArrayList<Event>();
        var result = run(Map.of("OPENAI_API_KEY", SECRET), Map.of("telemetry.capture_content", true),
                readThenAnswer("The key is " + SECRET), "What key is in notes.txt?", seen);
        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        // the secret really went through the run: the tool read it and the model said it
        assertThat(seen).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(Event.ToolResultEvent.class,
                r -> assertThat(r.content()).contains(SECRET)));

        var all = spans.getFinishedSpanItems();
        var agent = named(all, "invoke_agent apprentice");
        var tool = named(all, "execute_tool read_file");
        var input = Json.tree(attr(agent, "gen_ai.input.messages"));
        assertThat(input.get(0).get("role").asText()).isEqualTo("user");
        assertThat(input.get(0).get("parts").get(0).get("content").asText()).isEqualTo("What key is in notes.txt?");
        assertThat(attr(tool, "gen_ai.tool.call.arguments")).contains("notes.txt");
        assertThat(attr(tool, "gen_ai.tool.call.result")).contains("the key is [REDACTED:env:OPENAI_API_KEY]");
        var firstChat = all.stream().filter(s -> s.getName().startsWith("chat ")).min(java.util.Comparator.comparing(SpanData::getStartEpochNanos)).orElseThrow();
        var output = Json.tree(attr(firstChat, "gen_ai.output.messages"));
        assertThat(output.get(0).get("role").asText()).isEqualTo(Role.ASSISTANT.name().toLowerCase(java.util.Locale.ROOT));
        assertThat(output.get(0).get("parts").get(0).get("type").asText()).isEqualTo("tool_call");
        assertThat(output.get(0).get("parts").get(0).get("name").asText()).isEqualTo("read_file");
        assertThat(attr(agent, "gen_ai.output.messages")).contains("The key is [REDACTED:env:OPENAI_API_KEY]");

        assertThat(all).allSatisfy(s -> s.getAttributes().forEach((k, v) -> assertThat(String.valueOf(v)).doesNotContain(SECRET)));
    }

    @Test
    void aSubagentsRunNestsUnderItsParentsRun() throws Exception {
        var parent = ScriptedModel.of(
                ScriptedModel.toolTurn(null, "spawn_agent", "{\"instructions\":\"CHILD-TASK: write hi to out.md\",\"output_path\":\"out.md\"}"),
                ScriptedModel.turn("done"));
        var child = ScriptedModel.of(
                ScriptedModel.toolTurn(null, "write_file", "{\"path\":\"out.md\",\"content\":\"hi\"}"),
                ScriptedModel.turn("wrote out.md"));
        // one model for both, answering the child's runs from the child's script
        Model model = new Model() {
            @Override public String id() { return "scripted:inline"; }

            @Override
            public ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
                boolean isChild = request.messages().stream().anyMatch(m -> m.role() == Role.USER && m.text().contains("CHILD-TASK"));
                return (isChild ? child : parent).chat(request, listener);
            }
        };
        var seen = new CopyOnWriteArrayList<Event>();
        var result = run(Map.of(), Map.of(), model, "delegate the writing", seen);
        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(Files.readString(ws.resolve("out.md"))).isEqualTo("hi");

        var all = spans.getFinishedSpanItems();
        var top = named(all, "invoke_agent apprentice");
        var sub = named(all, "invoke_agent subagent");
        var spawn = named(all, "execute_tool spawn_agent");
        var write = named(all, "execute_tool write_file");
        assertThat(sub.getTraceId()).isEqualTo(top.getTraceId());
        assertThat(sub.getParentSpanId()).isEqualTo(top.getSpanId());
        assertThat(attr(sub, "apprentice.run.parent_id")).isEqualTo(result.runId());
        assertThat(attr(sub, "gen_ai.agent.name")).isEqualTo("subagent");
        assertThat(spawn.getParentSpanId()).isEqualTo(top.getSpanId());
        assertThat(write.getParentSpanId()).as("the child's tool call is the child's").isEqualTo(sub.getSpanId());
        var childChats = all.stream().filter(s -> s.getName().startsWith("chat ") && s.getParentSpanId().equals(sub.getSpanId())).toList();
        assertThat(childChats).hasSize(2);
        // the subagent ran while the parent's spawn_agent call did
        assertThat(sub.getStartEpochNanos()).isGreaterThanOrEqualTo(spawn.getStartEpochNanos());
        assertThat(sub.getEndEpochNanos()).isLessThanOrEqualTo(top.getEndEpochNanos());
    }

    @Test
    void aFailedModelCallIsAFailedChatSpanAndAFailedRun() throws Exception {
        var failing = ScriptedModel.of(Json.object().put("error", "HTTP 401: bad key " + SECRET).put("retryable", false));
        var result = run(Map.of("OPENAI_API_KEY", SECRET), Map.of(), failing, "anything", new CopyOnWriteArrayList<>());
        assertThat(result.status()).isEqualTo(RunStatus.FAILED);

        var all = spans.getFinishedSpanItems();
        var agent = named(all, "invoke_agent apprentice");
        var chat = named(all, "chat inline");
        assertThat(chat.getParentSpanId()).isEqualTo(agent.getSpanId());
        assertThat(chat.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(attr(chat, "error.type")).isEqualTo("model_error");
        assertThat(agent.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(attr(agent, "error.type")).isEqualTo("model_error");
        // without content capture the error's text (which may quote what was sent) stays out
        assertThat(all).allSatisfy(s -> assertThat(s.getStatus().getDescription()).doesNotContain("bad key"));

        var duration = metrics.collectAllMetrics().stream().filter(m -> m.getName().equals("gen_ai.client.operation.duration")).findFirst().orElseThrow();
        assertThat(duration.getHistogramData().getPoints()).allSatisfy(p -> assertThat(p.getAttributes().get(RunTracer.ERROR_TYPE)).isEqualTo("model_error"));
    }
}
