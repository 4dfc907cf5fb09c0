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

    @Test
    void pricesFromTheConfigAreShownBesideTheBuiltInOnes() throws Exception {
        java.nio.file.Files.writeString(home.resolve("config.yaml"),
                "prices:\n  openai:my-model: {input: 2.0, output: 8.0, cached_input: 0.5, as_of: 2026-12-01, source: our contract}\n");
        var r = new CliHarness(home, workspace).run("models", "--prices");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("openai:my-model\\s+2\\.000\\s+0\\.500\\s+2\\.000\\s+8\\.000\\s+2026-12-01\\s+our contract");
    }
}
