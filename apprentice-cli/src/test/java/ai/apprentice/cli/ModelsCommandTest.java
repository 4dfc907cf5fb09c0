package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelsCommandTest {
    @TempDir Path home;
    @TempDir Path workspace;

    @Test
    void pricesShowEveryPartOfThePriceWithDateAndSource() {
        var r = new CliHarness(home, workspace).run("models", "--prices");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("CACHED", "CACHE-W", "AS OF", "SOURCE");
        // Sonnet: $3 input, $0.30 cache read, $3.75 cache write, $15 output.
        assertThat(r.out()).containsPattern("claude-sonnet-4-5\\s+3\\.000\\s+0\\.300\\s+3\\.750\\s+15\\.000\\s+\\d{4}-\\d{2}-\\d{2}\\s+https://");
        assertThat(r.out()).contains("no price");
    }

    @Test
    void pricesAsJson() {
        var r = new CliHarness(home, workspace).run("models", "--prices", "--json");
        var gpt = Json.tree(r.out()).path("gpt-4.1");
        assertThat(gpt.path("cached_input_per_million").asDouble()).isEqualTo(0.5);
        assertThat(gpt.path("source").asText()).contains("openai.com");
    }
}
