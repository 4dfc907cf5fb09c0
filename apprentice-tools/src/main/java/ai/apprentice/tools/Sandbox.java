package ai.apprentice.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The OS sandbox for shell commands, with bubblewrap ({@code bwrap}): the whole file system read-only, the
 * workspace writable except its protected paths, a private {@code /tmp}, no network unless allowed, and its
 * own user, PID, IPC and (without network) network namespaces with every capability dropped, so that even
 * when apprentice runs as root nothing inside can remount, unmount, or enter another namespace. Processes
 * and address space are capped by hard rlimits; the process cap does not bind processes of the host's root
 * (the kernel exempts uid 0), so {@link ShellTool} also kills a sandbox that goes over it.
 * {@link #probe()} says whether it works here and checks each property from inside.
 */
public final class Sandbox {
    /** Caps per command: processes (and threads) in the sandbox, and address space per process. */
    public record Limits(int processes, long memoryBytes) {
        public static final Limits DEFAULT = new Limits(4096, 8L << 30);
    }

    public enum State { OK, FAIL, NOT_AVAILABLE }

    /** One property of the sandbox, checked from inside it. */
    public record Check(String name, State state, String detail) {}

    /**
     * Whether the sandbox can be used, a sentence saying why (for {@code apprentice doctor} and warnings), and
     * each property as observed inside a probe sandbox.
     */
    public record Status(boolean available, String path, String reason, boolean disableUserns, List<Check> checks) {}

    private static volatile Status cached;

    private Sandbox() {}

    public static Status probe() {
        var s = cached;
        if (s == null) cached = s = detect();
        return s;
    }

    /** Whether sandboxed processes are the host's root (rlimits on process count do not bind them). */
    static boolean hostRoot() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
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
            return new Status(false, null, "bwrap (bubblewrap) is not installed: apt-get install bubblewrap", false, List.of());
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("apprentice-sandbox-probe");
            // --disable-userns needs bubblewrap 0.8; without it a nested user namespace is possible (still no host capabilities).
            var run = run(wrap(bwrap.toString(), true, dir, false, List.of(), List.of(), Limits.DEFAULT, PROBE));
            boolean disableUserns = true;
            if (run.exit != 0) {
                disableUserns = false;
                run = run(wrap(bwrap.toString(), false, dir, false, List.of(), List.of(), Limits.DEFAULT, PROBE));
            }
            if (run.exit != 0) {
                return new Status(false, bwrap.toString(), "bwrap is installed but cannot create a sandbox here: " + run.out.strip(), false, List.of());
            }
            return new Status(true, bwrap.toString(), "bwrap works: commands run with the workspace writable, the rest read-only, no network",
                    disableUserns, checks(parse(run.out), disableUserns));
        } catch (IOException e) {
            return new Status(false, bwrap.toString(), "bwrap failed to start: " + e.getMessage(), false, List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Status(false, bwrap.toString(), "interrupted while probing bwrap", false, List.of());
        } finally {
            if (dir != null) dir.toFile().delete();
        }
    }

    /** Printed from inside the sandbox as key=value lines; compared with the JVM's own view in {@link #checks}. */
    private static final String PROBE = """
            echo "uid=$(id -u)"
            echo "uidmap=$(awk '{print $1":"$2":"$3; exit}' /proc/self/uid_map)"
            echo "capeff=$(awk '/^CapEff/{print $2}' /proc/self/status)"
            echo "capbnd=$(awk '/^CapBnd/{print $2}' /proc/self/status)"
            for ns in user pid ipc net mnt; do echo "ns.$ns=$(readlink /proc/self/ns/$ns)"; done
            echo "procs=$(ls -d /proc/[0-9]* | wc -l)"
            echo "nproc=$(ulimit -Hu)"
            echo "as=$(ulimit -Hv)"
            unshare -U true 2>/dev/null && echo nested=yes || echo nested=no
            """;

    private static Map<String, String> parse(String out) {
        var m = new HashMap<String, String>();
        for (var line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) m.put(line.substring(0, eq), line.substring(eq + 1).strip());
        }
        return m;
    }

    private static List<Check> checks(Map<String, String> in, boolean disableUserns) {
        var checks = new ArrayList<Check>();
        var map = in.getOrDefault("uidmap", "");
        boolean ownUserNs = !differs(in, "user").isEmpty() && !map.startsWith("0:0:4294967295");
        checks.add(new Check("user namespace", ownUserNs ? State.OK : State.FAIL, ownUserNs
                ? "own, uid " + in.get("uid") + " inside, mapped to the host's " + (hostRoot() ? "root" : "uid of apprentice") + " only"
                + (disableUserns ? ", no nested ones" : "yes".equals(in.get("nested")) ? ", nested ones allowed (bubblewrap < 0.8)" : "")
                : "shares the host's user namespace"));
        boolean noCaps = "0000000000000000".equals(in.get("capeff")) && "0000000000000000".equals(in.get("capbnd"));
        checks.add(new Check("capabilities", noCaps ? State.OK : State.FAIL,
                (noCaps ? "all dropped" : "still held") + " (CapEff " + in.get("capeff") + ", CapBnd " + in.get("capbnd") + ")"));
        boolean ownPid = !differs(in, "pid").isEmpty();
        checks.add(new Check("pid namespace", ownPid ? State.OK : State.FAIL, ownPid
                ? "own; " + in.get("procs") + " processes visible, none of the host's" : "shares the host's: its processes are visible"));
        checks.add(ns(in, "ipc", "IPC namespace"));
        checks.add(ns(in, "net", "network off"));
        var nproc = in.getOrDefault("nproc", "unlimited");
        checks.add(nproc.equals("unlimited") ? new Check("process limit", State.FAIL, "none")
                : hostRoot()
                ? new Check("process limit", State.OK, "at most " + nproc + ", enforced by apprentice killing the sandbox"
                        + " (runs as host root, which the kernel exempts from RLIMIT_NPROC)")
                : new Check("process limit", State.OK, "at most " + nproc + " (hard RLIMIT_NPROC)"));
        var as = in.getOrDefault("as", "unlimited");
        checks.add(as.equals("unlimited") ? new Check("memory limit", State.FAIL, "none")
                : new Check("memory limit", State.OK, "at most " + Long.parseLong(as) / 1024 + " MiB of address space per process"
                        + " (hard RLIMIT_AS); no limit on the total (no cgroup)"));
        return List.copyOf(checks);
    }

    private static Check ns(Map<String, String> in, String ns, String name) {
        var d = differs(in, ns);
        return new Check(name, d.isEmpty() ? State.FAIL : State.OK, d.isEmpty() ? "shares the host's " + ns + " namespace" : "own " + d);
    }

    /** The sandbox's namespace if it differs from the JVM's, else "". */
    private static String differs(Map<String, String> in, String ns) {
        var inside = in.getOrDefault("ns." + ns, "");
        try {
            var host = Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)).toString();
            return inside.isEmpty() || inside.equals(host) ? "" : inside;
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    private record Run(int exit, String out) {}

    private static Run run(List<String> argv) throws IOException, InterruptedException {
        var p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Run(-1, "bwrap did not answer within 10 s");
        }
        return new Run(p.exitValue(), out);
    }

    /**
     * The command line that runs {@code command} with bash inside the sandbox. Protected paths are mounted
     * read-only after the workspace's writable bind (a later mount covers an earlier one); a missing one is
     * reserved with an empty read-only directory, so bwrap leaves an empty folder (or, for {@code .git/config},
     * an empty file) in the workspace, except under a {@code .git} that does not exist.
     */
    static List<String> wrap(String bwrap, boolean disableUserns, Path workspace, boolean network, List<Path> readOnly,
                             List<Path> protectedPaths, Limits limits, String command) {
        return wrap(bwrap, disableUserns, workspace, network, readOnly, protectedPaths, List.of(), limits, command);
    }

    /**
     * As above, with {@code hidden} paths covered before the workspace is bound: an empty private folder over a
     * folder, an empty file over a file, so the shell can neither read nor list them (the workspace stays visible
     * even when it lies inside one).
     */
    static List<String> wrap(String bwrap, boolean disableUserns, Path workspace, boolean network, List<Path> readOnly,
                             List<Path> protectedPaths, List<Path> hidden, Limits limits, String command) {
        var cmd = new ArrayList<>(List.of(bwrap, "--unshare-user"));
        if (disableUserns) cmd.add("--disable-userns");
        // Host root is mapped to nobody inside: nothing looks privileged, and no capability is kept anyway.
        if (hostRoot()) cmd.addAll(List.of("--uid", "65534", "--gid", "65534"));
        cmd.addAll(List.of("--cap-drop", "ALL", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session"));
        if (!network) cmd.add("--unshare-net");
        cmd.addAll(List.of("--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"));
        for (var p : hidden) {
            var s = p.toAbsolutePath().normalize().toString();
            if (Files.isDirectory(p)) cmd.addAll(List.of("--tmpfs", s));
            else if (Files.exists(p)) cmd.addAll(List.of("--ro-bind", "/dev/null", s));
        }
        cmd.addAll(List.of("--bind", workspace.toString(), workspace.toString()));
        // Folders the agent may read (skills) stay visible even under the private /tmp or inside the workspace.
        for (var p : readOnly) cmd.addAll(List.of("--ro-bind-try", p.toString(), p.toString()));
        for (var p : protectedPaths) {
            var s = p.toAbsolutePath().normalize().toString();
            if (Files.exists(p)) {
                cmd.addAll(List.of("--ro-bind", s, s));
            } else if (Files.isDirectory(p.getParent()) && !underMissingGit(p)) {
                boolean file = p.getFileName().toString().equals("config") && p.getParent().getFileName().toString().equals(".git");
                cmd.addAll(file ? List.of("--ro-bind", "/dev/null", s) : List.of("--tmpfs", s, "--remount-ro", s));
            }
        }
        cmd.addAll(List.of("--chdir", workspace.toString(), "bash", "-c",
                // Hard limits (the soft ones follow) cannot be raised again without CAP_SYS_RESOURCE.
                "umask 022; ulimit -u " + limits.processes() + "; ulimit -v " + limits.memoryBytes() / 1024
                        + "; exec bash -c " + ansiC(command)));
        return cmd;
    }

    static boolean underMissingGit(Path p) {
        for (var a = p.getParent(); a != null; a = a.getParent()) {
            if (a.getFileName() != null && a.getFileName().toString().equals(".git")) return !Files.isDirectory(a);
        }
        return false;
    }

    /**
     * {@code command} as a bash {@code $'...'} word of ASCII only, its UTF-8 bytes as {@code \xHH}: the JVM
     * encodes arguments in its launch locale, which turns "Grüße" into "Gr??e" when {@code LANG} is unset.
     */
    static String ansiC(String command) {
        var sb = new StringBuilder("$'");
        for (byte b : command.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') sb.append((char) c);
            else sb.append(String.format("\\x%02x", c));
        }
        return sb.append('\'').toString();
    }
}
