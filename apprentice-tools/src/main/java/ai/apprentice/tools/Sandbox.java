package ai.apprentice.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The OS sandbox for shell commands, with bubblewrap ({@code bwrap}): the whole file system read-only, the
 * workspace writable, a private {@code /tmp}, no network unless allowed, its own process namespace, and
 * the sandbox dies with us. {@link #probe()} says whether it works here and, if not, why.
 */
public final class Sandbox {
    /** Whether the sandbox can be used, and a sentence saying why (for {@code apprentice doctor} and warnings). */
    public record Status(boolean available, String path, String reason) {}

    private static volatile Status cached;

    private Sandbox() {}

    public static Status probe() {
        var s = cached;
        if (s == null) cached = s = detect();
        return s;
    }

    private static Status detect() {
        Path bwrap = null;
        for (var dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            var candidate = Path.of(dir, "bwrap");
            if (Files.isExecutable(candidate)) {
                bwrap = candidate;
                break;
            }
        }
        if (bwrap == null) {
            return new Status(false, null, "bwrap (bubblewrap) is not installed: apt-get install bubblewrap");
        }
        try {
            var p = new ProcessBuilder(bwrap.toString(), "--ro-bind", "/", "/", "--dev", "/dev", "--unshare-net",
                    "--die-with-parent", "true").redirectErrorStream(true).start();
            var out = new String(p.getInputStream().readAllBytes()).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Status(false, bwrap.toString(), "bwrap did not answer within 10 s");
            }
            return p.exitValue() == 0
                    ? new Status(true, bwrap.toString(), "bwrap works: commands run with the workspace writable, the rest read-only, no network")
                    : new Status(false, bwrap.toString(), "bwrap is installed but cannot create a sandbox here: " + out);
        } catch (IOException e) {
            return new Status(false, bwrap.toString(), "bwrap failed to start: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Status(false, bwrap.toString(), "interrupted while probing bwrap");
        }
    }

    /** The command line that runs {@code command} with bash inside the sandbox. */
    static List<String> wrap(String bwrap, Path workspace, boolean network, List<Path> readOnly, String command) {
        var cmd = new ArrayList<>(List.of(bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"));
        // Folders the agent may read (skills) stay visible even under the private /tmp.
        for (var p : readOnly) cmd.addAll(List.of("--ro-bind-try", p.toString(), p.toString()));
        cmd.addAll(List.of("--bind", workspace.toString(), workspace.toString(), "--chdir", workspace.toString(),
                "--unshare-pid", "--unshare-ipc", "--die-with-parent", "--new-session"));
        if (!network) cmd.add("--unshare-net");
        cmd.addAll(List.of("bash", "-c", command));
        return cmd;
    }
}
