package ai.apprentice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The simulated caches follow the documented rules, so that what the benchmark reports is what the rules give. */
class PromptCacheTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode chat(String system, String... users) {
        var body = JSON.createObjectNode();
        var messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", system);
        for (var u : users) messages.addObject().put("role", "user").put("content", u);
        return body;
    }

    @Test
    void openAiReadsTheSharedPrefixFrom1024TokensIn128TokenSteps() {
        var cache = new PromptCache();
        var system = "x".repeat(4 * 1300); // about 1,300 tokens
        assertThat(cache.openAi(chat(system, "one")).cacheRead()).isZero();
        var second = cache.openAi(chat(system, "one", "two"));
        assertThat(second.cacheRead()).isGreaterThanOrEqualTo(1024).isLessThan(second.total());
        assertThat((second.cacheRead() - 1024) % 128).isZero();
        // Shorter than the minimum: never cached, however often it repeats.
        var small = new PromptCache();
        small.openAi(chat("short", "q"));
        assertThat(small.openAi(chat("short", "q")).cacheRead()).isZero();
        // One changed byte at the start and nothing is shared.
        assertThat(cache.openAi(chat("y" + system.substring(1), "one")).cacheRead()).isZero();
    }

    private static ObjectNode messages(int turns, boolean markLast) {
        var body = JSON.createObjectNode();
        body.putArray("system").addObject().put("type", "text").put("text", "s".repeat(5000)).putObject("cache_control").put("type", "ephemeral");
        ArrayNode messages = body.putArray("messages");
        for (int i = 0; i < turns; i++) {
            var m = messages.addObject().put("role", i % 2 == 0 ? "user" : "assistant");
            var block = m.putArray("content").addObject().put("type", "text").put("text", "turn " + i + " " + "w".repeat(400));
            if (markLast && i == turns - 1) block.putObject("cache_control").put("type", "ephemeral");
        }
        return body;
    }

    @Test
    void anthropicReadsOnlyUpToBreakpointsAndWritesTheRest() {
        var cache = new PromptCache();
        var first = cache.anthropic(messages(1, true));
        assertThat(first.cacheRead()).isZero();
        assertThat(first.cacheWrite()).isEqualTo(first.total()); // everything up to the last breakpoint is written
        var second = cache.anthropic(messages(3, true));
        assertThat(second.cacheRead()).isEqualTo(first.total());
        assertThat(second.cacheRead() + second.cacheWrite()).isEqualTo(second.total());
        // Without a breakpoint on the history only the system prompt's entry can be read, and nothing more is written.
        var unmarked = cache.anthropic(messages(5, false));
        assertThat(unmarked.cacheRead()).isPositive().isLessThan(first.total());
        assertThat(unmarked.cacheWrite()).isZero();
        assertThat(unmarked.uncached()).isPositive();
    }

    @Test
    void anthropicLooksBackAtMostTwentyBlocks() {
        var cache = new PromptCache();
        cache.anthropic(messages(1, true));
        // 30 new blocks after the cached one: the breakpoint at the end cannot see it, only the system prompt's entry.
        var far = cache.anthropic(messages(31, true));
        assertThat(far.cacheRead()).isLessThan(cache.anthropic(messages(1, true)).total());
    }
}
