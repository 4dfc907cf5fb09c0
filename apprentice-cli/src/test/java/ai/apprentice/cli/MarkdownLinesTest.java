package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.runtime.Event;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The answer's Markdown on a terminal: rendered line by line as it streams, plain marks without colour, raw when piped. */
class MarkdownLinesTest {
    private static final String B = "\u001b[1m", NB = "\u001b[22m", I = "\u001b[3m", NI = "\u001b[23m", U = "\u001b[4m", NU = "\u001b[24m";
    private static final String CYAN = "\u001b[36m", MAGENTA = "\u001b[35m", GREEN = "\u001b[32m", FG = "\u001b[39m", DIM = "\u001b[2m";

    @Test
    void headingsListsEmphasisAndInlineCode() {
        var md = new MarkdownLines(true);
        assertThat(md.render("# Title")).isEqualTo(B + U + "Title" + NU + NB);
        assertThat(md.render("## Steps ##")).isEqualTo(B + "Steps" + NB);
        assertThat(md.render("- run `make test` **now**")).isEqualTo("• run " + CYAN + "make test" + FG + " " + B + "now" + NB);
        assertThat(md.render("  * nested *item*")).isEqualTo("  • nested " + I + "item" + NI);
        assertThat(md.render("2. second")).isEqualTo(B + "2." + NB + " second");
        assertThat(md.render("see [docs](https://x.example/a)")).isEqualTo("see " + U + "docs" + NU + " " + DIM + "(https://x.example/a)" + NB);
        assertThat(md.render("---")).isEqualTo(DIM + "─".repeat(40) + NB);
        assertThat(md.render("> quoted")).isEqualTo(DIM + "│ " + NB + I + "quoted" + NI);
    }

    @Test
    void wordsWithUnderscoresAndLoneStarsStayAsWritten() {
        var md = new MarkdownLines(true);
        assertThat(md.render("call snake_case_name with 2 * 3 * 4")).isEqualTo("call snake_case_name with 2 * 3 * 4");
        assertThat(md.render("a `**not bold**` span")).isEqualTo("a " + CYAN + "**not bold**" + FG + " span");
    }

    @Test
    void fencedCodeIsHighlightedAndItsMarkdownLeftAlone() {
        var md = new MarkdownLines(true);
        assertThat(md.render("```python")).isEqualTo(DIM + "```python" + NB);
        assertThat(md.inCode()).isTrue();
        assertThat(md.render("def f(x):  # the *sum*")).isEqualTo(MAGENTA + "def" + FG + " f(x):  " + DIM + "# the *sum*" + NB);
        assertThat(md.render("    return \"# not a comment\" + 1"))
                .isEqualTo("    " + MAGENTA + "return" + FG + " " + GREEN + "\"# not a comment\"" + FG + " + \u001b[33m1" + FG);
        assertThat(md.render("# not a heading in code")).startsWith(DIM + "#");
        assertThat(md.render("```")).isEqualTo(DIM + "```" + NB);
        assertThat(md.inCode()).isFalse();
        assertThat(md.render("# Heading again")).startsWith(B);
        md.render("~~~");
        assertThat(md.render("if (x) return; // why")).isEqualTo(MAGENTA + "if" + FG + " (x) " + MAGENTA + "return" + FG + "; " + DIM + "// why" + NB);
        assertThat(md.render("```")).as("a ~~~ block is not closed by backticks").doesNotContain("```" + NB + "x");
        assertThat(md.inCode()).isTrue();
        md.reset();
        assertThat(md.inCode()).isFalse();
    }

    @Test
    void withoutColourOnlyWhatNeedsNoColourChanges() {
        var md = new MarkdownLines(false);
        assertThat(md.render("# Title")).isEqualTo("# Title");
        assertThat(md.render("- **bold** `code`")).isEqualTo("• **bold** `code`");
        assertThat(md.render("***")).isEqualTo("─".repeat(40));
        md.render("```java");
        assertThat(md.render("return x; // c")).isEqualTo("return x; // c");
    }

    private static String stream(boolean color, int width, String... deltas) {
        var bytes = new ByteArrayOutputStream();
        var out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        var p = EventPrinter.forTerminal(out, out, color, () -> width);
        for (var d : deltas) p.onEvent(new Event.ModelDelta("r", Instant.now(), 1, d));
        p.onEvent(new Event.StepCompleted("r", Instant.now(), 1, java.util.List.of()));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aStreamedLineShowsAsItArrivesAndIsRedrawnRenderedWhenComplete() {
        // "# Ti" shows as written; when the line ends it is cleared and drawn as a heading.
        assertThat(stream(true, 80, "# Ti", "tle\nplain ", "text\n")).isEqualTo("# Ti\r\u001b[J" + B + U + "Title" + NU + NB + "\nplain text\n");
        // A line that took three rows of a 10-column terminal: up two rows before clearing.
        assertThat(stream(true, 10, "- " + "x".repeat(25), "\n")).startsWith("- " + "x".repeat(25) + "\r\u001b[2A\u001b[J• ");
        // The last line, without a line break, is rendered when the step ends.
        assertThat(stream(true, 80, "use `ls`")).isEqualTo("use `ls`\r\u001b[Juse " + CYAN + "ls" + FG + "\n");
        assertThat(stream(false, 80, "**x**\n- y\n")).isEqualTo("**x**\n• y\n");
    }

    @Test
    void contentIsRedactedAsAWholeLineAndItsControlsStayVisible() {
        var key = "sk-proj-" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0";
        var shown = stream(true, 80, "key " + key.substring(0, 12), key.substring(12) + " **x**\u001b[2J\n");
        var lastLine = shown.substring(shown.lastIndexOf("\u001b[J") + 3);
        assertThat(lastLine).contains("[REDACTED:openai-key]").doesNotContain(key.substring(12)).contains("\\x1b[2J");
    }

    @Test
    void aRetryStillErasesTheFailedAttemptInPlace() {
        var bytes = new ByteArrayOutputStream();
        var out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        var p = EventPrinter.forTerminal(out, out, true, () -> 80);
        p.onEvent(new Event.ModelDelta("r", Instant.now(), 1, "```py\nx = 1\nHel"));
        p.onEvent(new Event.ModelRetry("r", Instant.now(), 1, 1, 10, "stream broke", 3));
        p.onEvent(new Event.ModelDelta("r", Instant.now(), 1, "Hello\n"));
        var shown = bytes.toString(StandardCharsets.UTF_8);
        assertThat(shown).contains("Hel\u001b[3D\u001b[K(model call failed").doesNotContain("HelHello");
        // Longer than the line in progress: the notice, and the new attempt starts outside the old attempt's code block.
        bytes.reset();
        p.onEvent(new Event.ModelDelta("r", Instant.now(), 1, "```\nmore"));
        p.onEvent(new Event.ModelRetry("r", Instant.now(), 1, 1, 10, "stream broke", 20));
        p.onEvent(new Event.ModelDelta("r", Instant.now(), 1, "**bold**\n"));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("(the answer above was cut off and starts again)").endsWith(B + "bold" + NB + "\n");
    }
}
