package ai.apprentice.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.apprentice.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class PriceTableTest {
    private final PriceTable prices = PriceTable.defaults();

    @Test
    void anthropicBillsCacheReadsAtATenthAndWritesAtOneAndAQuarter() {
        // 10,000 input tokens: 8,000 read from the cache, 1,500 written to it, 500 plain; 1,000 output.
        var usage = new Usage(10_000, 1_000, 8_000, 1_500, 0);
        double expected = (500 * 3.00 + 8_000 * 0.30 + 1_500 * 3.75 + 1_000 * 15.00) / 1e6;
        assertThat(prices.cost("anthropic:claude-sonnet-4-5", usage)).isCloseTo(expected, within(1e-12));
        assertThat(prices.cost("anthropic:claude-sonnet-4-5", usage)).isLessThan(prices.cost("anthropic:claude-sonnet-4-5", new Usage(10_000, 1_000)));
    }

    @Test
    void openAiBillsCachedInputAtItsDiscountAndReasoningAsOutput() {
        var usage = new Usage(4_096, 900, 3_968, 0, 700); // 700 of the 900 output tokens were reasoning
        double expected = (128 * 2.00 + 3_968 * 0.50 + 900 * 8.00) / 1e6;
        assertThat(prices.cost("openai:gpt-4.1", usage)).isCloseTo(expected, within(1e-12));
    }

    @Test
    void everyDefaultPriceSaysWhenAndWhereFrom() {
        assertThat(prices.asMap()).isNotEmpty().allSatisfy((model, price) -> {
            assertThat(price.asOf()).as(model).matches("\\d{4}-\\d{2}-\\d{2}");
            assertThat(price.source()).as(model).startsWith("https://");
            assertThat(price.cachedInputPerMillion()).as(model).isLessThan(price.inputPerMillion());
        });
    }

    @Test
    void aModelWithoutAPriceSaysSo() {
        assertThat(prices.priced("qwen:qwen-plus")).isFalse();
        assertThat(prices.lookup("qwen:qwen-plus")).isNull();
        assertThat(prices.priced("openai:gpt-4.1-mini")).isTrue();
        // On this machine there is no bill: free, not unpriced.
        assertThat(prices.priced("local:qwen2.5-1.5b-instruct")).isTrue();
        assertThat(prices.cost("ollama:qwen2.5", new Usage(1000, 1000))).isZero();
        assertThat(prices.priced("compat:my-model")).isFalse();
    }

    @Test
    void aDatedSnapshotTakesItsFamilysPriceAndTheLongestNameWins() {
        assertThat(prices.lookup("anthropic:claude-sonnet-4-5-20250929")).isEqualTo(prices.lookup("claude-sonnet-4-5"));
        assertThat(prices.lookup("openai:gpt-4.1-mini-2025-04-14")).isEqualTo(prices.lookup("gpt-4.1-mini"));
        assertThat(prices.lookup("openai:gpt-4.1-mini-2025-04-14")).isNotEqualTo(prices.lookup("gpt-4.1"));
        assertThat(prices.lookup("openai:gpt-4.10")).isNull(); // not a snapshot of gpt-4.1
    }

    @Test
    void aPlainPriceHasNoCacheDiscount() {
        var p = new Price(1000, 2000);
        assertThat(p.cost(new Usage(1000, 0, 900, 0, 0))).isEqualTo(p.cost(new Usage(1000, 0)));
    }

    @Test
    void usageAddsUpEveryCountAndRefusesNegatives() {
        var sum = new Usage(10, 2, 5, 1, 1).plus(new Usage(20, 3, 10, 2, 2));
        assertThat(sum).isEqualTo(new Usage(30, 5, 15, 3, 3));
        assertThat(sum.uncachedInputTokens()).isEqualTo(12);
        assertThatThrownBy(() -> new Usage(-1, 0)).hasMessageContaining("negative");
    }

    @Test
    void reasoningTravelsWithItsMessageAndIsLeftOutWhenThereIsNone() {
        var m = Message.assistant("", List.of(new ToolCall("t1", "add", "{}")),
                List.of(Reasoning.thinking("Let me add.", "sig=="), Reasoning.redacted("ENCRYPTED")));
        var back = Json.read(Json.write(m), Message.class);
        assertThat(back).isEqualTo(m);
        assertThat(back.text()).isEmpty();
        assertThat(Json.write(Message.assistant("hi"))).doesNotContain("reasoning");
        assertThat(Json.read("{\"role\":\"assistant\",\"content\":\"old\"}", Message.class).reasoning()).isEmpty();
    }
}
