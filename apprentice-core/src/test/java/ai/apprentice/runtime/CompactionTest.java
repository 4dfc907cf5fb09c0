package ai.apprentice.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.context.TokenCounter;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Role;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.Usage;
import ai.apprentice.tool.Tools;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class CompactionTest {
    static final String RULE = "PROJECT RULE: commit messages are in the imperative mood.";
    static final String TASK = "TASK: read the ten log files and report the magic number.";
    static final String SKILL = "SKILL log-reading: read every file before you conclude.";

    /** Plays a fixed run: one use_skill call, then many dump calls, then an answer; summarises on request. */
    static final class LongRunModel implements Model {
        final List<ChatRequest> requests = new CopyOnWriteArrayList<>();
        final List<ChatRequest> summaryRequests = new CopyOnWriteArrayList<>();
        private final int dumps;
        private final String thoughts;
        private int turn;

        /** {@code thinking} characters of reasoning come with every call, as chatty models write. */
        LongRunModel(int dumps, int thinking) {
            this.dumps = dumps;
            this.thoughts = "I should look at the next file carefully. ".repeat(thinking / 43);
        }

        @Override public String id() { return "test-model"; }

        @Override
        public ChatResponse chat(ChatRequest request, ModelListener listener) {
            if (request.messages().getFirst().text().startsWith("You compress the working history")) {
                summaryRequests.add(request);
                return new ChatResponse(Message.assistant("SUMMARY: files 1 to 6 read; the magic number so far is 42."), new Usage(500, 40), "stop");
            }
            requests.add(request);
            int t = turn++;
            if (t == 0) return call("use_skill", "{\"name\":\"log-reading\"}", t, "");
            if (t <= dumps) return call("dump", "{\"file\":" + t + "}", t, thoughts);
            return new ChatResponse(Message.assistant("The magic number is 42."), new Usage(100, 10), "stop");
        }

        private static ChatResponse call(String name, String args, int t, String text) {
            return new ChatResponse(Message.assistant(text, List.of(new ToolCall("c" + t, name, args))), new Usage(100, 10), "tool_calls");
        }
    }

    private static Agent agent(LongRunModel model, List<Event> events, int window) {
        return Agent.builder().model(model).instructions("You are careful.\n\n" + RULE).contextWindow(window)
                .tool(Tools.builder("use_skill").description("Load a skill").param("name", "string", "skill").execute((a, c) -> SKILL))
                .tool(Tools.builder("dump").description("Read a log file").param("file", "integer", "which")
                        .execute((a, c) -> ("log line of file " + a.get("file").asInt() + " ").repeat(120)))
                .listener(events::add).build();
    }

    private static List<Event.Compacted> compactions(List<Event> events) {
        return events.stream().filter(e -> e instanceof Event.Compacted).map(e -> (Event.Compacted) e).toList();
    }

    @Test
    void oldToolResultsBecomeReferencesFirst() throws Exception {
        var model = new LongRunModel(10, 0);
        var events = new CopyOnWriteArrayList<Event>();
        assertThat(agent(model, events, 4000).run(TASK).status()).isEqualTo(RunStatus.SUCCEEDED);
        var compactions = compactions(events);
        assertThat(compactions).isNotEmpty().allSatisfy(c -> {
            assertThat(c.tokensAfter()).isLessThanOrEqualTo((int) (Compactor.TARGET * 4000));
            assertThat(c.elided()).isPositive();
            assertThat(c.summarised()).isZero(); // references were enough: no model call spent on a summary
        });
        assertThat(model.summaryRequests).isEmpty();
        assertThat(model.requests).anyMatch(r -> r.messages().stream().anyMatch(m -> m.text().startsWith("[elided when the context was compacted")
                && m.text().contains("dump {\"file\":")));
        // The skill's instructions are never elided.
        assertThat(model.requests.getLast().messages()).anyMatch(m -> m.role() == Role.TOOL && m.text().equals(SKILL));
    }

    @Test
    void whenReferencesAreNotEnoughTheModelSummarisesWhilePinnedContentStays() throws Exception {
        var model = new LongRunModel(10, 1200);
        var events = new CopyOnWriteArrayList<Event>();
        var result = agent(model, events, 4000).run(TASK);
        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);

        var compactions = compactions(events);
        assertThat(compactions).anyMatch(c -> c.summarised() > 0);
        assertThat(compactions).allSatisfy(c -> assertThat(c.tokensAfter()).isLessThan(c.tokensBefore()));
        assertThat(model.summaryRequests).isNotEmpty();
        assertThat(model.summaryRequests.getFirst().messages().get(1).text()).contains(TASK).contains("agent called dump");

        var counter = TokenCounter.forModel("test-model");
        for (var request : model.requests) {
            var messages = request.messages();
            // The instructions (with the project's rules) and the task are in every request, first and unchanged.
            assertThat(messages.get(0).role()).isEqualTo(Role.SYSTEM);
            assertThat(messages.get(0).text()).contains(RULE);
            assertThat(messages.get(1).text()).isEqualTo(TASK);
            assertThat(counter.count(messages)).isLessThan(4000);
            // No tool result is ever parted from its call.
            for (var m : messages) {
                if (m.role() == Role.TOOL) assertThat(messages).anyMatch(a -> a.toolCalls().stream().anyMatch(c -> c.id().equals(m.toolCallId())));
            }
        }
        var last = model.requests.getLast().messages();
        assertThat(last).anyMatch(m -> m.text().startsWith(Compactor.SUMMARY_HEADER) && m.text().contains("magic number so far is 42")
                && m.text().contains(SKILL)); // the skill in use survives the summary word for word
        // The summary call is paid for like any other.
        assertThat(result.usage().inputTokens()).isEqualTo(100L * model.requests.size() + 500L * model.summaryRequests.size());
    }

    @Test
    void aShortRunIsNeverCompacted() throws Exception {
        var model = new LongRunModel(2, 0);
        var events = new CopyOnWriteArrayList<Event>();
        assertThat(agent(model, events, 32_000).run(TASK).status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(events).noneMatch(e -> e instanceof Event.Compacted);
        assertThat(model.summaryRequests).isEmpty();
    }

    @Test
    void tokenCountsAreExactForOpenAiAndCloseElsewhere() {
        var o200k = TokenCounter.forModel("openai:gpt-4.1-mini");
        assertThat(o200k.count("hello world")).isEqualTo(2);
        assertThat(TokenCounter.forModel("gpt-4").count("hello world")).isEqualTo(2);
        String english = "The quick brown fox jumps over the lazy dog while the agent reads every log file in the workspace, "
                + "checks the tests, and writes a short report of what it found and what remains to be done.";
        String code = "public static int add(int a, int b) {\n    return a + b; // sum\n}\nfor (var x : xs) total += x * 2;";
        String chinese = "记忆系统的瓶颈不是推理能力，而是缺少上下文。我们把用户的聊天记录和文档导入为长期记忆。";
        String json = "{\"name\": \"read_file\", \"arguments\": {\"path\": \"src/main/java/ai/apprentice/runtime/RunLoop.java\", \"offset\": 120}}";
        for (var text : List.of(english, code, chinese, json)) {
            int exact = o200k.count(text);
            assertThat((double) TokenCounter.ESTIMATE.count(text)).as(text).isBetween(exact * 0.75, exact * 1.25 + 2);
        }
    }
}
