package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.Usage;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunResult;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.tools.PolicyGate;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the person at the REPL sees: diffs of edits, readable results, a spinner, colours only where wanted, plain outcomes. */
class ReplDisplayTest {
    @TempDir Path home;

    private static PrintStream stream(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    private static String edit(String oldText, String newText) {
        return Json.write(Map.of("path", "calc.py", "old_string", oldText, "new_string", newText));
    }

    @Test
    void anEditIsAUnifiedDiffWithItsContentMadeVisible() {
        var diff = Diffs.of("edit_file", edit("def add(a, b):\n    return a - b\n", "def add(a, b):\n    return a + b\n"));
        assertThat(diff).contains("--- a/calc.py", "+++ b/calc.py", "-    return a - b", "+    return a + b", " def add(a, b):");
        assertThat(diff).anyMatch(l -> l.startsWith("@@ "));
        var plain = Diffs.render(diff, false);
        assertThat(plain).doesNotContain("\u001b").contains("  -    return a - b\n");
        assertThat(Diffs.render(diff, true)).contains("\u001b[31m-    return a - b\u001b[0m").contains("\u001b[32m+    return a + b\u001b[0m");
        var hostile = Diffs.render(Diffs.of("edit_file", edit("x", "y\u001b[2J")), true);
        assertThat(hostile).contains("y\\x1b[2J");
        assertThat(Diffs.of("write_file", Json.write(Map.of("path", "n.txt", "content", "one\ntwo")))).containsExactly("+++ n.txt (whole file)", "+one", "+two");
        assertThat(Diffs.of("run_shell", "{\"command\": \"ls\"}")).isEmpty();
    }

    @Test
    void theApprovalShowsTheDiffExplainsAlwaysAndTakesAReasonForADenial() throws Exception {
        var bytes = new ByteArrayOutputStream();
        var prompts = new java.util.ArrayList<String>();
        var approver = new TerminalApprover(stream(bytes), prompt -> {
            prompts.add(prompt);
            return "d use the existing helper instead";
        });
        var verdict = approver.decide("edit_file", "calc.py", edit("return a - b", "return a + b"));
        assertThat(verdict.answer()).isEqualTo(PolicyGate.Approver.Answer.DENY);
        assertThat(verdict.reason()).isEqualTo("use the existing helper instead");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("edit_file: calc.py").contains("-return a - b").contains("+return a + b");
        assertThat(prompts.get(0)).contains("[a]lways (every edit_file call, until this session ends)").contains("d REASON");

        var shell = new TerminalApprover(stream(new ByteArrayOutputStream()), prompt -> {
            prompts.add(prompt);
            return "a";
        });
        assertThat(shell.decide("run_shell", "make test", "{}").answer()).isEqualTo(PolicyGate.Approver.Answer.ALWAYS);
        assertThat(prompts.get(1)).contains("[a]lways (this exact command, until this session ends)");
    }

    @Test
    void aToolResultKeepsItsLinesUpToALimit() {
        var lines = new StringBuilder();
        for (int i = 1; i <= 12; i++) lines.append("line ").append(i).append('\n');
        var shown = EventPrinter.result(false, lines.toString());
        assertThat(shown).startsWith("← 12 lines\n  line 1\n  line 2\n").contains("  line 8\n  … 4 more lines").doesNotContain("line 9");
        assertThat(EventPrinter.result(true, "no such file")).isEqualTo("✗ no such file");
    }

    @Test
    void theSpinnerShowsElapsedTimeAndTokensWhileQuietAndClearsBeforeOutput() {
        var bytes = new ByteArrayOutputStream();
        var p = EventPrinter.forTerminal(stream(bytes), stream(bytes), true);
        p.onEvent(new Event.UsageEvent("r", Instant.now(), 1, 1200, 34, 0, 1200, 34, 0));
        long now = System.nanoTime();
        p.tick(now + 3_000_000_000L);
        var drawn = bytes.toString(StandardCharsets.UTF_8);
        assertThat(drawn).contains("\r\u001b[K").containsPattern("working · \\d+s · 1,234 tokens · Ctrl-C cancels");
        bytes.reset();
        p.onEvent(new Event.ModelDelta("r", Instant.now(), 2, "Hi"));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("\r\u001b[KHi");
        bytes.reset();
        p.tick(System.nanoTime() + 3_000_000_000L);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).as("not over streamed text mid-line").isEmpty();
        p.pause(true);
        p.onEvent(new Event.StepCompleted("r", Instant.now(), 2, java.util.List.of()));
        bytes.reset();
        p.tick(System.nanoTime() + 3_000_000_000L);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).as("not over a question").isEmpty();

        var piped = new ByteArrayOutputStream();
        var progress = EventPrinter.progressOnly(stream(piped));
        progress.tick(System.nanoTime() + 3_000_000_000L);
        assertThat(piped.toString(StandardCharsets.UTF_8)).as("no spinner off a terminal").isEmpty();
    }

    @Test
    void noColorKeepsTheScreenPlainAndATerminalOtherwiseGetsColour() throws Exception {
        var bytes = new ByteArrayOutputStream();
        var plain = EventPrinter.forTerminal(stream(bytes), stream(bytes), false);
        plain.onEvent(new Event.ToolCallEvent("r", Instant.now(), 1, new ToolCall("c", "edit_file", edit("a", "b"))));
        plain.onEvent(new Event.PermissionDecision("r", Instant.now(), 1, "c", "edit_file", true, "mode auto", null));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("→ edit_file").contains("  -a\n  +b\n").doesNotContain("\u001b");
        bytes.reset();
        plain.onEvent(new Event.ToolCallEvent("r", Instant.now(), 1, new ToolCall("c2", "edit_file", edit("a", "b"))));
        plain.onEvent(new Event.PermissionDecision("r", Instant.now(), 1, "c2", "edit_file", true, "user (once)", null));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).as("the question showed it already").doesNotContain("+b");

        var env = new java.util.HashMap<String, String>(Map.of("APPRENTICE_HOME", home.toString()));
        var none = new ByteArrayOutputStream();
        try (var cli = new Cli(env, stream(none), stream(none), new java.io.ByteArrayInputStream(new byte[0]), true)) {
            assertThat(cli.colour()).isTrue();
        }
        env.put("NO_COLOR", "1");
        try (var cli = new Cli(env, stream(none), stream(none), new java.io.ByteArrayInputStream(new byte[0]), true)) {
            assertThat(cli.colour()).isFalse();
        }
        env.remove("NO_COLOR");
        try (var cli = new Cli(env, stream(none), stream(none), new java.io.ByteArrayInputStream(new byte[0]), false)) {
            assertThat(cli.colour()).as("not a terminal").isFalse();
        }
    }

    @Test
    void aCancelledTurnSaysSoOnce() {
        var cancelled = new RunResult("r1", RunStatus.CANCELLED, "cancelled", null, null, 2, Usage.ZERO, 0);
        assertThat(Repl.outcome(cancelled)).isEqualTo("(cancelled; the conversation keeps its 2 finished steps)");
        var failed = new RunResult("r2", RunStatus.FAILED, "max_steps", null, "Reached max_steps", 0, Usage.ZERO, 0);
        assertThat(Repl.outcome(failed)).isEqualTo("(failed: max_steps: Reached max_steps)");
    }
}
