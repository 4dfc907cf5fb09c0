package ai.apprentice.local;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.Message;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.ToolSpec;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Event;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.Tools;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** llama.cpp in process, on a tiny random-weight Llama written by {@link TinyLlama}: real loading, tokenising, sampling and grammars. */
@Timeout(120)
class LocalModelTest {
    @TempDir static Path dir;
    static Path file;
    static LocalModel seeded;

    static final Tool ECHO = Tools.builder("echo").description("Repeats a short message").schema(Json.tree("""
            {"type": "object", "properties": {"message": {"type": "string", "maxLength": 12}}, "required": ["message"]}"""))
            .execute((args, ctx) -> "echo: " + args.get("message").asText());
    static final Tool ADD = Tools.builder("add").description("Adds two integers").schema(Json.tree("""
            {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0, "maximum": 999}, "b": {"type": "integer", "minimum": 0, "maximum": 999}},
             "required": ["a", "b"]}"""))
            .execute((args, ctx) -> String.valueOf(args.get("a").asLong() + args.get("b").asLong()));
    static final Tool PAINT = Tools.builder("paint").description("Picks a colour").schema(Json.tree("""
            {"type": "object", "properties": {"colour": {"enum": ["red", "green", "blue"]}, "glossy": {"type": "boolean"}}, "required": ["colour", "glossy"]}"""))
            .execute((args, ctx) -> "painted " + args.get("colour").asText());

    @BeforeAll
    static void writeModel() throws Exception {
        file = TinyLlama.write(dir.resolve("tiny.gguf"), 7);
        // sampled with a fixed seed: repeatable, and unlike greedy decoding of random weights it does not loop on one token
        seeded = new LocalModel("local:tiny", file, new LocalSettings(1024, 2, 48, 0.9, "auto", 11));
    }

    @AfterAll
    static void close() {
        seeded.close();
    }

    private static ChatRequest ask(String text) {
        return new ChatRequest(List.of(Message.system("Be brief."), Message.user(text)), List.of(), null, null, null);
    }

    @Test
    void theGeneratedFileIsGgufThatLlamaCppLoadsAndTokenises() throws Exception {
        var info = Gguf.readMetadata(file);
        assertThat(info.version()).isEqualTo(3);
        assertThat(info.string("general.architecture")).isEqualTo("llama");
        assertThat(info.number("llama.block_count", -1)).isEqualTo(TinyLlama.LAYERS);
        assertThat(info.tensors()).isEqualTo(3 + 9L * TinyLlama.LAYERS);
        var text = "Hello, world {\"a\": 1} \u00e9t\u00e9";
        var tokens = seeded.tokenize(text);
        assertThat(tokens.length).isBetween(5, text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 2);
        assertThat(seeded.detokenize(tokens).strip()).isEqualTo(text); // é is not in the vocabulary: byte fallback
        assertThat(LocalModel.contextOf(file)).isEqualTo(TinyLlama.CONTEXT);
        assertThat(seeded.contextWindow()).isEqualTo(1024);
        assertThat(Agent.builder().model(new LocalModel("local:tiny", file, LocalSettings.defaults())).build().contextWindow())
                .as("the agent compacts within the model's own context").isEqualTo(TinyLlama.CONTEXT);
    }

    @Test
    void streamsTextAndCountsTokens() throws Exception {
        var deltas = new StringBuilder();
        var response = seeded.chat(ask("Say something."), new ModelListener() {
            @Override
            public void onTextDelta(String text) {
                deltas.append(text);
            }
        });
        assertThat(response.message().content()).isNotEmpty().isEqualTo(deltas.toString().strip());
        assertThat(response.usage().inputTokens()).isGreaterThan(10);
        assertThat(response.usage().outputTokens()).isBetween(1L, 48L);
        assertThat(response.finishReason()).isIn("stop", "length");
        var again = seeded.chat(ask("Say something."), ModelListener.NONE);
        assertThat(again.message().content()).as("a fixed seed repeats").isEqualTo(response.message().content());
    }

    @Test
    void aStopSequenceEndsTheReplyBeforeIt() throws Exception {
        var full = seeded.chat(ask("Write on."), ModelListener.NONE).message().content();
        assertThat(full.length()).as(full).isGreaterThan(8);
        // a stop of two ASCII letters or digits (the random model also emits stray bytes, which are not characters)
        var m = java.util.regex.Pattern.compile("[A-Za-z0-9]{2}").matcher(full);
        assertThat(m.find(3)).as(full).isTrue();
        var stop = m.group();
        var cut = seeded.chat(ask("Write on.").withStop(List.of(stop)), ModelListener.NONE).message().content();
        assertThat(cut).isEqualTo(full.substring(0, full.indexOf(stop)).strip());
    }

    // Repeated: a call after a cancelled one reused the slot's prompt cache and often generated something else
    // (15 of 20 repetitions failed before the fix; once per run it passed by luck).
    @org.junit.jupiter.api.RepeatedTest(5)
    void anInterruptStopsGenerationAndFreesTheModelForTheNextCall() throws Exception {
        // seed 8 makes this model write about 580 tokens (about a second) before it stops by itself
        try (var model = new LocalModel("local:tiny", file, new LocalSettings(4096, 2, 3000, 0.9, "auto", 8))) {
            long full = model.chat(ask("Write on."), ModelListener.NONE).usage().outputTokens();
            assertThat(full).isGreaterThan(300);
            var streamed = new java.util.concurrent.atomic.AtomicInteger();
            var thrown = new java.util.concurrent.atomic.AtomicReference<Throwable>();
            var worker = new Thread(() -> {
                try {
                    model.chat(ask("Write on."), new ModelListener() {
                        @Override
                        public void onTextDelta(String text) {
                            streamed.incrementAndGet();
                        }
                    });
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            worker.start();
            while (streamed.get() < 20 && worker.isAlive()) Thread.sleep(1);
            worker.interrupt();
            worker.join(10_000);
            assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
            assertThat((long) streamed.get()).isLessThan(full);
            var again = model.chat(ask("Write on."), ModelListener.NONE);
            assertThat(again.usage().outputTokens()).as("the slot was freed, and the seed repeats").isEqualTo(full);
        }
    }

    @Test
    void theGrammarMakesEveryToolCallValidJsonForItsSchema() throws Exception {
        var registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        var all = List.of(ECHO.spec(), ADD.spec(), PAINT.spec());
        // each tool alone, several seeds, then all three offered at once
        var offers = new ArrayList<List<ToolSpec>>();
        for (var spec : all) for (int i = 0; i < 3; i++) offers.add(List.of(spec));
        for (int i = 0; i < 3; i++) offers.add(all);
        int seed = 0;
        for (var offer : offers) {
            seed++;
            try (var sampled = new LocalModel("local:tiny", file, new LocalSettings(1024, 2, 200, 1.0, "required", seed))) {
                var response = sampled.chat(new ChatRequest(List.of(Message.user("Use a tool.")), offer, null, null, null), ModelListener.NONE);
                assertThat(response.finishReason()).isEqualTo("tool_calls");
                assertThat(response.message().toolCalls()).as("seed %d: %s", seed, response.message().content()).isNotEmpty();
                for (var call : response.message().toolCalls()) {
                    var spec = offer.stream().filter(s -> s.name().equals(call.name())).findFirst()
                            .orElseThrow(() -> new AssertionError("called a tool not offered: " + call.name()));
                    var problems = registry.getSchema(spec.parameters()).validate(Json.tree(call.arguments()));
                    assertThat(problems).as("%s %s", call.name(), call.arguments()).isEmpty();
                }
            }
        }
    }

    @Test
    void toolCallsRunThroughTheAgentLoop() throws Exception {
        var events = new CopyOnWriteArrayList<Event>();
        try (var model = new LocalModel("local:tiny", file, new LocalSettings(2048, 2, 200, 1.0, "required", 3))) {
            var result = Agent.builder().model(model).tool(ECHO).tool(ADD).tool(PAINT).maxSteps(3).listener(events::add)
                    .build().run("Use the tools.");
            var calls = events.stream().filter(e -> e instanceof Event.ToolCallEvent).map(e -> ((Event.ToolCallEvent) e).call()).toList();
            var results = events.stream().filter(e -> e instanceof Event.ToolResultEvent).map(e -> (Event.ToolResultEvent) e).toList();
            assertThat(calls).as(result.toString()).hasSizeGreaterThanOrEqualTo(3);
            assertThat(results).hasSameSizeAs(calls).allSatisfy(r -> assertThat(r.error()).as(r.content()).isFalse());
            assertThat(results).allSatisfy(r -> assertThat(r.content()).matches("echo: .*|\\d+|painted (red|green|blue)"));
            var usage = events.stream().filter(e -> e instanceof Event.UsageEvent).toList();
            assertThat(usage).isNotEmpty();
        }
    }

    @Test
    void toolsAreDescribedAndResultsReturnedInTheTemplate() {
        var messages = new ArrayList<Message>(List.of(Message.system("Rules."), Message.user("add 2 and 3"),
                Message.assistant("", List.of(new ai.apprentice.model.ToolCall("c1", "add", "{\"a\":2,\"b\":3}"))),
                Message.toolResult("c1", "add", "5")));
        var system = ToolFormat.system(messages, List.of(ADD.spec()), false);
        assertThat(system).startsWith("Rules.").contains("\"name\":\"add\"").contains("<tool_call>");
        var turns = ToolFormat.turns(messages);
        assertThat(turns).extracting(p -> p.getKey()).containsExactly("user", "assistant", "user");
        assertThat(turns.get(1).getValue()).contains("<tool_call>\n{\"name\":\"add\",\"arguments\":{\"a\":2,\"b\":3}}\n</tool_call>");
        assertThat(turns.get(2).getValue()).contains("<tool_response>").contains("\"content\":\"5\"");
        var parsed = ToolFormat.parse("\n<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>\n<tool_call>{bad</tool_call>", "x_");
        var prose = ToolFormat.parse("Let me add.\n<tool_call>\n{\"name\": \"add\", \"arguments\": {}}\n</tool_call>", "x_");
        assertThat(prose.calls()).as("markup inside prose was not constrained by the grammar: it stays text").isEmpty();
        assertThat(prose.text()).startsWith("Let me add.");
        assertThat(parsed.text()).isEmpty();
        assertThat(parsed.calls()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("add");
            assertThat(Json.tree(c.arguments()).get("b").asInt()).isEqualTo(2);
        });
    }
}
