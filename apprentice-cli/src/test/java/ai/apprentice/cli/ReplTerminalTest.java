package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.testkit.Requirements;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REPL in a real pseudo-terminal (util-linux 'script' gives the JVM one, so JLine takes the system terminal): an
 * edit asked for, its diff in the question, answered, the file changed; colours there, and gone with NO_COLOR.
 */
@Timeout(120)
class ReplTerminalTest {
    @TempDir Path home;
    @TempDir Path ws;

    private String session(boolean noColor) throws Exception {
        Files.writeString(ws.resolve("calc.py"), "def add(a, b):\n    return a - b\n");
        // Typed ahead: "/sk" and Tab (JLine completes the common prefix of /skills and the skill /skill-creator, and lists
        // both), "s" and Enter, the task, the answer to the approval, /exit.
        var screen = session(noColor, """
                {"text": "Fixing.", "tool_calls": [{"name": "edit_file", "arguments": {"path": "calc.py", "old_string": "return a - b", "new_string": "return a + b"}}]}
                {"text": "Fixed."}
                """, "/sk\ts\nfix calc\no\n/exit\n");
        assertThat(Files.readString(ws.resolve("calc.py"))).isEqualTo("def add(a, b):\n    return a + b\n");
        return screen;
    }

    /** Runs the REPL in a pseudo-terminal with the scripted model's replies and the keys typed; the screen as recorded. */
    private String session(boolean noColor, String script, String typed) throws Exception {
        return session(noColor, script, typed, java.util.Map.of());
    }

    private String session(boolean noColor, String script, String typed, java.util.Map<String, String> env) throws Exception {
        Requirements.need("script (util-linux)", Files.isExecutable(Path.of("/usr/bin/script")), "apt-get install util-linux");
        Files.writeString(ws.resolve("s.jsonl"), script);
        var java = Path.of(System.getProperty("java.home"), "bin", "java");
        var command = "stty cols 160 rows 40; exec '" + java + "' -cp '" + System.getProperty("java.class.path") + "' ai.apprentice.cli.Main"
                + " --workspace '" + ws + "' --model scripted:s.jsonl";
        var pb = new ProcessBuilder("/usr/bin/script", "-q", "-e", "-c", command, "/dev/null").redirectErrorStream(true)
                .redirectOutput(ws.resolve("screen.txt").toFile());
        pb.environment().put("APPRENTICE_HOME", home.toString());
        pb.environment().put("TERM", "xterm-256color");
        pb.environment().remove("NO_COLOR");
        if (noColor) pb.environment().put("NO_COLOR", "1");
        pb.environment().putAll(env);
        var p = pb.start();
        // Typed ahead: the terminal holds the keys until they are read.
        try (var in = p.getOutputStream()) {
            in.write(typed.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the session ended").isTrue();
        var screen = Files.readString(ws.resolve("screen.txt"));
        assertThat(p.exitValue()).as(screen).isZero();
        return screen;
    }

    @Test
    void anEditIsApprovedInARealTerminalWithItsDiffShownOnce() throws Exception {
        var screen = session(false);
        assertThat(screen).contains("apprentice wants to run edit_file: calc.py")
                .contains("Allow? [o]nce, [a]lways (every edit_file call, until this session ends)")
                .contains("\u001b[31m-return a - b\u001b[0m").contains("\u001b[32m+return a + b\u001b[0m")
                .contains("Fixed.").contains("code-review") // /skills, completed from /sk by Tab, listed the built-in skills
                .contains("\u001b[0m-creator"); // and Tab offered the skill /skill-creator as a command
        assertThat(screen.split("\\+return a \\+ b", -1)).as("the diff once, in the question").hasSize(2);
    }

    @Test
    void noColorTakesTheColoursAwayButNotTheDiff() throws Exception {
        var screen = session(true);
        assertThat(screen).contains("  -return a - b").contains("  +return a + b").contains("Fixed.");
        assertThat(screen).doesNotContain("\u001b[31m").doesNotContain("\u001b[32m").doesNotContain("\u001b[2m");
    }

    private static final String MARKDOWN = """
            {"text": "# Result\\n- **two** files, see `calc.py`\\n```python\\nreturn a + b  # fixed\\n```\\n"}
            """;

    @Test
    void theAnswersMarkdownIsRenderedInARealTerminal() throws Exception {
        var screen = session(false, MARKDOWN, "explain\n/exit\n");
        assertThat(screen).contains("\u001b[1m\u001b[4mResult\u001b[24m\u001b[22m")
                .contains("• \u001b[1mtwo\u001b[22m files, see \u001b[36mcalc.py\u001b[39m")
                .contains("\u001b[35mreturn\u001b[39m a + b  \u001b[2m# fixed\u001b[22m");
    }

    @Test
    void withNoColorTheMarkdownKeepsItsMarksAndGetsBullets() throws Exception {
        var screen = session(true, MARKDOWN, "explain\n/exit\n");
        assertThat(screen).contains("# Result").contains("• **two** files, see `calc.py`").contains("return a + b  # fixed")
                .doesNotContain("\u001b[1m").doesNotContain("\u001b[35m");
    }

    @Test
    void anAtMentionCompletedByTabAttachesTheFile() throws Exception {
        Files.writeString(ws.resolve("calc.py"), "def add(a, b):\n    return a - b\n");
        var screen = session(false, "{\"text\": \"It subtracts.\"}\n", "what does @ca\tdo\n/exit\n");
        assertThat(screen).contains("(attached: calc.py)").contains("It subtracts.");
        var env = new java.util.HashMap<String, String>(java.util.Map.of("APPRENTICE_HOME", home.toString()));
        var none = new java.io.ByteArrayOutputStream();
        try (var cli = new Cli(env, new java.io.PrintStream(none), new java.io.PrintStream(none), new java.io.ByteArrayInputStream(new byte[0]), false)) {
            var entry = new ReplSessions(home).latest(ws).orElseThrow();
            assertThat(entry.title()).isEqualTo("what does @calc.py do");
            var history = ai.apprentice.runtime.RunSnapshot.fromEvents(cli.store().events(entry.lastRunId())).history();
            assertThat(history).anySatisfy(m -> assertThat(m.text())
                    .isEqualTo("what does @calc.py do\n\n<file path=\"calc.py\">\ndef add(a, b):\n    return a - b\n</file>"));
        }
    }

    @Test
    void aShellCommandsOutputIsShownAsItRunsAndItsResultByTheExitCode() throws Exception {
        var script = """
                {"tool_calls": [{"name": "run_shell", "arguments": {"command": "echo live-one; echo live-two"}}]}
                {"text": "Ran it."}
                """;
        var screen = session(true, script, "run it\no\n/exit\n", java.util.Map.of("APPRENTICE_SANDBOX", "off"));
        assertThat(screen).contains("  │ live-one\r\n  │ live-two\r\n← exit code: 0").contains("Ran it.");
        assertThat(screen).as("not repeated as the result's lines").doesNotContain("  live-one");
    }

    /** 'apprentice run' on a terminal: the spinner shows while the model is silent; Ctrl-C, typed once it shows, cancels. */
    @Test
    void runOnATerminalShowsTheSpinnerWhileItWaits() throws Exception {
        Requirements.need("script (util-linux)", Files.isExecutable(Path.of("/usr/bin/script")), "apt-get install util-linux");
        Files.writeString(ws.resolve("s.jsonl"), "{\"delay_ms\": 60000, \"text\": \"too late\"}\n");
        var java = Path.of(System.getProperty("java.home"), "bin", "java");
        var command = "stty cols 160 rows 40; exec '" + java + "' -cp '" + System.getProperty("java.class.path") + "' ai.apprentice.cli.Main"
                + " run --workspace '" + ws + "' --model scripted:s.jsonl think";
        var screenFile = ws.resolve("run-screen.txt");
        var pb = new ProcessBuilder("/usr/bin/script", "-q", "-e", "-c", command, "/dev/null").redirectErrorStream(true)
                .redirectOutput(screenFile.toFile());
        pb.environment().put("APPRENTICE_HOME", home.toString());
        pb.environment().put("TERM", "xterm-256color");
        pb.environment().remove("NO_COLOR");
        var p = pb.start();
        try (var in = p.getOutputStream()) {
            // Waits for the spinner (the model is silent for a minute: it has that long to show), then types Ctrl-C.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
            while (!Files.readString(screenFile).contains("working · ")) {
                assertThat(p.isAlive() && System.nanoTime() < deadline).as("no spinner while waiting: " + Files.readString(screenFile)).isTrue();
                Thread.sleep(100);
            }
            in.write(3);
            in.flush();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("cancelled").isTrue();
        }
        var screen = Files.readString(screenFile);
        assertThat(screen).containsPattern("\u001b\\[2m[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] working · \\d+s · Ctrl-C cancels\u001b\\[0m")
                .contains("cancelled").doesNotContain("too late");
        assertThat(p.exitValue()).as(screen).isEqualTo(ExitCodes.INTERRUPTED);
    }
}
