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
        Requirements.need("script (util-linux)", Files.isExecutable(Path.of("/usr/bin/script")), "apt-get install util-linux");
        Files.writeString(ws.resolve("calc.py"), "def add(a, b):\n    return a - b\n");
        Files.writeString(ws.resolve("s.jsonl"), """
                {"text": "Fixing.", "tool_calls": [{"name": "edit_file", "arguments": {"path": "calc.py", "old_string": "return a - b", "new_string": "return a + b"}}]}
                {"text": "Fixed."}
                """);
        var java = Path.of(System.getProperty("java.home"), "bin", "java");
        var command = "stty cols 160 rows 40; exec '" + java + "' -cp '" + System.getProperty("java.class.path") + "' ai.apprentice.cli.Main"
                + " --workspace '" + ws + "' --model scripted:s.jsonl";
        var pb = new ProcessBuilder("/usr/bin/script", "-q", "-e", "-c", command, "/dev/null").redirectErrorStream(true)
                .redirectOutput(ws.resolve("screen.txt").toFile());
        pb.environment().put("APPRENTICE_HOME", home.toString());
        pb.environment().put("TERM", "xterm-256color");
        pb.environment().remove("NO_COLOR");
        if (noColor) pb.environment().put("NO_COLOR", "1");
        var p = pb.start();
        // Typed ahead: the task, the answer to the approval, and /exit; the terminal holds them until they are read.
        try (var in = p.getOutputStream()) {
            // "/sk" and Tab: JLine completes the slash command.
            in.write("/sk\t\nfix calc\no\n/exit\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the session ended").isTrue();
        var screen = Files.readString(ws.resolve("screen.txt"));
        assertThat(p.exitValue()).as(screen).isZero();
        assertThat(Files.readString(ws.resolve("calc.py"))).isEqualTo("def add(a, b):\n    return a + b\n");
        return screen;
    }

    @Test
    void anEditIsApprovedInARealTerminalWithItsDiffShownOnce() throws Exception {
        var screen = session(false);
        assertThat(screen).contains("apprentice wants to run edit_file: calc.py")
                .contains("Allow? [o]nce, [a]lways (every edit_file call, until this session ends)")
                .contains("\u001b[31m-return a - b\u001b[0m").contains("\u001b[32m+return a + b\u001b[0m")
                .contains("Fixed.").contains("code-review"); // /skills, completed from /sk by Tab, listed the built-in skills
        assertThat(screen.split("\\+return a \\+ b", -1)).as("the diff once, in the question").hasSize(2);
    }

    @Test
    void noColorTakesTheColoursAwayButNotTheDiff() throws Exception {
        var screen = session(true);
        assertThat(screen).contains("  -return a - b").contains("  +return a + b").contains("Fixed.");
        assertThat(screen).doesNotContain("\u001b[31m").doesNotContain("\u001b[32m").doesNotContain("\u001b[2m");
    }
}
