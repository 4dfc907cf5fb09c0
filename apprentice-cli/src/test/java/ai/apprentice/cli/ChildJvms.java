package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The child JVMs of a multi-process test (Temporal's test server, {@code serve}, workers), each on this test's
 * classpath with its output in a log file of its own under {@code dir}. All are SIGKILLed by {@link #close}, and by a
 * shutdown hook should the test's JVM be ended first (a surefire timeout). {@link #tails} is the end of every log, for
 * failure messages.
 */
final class ChildJvms implements AutoCloseable {
    /** A started JVM and the file its stdout and stderr go to. */
    record Child(String name, Process process, Path log) {}

    private final Path dir;
    /** Every child started, alive or not. */
    private final List<Child> children = new ArrayList<>();
    private final Thread backstop = new Thread(this::stopAll, "kill-test-children");

    ChildJvms(Path dir) {
        this.dir = dir;
        Runtime.getRuntime().addShutdownHook(backstop);
    }

    /** {@code java -cp <this test's classpath> MAIN ARGS...}, its output in {@code dir/NAME.log}, no stdin. */
    Child start(String name, List<String> mainAndArgs, Map<String, String> env) throws IOException {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path")));
        cmd.addAll(mainAndArgs);
        var log = dir.resolve(name + ".log");
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("OLLAMA_BASE_URL", "http://127.0.0.1:9"); // no test may find an Ollama that happens to run here
        pb.environment().putAll(env);
        var child = new Child(name, pb.start(), log);
        synchronized (children) {
            children.add(child);
        }
        return child;
    }

    /** Temporal's port-bound test server in a process of its own ({@link TemporalServerMain}); returns its target. */
    String temporalServer() throws Exception {
        var server = start("temporal", List.of("ai.apprentice.cli.TemporalServerMain"), Map.of());
        return awaitLine(server, "temporal test server on ").substring("temporal test server on ".length()).strip();
    }

    /** The first line of the child's log that starts with {@code prefix}, once written; fails after 120 s or if it exits. */
    String awaitLine(Child c, String prefix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            if (Files.exists(c.log())) {
                for (var line : Files.readAllLines(c.log(), StandardCharsets.UTF_8)) if (line.startsWith(prefix)) return line;
            }
            assertThat(c.process().isAlive()).as("%s exited before saying '%s':%n%s", c.name(), prefix, tails()).isTrue();
            assertThat(System.nanoTime()).as("%s did not say '%s' within 120 s:%n%s", c.name(), prefix, tails()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** The last lines of every child's log, oldest child first. */
    String tails() {
        var sb = new StringBuilder();
        for (var c : snapshot()) {
            try {
                sb.append("--- ").append(c.log().getFileName()).append(c.process().isAlive() ? "" : " (exited)").append(":\n")
                        .append(tail(Files.exists(c.log()) ? Files.readString(c.log()) : "")).append('\n');
            } catch (IOException e) {
                sb.append("--- ").append(c.log().getFileName()).append(": ").append(e.getMessage()).append('\n');
            }
        }
        return sb.toString();
    }

    /** The last 15 lines of {@code text}, without the JVM's warnings. */
    static String tail(String text) {
        var lines = text.lines().filter(l -> !l.startsWith("WARNING: ")).toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }

    private List<Child> snapshot() {
        synchronized (children) {
            return List.copyOf(children);
        }
    }

    /** SIGKILL to every child (and to what each started), then a wait for each, even when this thread was interrupted. */
    private void stopAll() {
        var all = snapshot();
        for (var c : all) {
            c.process().descendants().forEach(ProcessHandle::destroyForcibly);
            c.process().destroyForcibly();
        }
        boolean interrupted = Thread.interrupted();
        for (var c : all) {
            while (true) {
                try {
                    c.process().waitFor(30, TimeUnit.SECONDS);
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(backstop);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs, or has run
        }
    }
}
