package ai.apprentice.memory;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.Message;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.Usage;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryExtractorTest {
    @Test
    void readsTheModelsJsonAndRefusesAnythingElse() {
        var ok = MemoryExtractor.parse("Here you go: {\"memories\": [{\"text\": \"The user deploys on Fridays.\", \"kind\": \"fact\"},"
                + "{\"text\": \"Prefers pnpm.\", \"kind\": \"rumour\", \"replaces\": \"m-123\"}, {\"text\": \"  \"}]} done", Usage.ZERO, "user", "run r1");
        assertThat(ok.problem()).isNull();
        assertThat(ok.memories()).extracting(Memory.New::text).containsExactly("The user deploys on Fridays.", "Prefers pnpm.");
        assertThat(ok.memories().get(1).kind()).isEqualTo(Memory.Kind.FACT); // an unknown kind falls back to fact
        assertThat(ok.memories().get(1).supersedes()).isEqualTo("m-123");
        assertThat(ok.memories().getFirst().source()).isEqualTo("run r1");

        var many = new StringBuilder("{\"memories\": [");
        for (int i = 0; i < 9; i++) many.append(i == 0 ? "" : ",").append("{\"text\": \"fact ").append(i).append("\"}");
        assertThat(MemoryExtractor.parse(many + "]}", Usage.ZERO, "user", "x").memories()).hasSize(MemoryExtractor.MAX_MEMORIES);

        assertThat(MemoryExtractor.parse("Nothing to add.", Usage.ZERO, "user", "x").problem()).isEqualTo("the model did not answer with JSON");
        assertThat(MemoryExtractor.parse("{\"memories\": [", Usage.ZERO, "user", "x").problem()).isEqualTo("the model did not answer with JSON");
        assertThat(MemoryExtractor.parse("{\"memories\": [}", Usage.ZERO, "user", "x").problem()).startsWith("the model's JSON could not be read");
        assertThat(MemoryExtractor.parse("{\"memories\": []}", Usage.ZERO, "user", "x").memories()).isEmpty();
    }

    @Test
    void theSessionIsRenderedWithoutTheInstructionsAndCutFromTheFront() {
        var session = List.of(Message.system("SECRET INSTRUCTIONS"), Message.user("Fix the build"),
                Message.assistant("Looking.", List.of(new ToolCall("c1", "run_shell", "{\"command\":\"mvn verify\"}"))),
                Message.toolResult("c1", "run_shell", "BUILD FAILURE ".repeat(100)), Message.assistant("Fixed the pom."));
        String text = MemoryExtractor.render(session);
        assertThat(text).doesNotContain("SECRET").contains("user: Fix the build").contains("agent called run_shell").contains("agent: Fixed the pom.");
        assertThat(text).contains("result of run_shell: BUILD FAILURE").contains("...");
        var longSession = new java.util.ArrayList<Message>();
        for (int i = 0; i < 400; i++) longSession.add(Message.assistant("step " + i + " " + "x".repeat(100)));
        String cut = MemoryExtractor.render(longSession);
        assertThat(cut).startsWith("[... earlier part cut]").contains("step 399").doesNotContain("step 0 ");
    }
}
