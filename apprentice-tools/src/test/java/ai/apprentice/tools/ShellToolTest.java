package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.testkit.Requirements;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ShellToolTest {
    @TempDir Path root;
    @TempDir Path outside;

    private ShellTool shell(boolean sandbox) {
        var env = new HashMap<>(System.getenv());
        env.put("MY_API_KEY", "sk-live-123");
        env.put("GITHUB_TOKEN", "ghp_abc");
        env.put("PLAIN_SETTING", "visible");
        return new ShellTool(new Workspace(root), ShellTool.Settings.defaults().withSandbox(sandbox)
                .withEnvironment(env, name -> name.equals("GITHUB_TOKEN")));
    }

    @Test
    void returnsExitCodeAndOutput() throws Exception {
        var r = shell(false).run("echo out; echo err >&2; exit 3", 10);
        assertThat(r.error()).isTrue();
        assertThat(r.content()).startsWith("exit code: 3\n").contains("out").contains("err");
        var ok = shell(false).run("pwd", 10);
        assertThat(ok.error()).isFalse();
        assertThat(ok.content()).contains(root.toRealPath().toString());
    }

    @Test
    void timeoutKillsTheWholeProcessTree() throws Exception {
        var pidFile = root.resolve("child.pid");
        var r = shell(false).run("sleep 300 & echo $! > child.pid; wait", 1);
        assertThat(r.content()).contains("timed out after 1 s");
        long child = Long.parseLong(Files.readString(pidFile).strip());
        var handle = ProcessHandle.of(child);
        assertThat(handle.isEmpty() || !handle.get().isAlive()).as("background child killed").isTrue();
    }

    @Test
    void hugeOutputIsCutHeadAndTail() throws Exception {
        var r = shell(false).run("echo FIRST; head -c 50000000 /dev/zero | tr '\\0' 'x'; echo; echo LAST", 60);
        assertThat(r.content()).contains("FIRST").contains("LAST").contains("bytes of output cut").hasSizeLessThan(40_000);
    }

    @Test
    void binaryOutputIsMarked() throws Exception {
        var r = shell(false).run("printf 'a\\000b'", 10);
        assertThat(r.content()).contains("binary data");
    }

    @Test
    void secretsAreScrubbedUnlessARulePassesThem() throws Exception {
        var r = shell(false).run("echo key=[$MY_API_KEY] token=[$GITHUB_TOKEN] plain=[$PLAIN_SETTING]", 10);
        assertThat(r.content()).contains("key=[]").contains("token=[ghp_abc]").contains("plain=[visible]");
        var env = new HashMap<String, String>(Map.of("AWS_SECRET_ACCESS_KEY", "x", "HOME", "/root", "DB_PASSWORD", "y"));
        ShellTool.scrub(env, n -> false);
        assertThat(env).containsOnlyKeys("HOME");
    }

    @Test
    void sandboxKeepsWritesInsideTheWorkspaceAndCutsTheNetwork() throws Exception {
        Requirements.bubblewrap();
        var target = outside.resolve("escaped.txt");
        var inside = shell(true).run("echo in > inside.txt && cat inside.txt", 20);
        assertThat(inside.content()).startsWith("exit code: 0").contains("in");
        var out = shell(true).run("echo owned > " + target, 20);
        assertThat(out.error()).isTrue(); // /tmp is private inside the sandbox
        assertThat(target).doesNotExist();
        // A host folder outside the workspace: the sandbox mounts the host's root read-only but gives /tmp a private
        // tmpfs, so where the folder lies decides the error. /var/tmp (writable on the host, outside /tmp) is tried
        // first; failing that the module's target/, which lies under /tmp when the clone does.
        var hostDir = Files.isWritable(Path.of("/var/tmp")) ? Files.createTempDirectory(Path.of("/var/tmp"), "apprentice-sandbox-test")
                : Files.createDirectories(Path.of("target/sandbox-outside").toAbsolutePath());
        hostDir.toFile().deleteOnExit();
        var notTmp = hostDir.resolve("escaped.txt");
        var readOnly = shell(true).run("echo owned > " + notTmp, 20);
        assertThat(readOnly.content()).contains(hostDir.toRealPath().startsWith(Path.of("/tmp")) ? "No such file or directory"
                : "Read-only file system");
        assertThat(notTmp).doesNotExist();
        assertThat(shell(false).run("echo owned > " + notTmp + " && rm " + notTmp, 20).error())
                .as("the same write works unsandboxed, so the sandbox is what stopped it").isFalse();

        var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write("up".getBytes());
            ex.close();
        });
        server.start();
        try {
            String probe = "exec 3<>/dev/tcp/127.0.0.1/" + server.getAddress().getPort()
                    + " && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3";
            assertThat(shell(false).run(probe, 20).content()).as("reachable without the sandbox").contains("up");
            var blocked = shell(true).run(probe, 20);
            assertThat(blocked.error()).isTrue();
            assertThat(blocked.content()).doesNotContain("HTTP/1.1 200");
        } finally {
            server.stop(0);
        }
    }

    /** The output reaches the listener while the command still runs: it waits for a file the test writes on seeing it. */
    @Test
    void outputIsStreamedWhileTheCommandRuns() throws Exception {
        var seen = new java.util.concurrent.LinkedBlockingQueue<String>();
        var result = new java.util.concurrent.atomic.AtomicReference<ai.apprentice.tool.ToolResult>();
        var runner = Thread.ofPlatform().start(() -> {
            try {
                result.set(shell(false).run("echo ready; while [ ! -f go ]; do sleep 0.05; done; echo done", 30, seen::add));
            } catch (Exception e) {
                seen.add("failed: " + e);
            }
        });
        var first = seen.poll(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(first).as("streamed before the command ended").isEqualTo("ready\n");
        Files.writeString(root.resolve("go"), "");
        runner.join(20_000);
        assertThat(result.get().content()).isEqualTo("exit code: 0\nready\ndone\n");
        assertThat(String.join("", seen)).isEqualTo("done\n");
    }

    @Test
    void liveOutputKeepsCharactersSplitBetweenReadsWholeAndStopsAtTheLimit() {
        var got = new java.util.ArrayList<String>();
        var live = new ShellTool.LiveOutput(got::add, 6);
        byte[] e = "é".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        live.accept(new byte[] {'a', e[0]}, 2);
        live.accept(new byte[] {e[1], 'b'}, 2);
        live.accept("cdefgh".getBytes(java.nio.charset.StandardCharsets.UTF_8), 6);
        live.accept("more".getBytes(java.nio.charset.StandardCharsets.UTF_8), 4);
        assertThat(got).containsExactly("a", "éb", "cde");
    }
}
