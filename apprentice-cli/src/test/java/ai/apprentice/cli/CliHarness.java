package ai.apprentice.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs the real CLI in-process with its own home directory, environment and streams. */
final class CliHarness {
    record Result(int exit, String out, String err) {}

    final Path home;
    final Path workspace;
    final Map<String, String> env = new HashMap<>();

    CliHarness(Path home, Path workspace) {
        this.home = home;
        this.workspace = workspace;
        env.put("APPRENTICE_HOME", home.toString());
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("OLLAMA_BASE_URL", "http://127.0.0.1:9"); // no test may find an Ollama that happens to run here
    }

    Result run(String... args) {
        return runWithInput("", args);
    }

    /** As on a terminal: the CLI may ask questions, answered from {@code stdin}. */
    Result runInteractive(String stdin, String... args) {
        return run(stdin, true, args);
    }

    Result runWithInput(String stdin, String... args) {
        return run(stdin, false, args);
    }

    private Result run(String stdin, boolean interactive, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int exit;
        var argv = withWorkspace(args);
        try (var o = new PrintStream(out, true, StandardCharsets.UTF_8); var e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = Main.run(argv, env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), o, e, interactive);
        }
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Commands that run agents get --workspace so that relative paths resolve in the test's workspace. */
    private String[] withWorkspace(String[] args) {
        if (args.length == 0 || !(args[0].equals("run") || args[0].equals("config") || args[0].equals("doctor"))) return args;
        int at = args[0].equals("config") ? 2 : 1;
        var list = new java.util.ArrayList<>(java.util.List.of(args));
        list.add(at, "--workspace");
        list.add(at + 1, workspace.toString());
        return list.toArray(String[]::new);
    }
}
