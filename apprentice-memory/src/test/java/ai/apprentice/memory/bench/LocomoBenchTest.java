package ai.apprentice.memory.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.memory.OnnxEmbedder;
import ai.apprentice.testkit.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(300)
class LocomoBenchTest {
    static Path data() {
        return Requirements.sharedDir("benchmarks/locomo/locomo10.json");
    }

    @Test
    void theFileLoadsWithItsEvidenceRepaired() throws Exception {
        var data = Locomo.load(data());
        assertThat(data.conversations()).hasSize(10);
        assertThat(data.conversations().stream().mapToInt(c -> c.turns().size()).sum()).isEqualTo(5882);
        assertThat(data.conversations().stream().mapToLong(c -> c.questions().size()).sum()).isEqualTo(1986);
        assertThat(data.conversations().stream().flatMap(c -> c.questions().stream()).filter(q -> !q.evidence().isEmpty()).count()).isEqualTo(1982);
        assertThat(data.droppedEvidence()).isEqualTo(3);
        assertThat(data.conversations().getFirst().turns().get(2).document()).startsWith("Caroline said, \"");
    }

    @Test
    void hybridRecallBeatsEitherMethodAloneOnAConversation() throws Exception {
        var full = Locomo.load(data());
        var one = new Locomo(full.conversations().subList(0, 1), 0);
        var report = new LocomoBench(new OnnxEmbedder()).run(one, null);
        assertThat(report.get("questions").asInt()).isEqualTo(one.conversations().getFirst().questions().stream().filter(q -> !q.evidence().isEmpty()).count());
        double hybrid = report.at("/methods/hybrid/recall/10").asDouble();
        assertThat(hybrid).isGreaterThan(report.at("/methods/lexical/recall/10").asDouble())
                .isGreaterThan(report.at("/methods/vector/recall/10").asDouble())
                .isGreaterThanOrEqualTo(66.2); // the paper's best retriever over all conversations
        for (var k : new String[] {"1", "5", "10", "25", "50"}) assertThat(report.at("/methods/hybrid/recall/" + k).isNumber()).isTrue();
        assertThat(report.at("/methods/hybrid/by_category/4/name").asText()).isEqualTo("single-hop");
    }

    @Test
    void aMissingOrWrongFileIsExplained(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> Locomo.load(dir.resolve("none.json"))).hasMessageContaining("no LoCoMo file at");
        Files.writeString(dir.resolve("x.json"), "{\"a\": 1}");
        assertThatThrownBy(() -> Locomo.load(dir.resolve("x.json"))).hasMessageContaining("is not a LoCoMo file");
    }
}
