package ai.apprentice.providers;

import static ai.apprentice.testkit.MockReply.cut;
import static ai.apprentice.testkit.MockReply.text;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.RetryPolicy;
import ai.apprentice.model.Usage;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.testkit.MockAnthropicServer;
import ai.apprentice.testkit.MockOpenAiServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Streams that break mid-way, through the real providers, RetryingModel and an agent's run. */
@Timeout(60)
class StreamingFaultsTest {
    private static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(10));

    /** Shows streamed text the way a terminal would: appends deltas, drops what a retry voids. */
    private static final class Screen {
        final StringBuilder shown = new StringBuilder();
        final StringBuilder naive = new StringBuilder();
        final List<Event> events = new CopyOnWriteArrayList<>();

        void onEvent(Event e) {
            events.add(e);
            switch (e) {
                case Event.ModelDelta d -> {
                    shown.append(d.text());
                    naive.append(d.text());
                }
                case Event.ModelRetry r -> shown.setLength(shown.length() - r.discardChars());
                default -> { }
            }
        }
    }

    @Test
    void aRetryAfterStreamedTextLeavesExactlyTheFinalText() throws Exception {
        try (var server = new MockOpenAiServer()) {
            server.enqueue(cut("Hel"), text("Hello world"));
            var settings = new ProviderSettings(server.baseUrl(), null, FAST, null, Duration.ofSeconds(10), Map.of());
            var model = Providers.resolve("openai:gpt-4.1-mini", settings, Map.of("OPENAI_API_KEY", "sk-test")::get);
            var screen = new Screen();
            var result = Agent.builder().model(model).listener(screen::onEvent).build().run("greet");
            assertThat(result.answer()).isEqualTo("Hello world");
            assertThat(screen.naive.toString()).isEqualTo("HelHello world"); // what the listener received
            assertThat(screen.shown.toString()).isEqualTo("Hello world");
            assertThat(screen.events).filteredOn(e -> e instanceof Event.ModelRetry).singleElement()
                    .satisfies(e -> assertThat(((Event.ModelRetry) e).discardChars()).isEqualTo(3));
            assertThat(server.requests()).hasSize(2);
        }
    }

    @Test
    void inputTokensOfABrokenStreamAreCharged() throws Exception {
        try (var server = new MockAnthropicServer()) {
            // The cut attempt reports 20 input tokens (and 1 output) in message_start before breaking off.
            server.enqueue(cut("Hel"), text("Hello"));
            var settings = new ProviderSettings(null, null, FAST, null, Duration.ofSeconds(10), Map.of());
            var model = Providers.resolve("anthropic:claude-sonnet-4-5", settings,
                    Map.of("ANTHROPIC_API_KEY", "sk-ant-test", "ANTHROPIC_BASE_URL", server.baseUrl())::get);
            var result = Agent.builder().model(model).build().run("greet");
            assertThat(result.answer()).isEqualTo("Hello");
            assertThat(result.usage()).isEqualTo(new Usage(20 + 12, 1 + 1));

            server.enqueue(cut("a"), cut("b"), cut("c"));
            var failed = Agent.builder().model(model).build().run("greet");
            assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
            assertThat(failed.usage()).isEqualTo(new Usage(60, 3));
        }
    }
}
