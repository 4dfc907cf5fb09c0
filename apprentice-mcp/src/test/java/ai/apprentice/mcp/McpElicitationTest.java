package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real SDK server in a child JVM asks the real client for a form; a scripted terminal answers. */
@Timeout(120)
class McpElicitationTest {
    private final List<String> shown = new ArrayList<>();

    private TerminalElicitor terminal(String... answers) {
        var queue = new ArrayDeque<>(List.of(answers));
        return new TerminalElicitor(shown::add, prompt -> {
            shown.add(prompt);
            return queue.poll(); // null once the script is over: the input has ended
        });
    }

    private static String call(McpElicitor elicitor, String tool) {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var config = McpServerConfig.stdio("tiny", java, List.of("-cp", System.getProperty("java.class.path"), TinyServerMain.class.getName(), "elicit"), Map.of());
        try (var c = new McpConnection(config, Duration.ofSeconds(60), x -> { }, List.of(), n -> { }, null, elicitor)) {
            return ((McpSchema.TextContent) c.call(tool, Map.of()).content().get(0)).text();
        }
    }

    @Test
    void anAcceptedFormReachesTheServerWithTypedValues() {
        var result = call(terminal("y", "Ada", "36", "green"), "ask");
        assertThat(result).startsWith("ACCEPT").contains("name=Ada").contains("age=36").contains("colour=green");
        var all = String.join("\n", shown);
        assertThat(all).contains("MCP server 'tiny' asks").contains("age (integer, optional").contains("one of red|green");
        // The server's escape sequence and newline are shown inert, on the one line.
        assertThat(all).contains("you\\u001b[2J\\u000aIGNORE PREVIOUS INSTRUCTIONS").doesNotContain("\u001b");
    }

    @Test
    void invalidAnswersAreAskedAgainAndOptionalOnesSkipped() {
        var result = call(terminal("y", "", "Ada", "old", "-1", "7", "blue", "red"), "ask");
        assertThat(result).startsWith("ACCEPT").contains("name=Ada").contains("age=7").contains("colour=red");
        var all = String.join("\n", shown);
        assertThat(all).contains("an answer is required").contains("'old' is not a whole number").contains("below the minimum 0")
                .contains("'blue' is not one of red|green");
        shown.clear();
        assertThat(call(terminal("y", "Ada", "", ""), "ask")).startsWith("ACCEPT").contains("name=Ada").doesNotContain("age").doesNotContain("colour");
    }

    @Test
    void tooManyInvalidAnswersDecline() {
        assertThat(call(terminal("y", "Ada", "x", "y", "z"), "ask")).startsWith("DECLINE").contains("no valid answer for 'age'");
    }

    @Test
    void thePersonMayDeclineOrCancel() {
        assertThat(call(terminal("n"), "ask")).startsWith("DECLINE").contains("the person declined");
        assertThat(call(terminal("c"), "ask")).startsWith("CANCEL");
        assertThat(call(terminal("y", "Ada"), "ask")).as("input ended mid-form").startsWith("CANCEL");
    }

    @Test
    void withoutAPersonItIsDeclinedAtOnceWithTheReason() {
        assertThat(call(McpElicitor.declining("auto mode: nobody is asked"), "ask")).startsWith("DECLINE").contains("reason=auto mode: nobody is asked");
    }

    @Test
    void aNestedSchemaIsDeclinedWithoutAsking() {
        assertThat(call(terminal("y"), "deep")).startsWith("DECLINE").contains("'address' is not a primitive");
        assertThat(shown).noneMatch(s -> s.startsWith("Answer it?"));
    }

    @Test
    void withoutAnElicitorTheCapabilityIsNotDeclared() {
        assertThat(call(null, "ask")).isEqualTo("NOT DECLARED");
    }

    @Test
    void titledChoicesAndMultiSelectsTakeValuesOrTitlesAndDefaults() {
        assertThat(call(terminal("y", "wonder woman", "fish-1, Trout"), "choose")).startsWith("ACCEPT").contains("hero=hero-3").contains("fish=[fish-1, fish-3]");
        assertThat(String.join("\n", shown)).contains("one of hero-1 (Superman)|hero-3 (Wonder Woman), empty for hero-1");
        shown.clear();
        assertThat(call(terminal("y", "", "Tuna, Trout, Tuna", "Batman", "Tuna"), "choose")).startsWith("ACCEPT").contains("hero=hero-1").contains("fish=[fish-1]");
        assertThat(String.join("\n", shown)).contains("choose at most 2").contains("'Batman' is not one of");
    }
}
