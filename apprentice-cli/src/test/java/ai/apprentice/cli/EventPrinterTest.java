package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.runtime.Event;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A retried model call streams its answer again; what the person sees must not read "HelHello". */
class EventPrinterTest {
    private static String print(boolean terminal) {
        var out = new ByteArrayOutputStream();
        try (var o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            var p = new EventPrinter(o, o, false, terminal);
            p.onEvent(new Event.ModelDelta("r", Instant.now(), 1, "Hel"));
            p.onEvent(new Event.ModelRetry("r", Instant.now(), 1, 1, 10, "stream broke", 3));
            p.onEvent(new Event.ModelDelta("r", Instant.now(), 1, "Hello"));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void onATerminalTheFailedAttemptsTextIsErasedInPlace() {
        var shown = print(true);
        // "Hel", then cursor back 3 and erase to the end of the line; the retry notice takes that line, and the
        // new attempt's text follows on the next: the screen never holds "HelHello".
        assertThat(shown).matches("(?s)Hel\u001b\\[3D\u001b\\[K\\(model call failed: stream broke; retry 1 in [0-9.]+s\\)\nHello");
    }

    @Test
    void elsewhereALineSaysTheTextAboveIsVoid() {
        assertThat(print(false)).startsWith("Hel\n(the answer above was cut off and starts again)\n").endsWith("\nHello");
    }

    @Test
    void reasoningIsDimmedAndTheAnswerStartsOnItsOwnLine() {
        var out = new ByteArrayOutputStream();
        try (var o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            var p = new EventPrinter(o, o, false, true);
            p.onEvent(new Event.ReasoningDelta("r", Instant.now(), 1, "Two and two"));
            p.onEvent(new Event.ReasoningDelta("r", Instant.now(), 1, " make four."));
            p.onEvent(new Event.ModelDelta("r", Instant.now(), 1, "Four."));
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("\u001b[2mTwo and two\u001b[0m\u001b[2m make four.\u001b[0m\nFour.");
    }

    @Test
    void aModelWithoutAPriceIsSaidOnceNotShownAsFree() {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try (var o = new PrintStream(out, true, StandardCharsets.UTF_8); var e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            var p = new EventPrinter(o, e, false, false);
            for (int step = 1; step <= 2; step++) {
                p.onEvent(new Event.UsageEvent("r", Instant.now(), step, 10, 5, 0, 10L * step, 5L * step, 0, false, 0, 0, 0, true));
            }
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).containsOnlyOnce("no price known for this model");
    }

    @Test
    void aCommandsLiveOutputShowsLineByLineAndTheResultThenOnlyItsExitCode() {
        var key = "sk-proj-" + "Ab3dEfGhIjKlMnOpQrStUvWxYz_0123456789";
        var out = new ByteArrayOutputStream();
        try (var o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            var p = EventPrinter.forTerminal(o, o, false);
            p.onEvent(new Event.ToolCallEvent("r", Instant.now(), 1, new ai.apprentice.model.ToolCall("c1", "run_shell", "{\"command\": \"make\"}")));
            p.onEvent(new Event.ToolOutputDelta("r", Instant.now(), 1, "c1", "compiling a\ncompil"));
            p.onEvent(new Event.ToolOutputDelta("r", Instant.now(), 1, "c1", "ing b\r\n 10%\r 99%\rKEY=" + key + "\u001b[2J\npartial"));
            p.onEvent(new Event.ToolResultEvent("r", Instant.now(), 1, "c1", "run_shell", "exit code: 2\ncompiling a\ncompiling b\nKEY=x\npartial", true, 5));
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("→ run_shell {\"command\": \"make\"}\n  │ compiling a\n  │ compiling b\n"
                + "  │ KEY=[REDACTED:openai-key]\\x1b[2J\n  │ partial\n✗ exit code: 2\n");
    }

    @Test
    void pipedTheLiveOutputIsLeftOutAndTheResultShownAsBefore() {
        var out = new ByteArrayOutputStream();
        try (var o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            var p = EventPrinter.progressOnly(o);
            p.onEvent(new Event.ToolOutputDelta("r", Instant.now(), 1, "c1", "one\n"));
            p.onEvent(new Event.ToolResultEvent("r", Instant.now(), 1, "c1", "run_shell", "exit code: 0\none", false, 5));
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("← 2 lines\n  exit code: 0\n  one\n");
    }
}
