package ai.apprentice.bench;

import ai.apprentice.cli.Main;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs the real CLI in-process with its own home, as apprentice-cli's test CliHarness does; a small copy because
 * that one is in apprentice-cli's test sources, and bench tests need only this.
 */
final class BenchCli {
    record Result(int exit, String out, String err) {}

    private final Map<String, String> env;

    BenchCli(Path home) {
        env = Map.of("APPRENTICE_HOME", home.toString(), "PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "OLLAMA_BASE_URL", "http://127.0.0.1:9"); // no test may find an Ollama that happens to run here
    }

    Result run(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int exit;
        try (var o = new PrintStream(out, true, StandardCharsets.UTF_8); var e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = Main.run(args, env, new ByteArrayInputStream(new byte[0]), o, e, false);
        }
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
