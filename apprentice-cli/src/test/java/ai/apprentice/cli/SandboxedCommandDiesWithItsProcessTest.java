package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.testkit.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sandboxed shell command ends with the process that ran it, even when that process is killed outright (a worker
 * SIGKILLed mid-call): the sandbox is told to die with its parent. Without that, a worker's death would leave the
 * command running beside its rerun on another worker (docs/SCALING.md, Retries and idempotency).
 */
@Timeout(120)
class SandboxedCommandDiesWithItsProcessTest {
    @TempDir Path home;
    @TempDir Path ws;

    /** A mark no other process carries: the command's sleep, found by it from outside the sandbox. */
    private static final String MARK = "61.4321";

    @Test
    void aKilledRunsSandboxedCommandIsGoneWithIt() throws Exception {
        Requirements.bubblewrap();
        Files.writeString(ws.resolve("s.jsonl"), String.join("\n",
                "{\"text\": \"Running.\", \"tool_calls\": [{\"name\": \"run_shell\", \"arguments\": {\"command\": "
                        + "\"echo started > started.txt; sleep " + MARK + "\", \"timeout_seconds\": 120}}]}",
                "{\"text\": \"never reached\"}") + "\n");
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // approve auto: the shell runs only sandboxed (it is refused when the sandbox is unavailable)
        var pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "ai.apprentice.cli.Main",
                "run", "--workspace", ws.toString(), "--model", "scripted:s.jsonl", "--approve", "auto", "sleep a while")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ws.resolve("child.log").toFile());
        pb.environment().put("APPRENTICE_HOME", home.toString());
        pb.environment().remove("APPRENTICE_SANDBOX");
        var child = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(ws.resolve("started.txt")) && System.nanoTime() < deadline) {
                assertThat(child.isAlive()).as(() -> "the run ended early: " + log()).isTrue();
                Thread.sleep(50);
            }
            assertThat(ws.resolve("started.txt")).as(() -> "the command did not start in 60 s: " + log()).exists();
            var sleeping = marked();
            assertThat(sleeping).as("the command's sleep, seen from outside").isNotEmpty();
            // under bubblewrap (which may run from a sealed copy of itself, so it is known by its arguments)
            assertThat(sleeping).as("it runs inside the sandbox").allSatisfy(p -> assertThat(ancestors(p)).anyMatch(a -> a.contains("--unshare-pid")));

            child.destroyForcibly(); // SIGKILL: nothing of the JVM runs after it
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            long gone = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!marked().isEmpty() && System.nanoTime() < gone) Thread.sleep(50);
            assertThat(marked()).as("the sandboxed command outlived the process that ran it").isEmpty();
        } finally {
            child.destroyForcibly();
            marked().forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static List<ProcessHandle> marked() {
        // the sleep itself: the shells around it and bubblewrap carry the mark in their arguments too
        return ProcessHandle.allProcesses().filter(p -> p.info().command().map(c -> c.endsWith("/sleep")).orElse(false)
                && p.info().commandLine().map(c -> c.contains(MARK)).orElse(false)).toList();
    }

    private static List<String> ancestors(ProcessHandle p) {
        var out = new java.util.ArrayList<String>();
        for (var a = p.parent(); a.isPresent(); a = a.get().parent()) out.add(a.get().info().commandLine().orElse("?"));
        return out;
    }

    private String log() {
        try {
            return Files.exists(ws.resolve("child.log")) ? Files.readString(ws.resolve("child.log")) : "";
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
