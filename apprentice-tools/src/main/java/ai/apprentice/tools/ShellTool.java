package ai.apprentice.tools;

import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolResult;
import ai.apprentice.tool.Tools;
import ai.apprentice.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * {@code run_shell}: runs a bash command in the workspace, in the OS sandbox when there is one. On timeout
 * the whole process tree is killed. Output (stdout and stderr together) is kept head and tail with a notice
 * of what was cut, so a command that prints gigabytes costs bounded memory. Variables that look like
 * secrets are removed from the environment unless a rule passes them.
 */
public final class ShellTool {
    /**
     * How a command may run. {@code protectedPaths} are paths the sandboxed shell may not write even inside the
     * workspace (the agent's own settings, git hooks and config), so nothing it runs can widen its own rules.
     * {@code hiddenPaths} are paths it cannot even read (an environment's checks and solutions: what decides the
     * agent's reward must not be readable by the agent).
     */
    public record Settings(boolean sandbox, boolean network, int defaultTimeoutSeconds, int maxOutputChars,
                           Predicate<String> passSecret, Map<String, String> baseEnvironment,
                           List<Path> protectedPaths, Sandbox.Limits limits, List<Path> hiddenPaths) {
        public Settings {
            protectedPaths = List.copyOf(protectedPaths);
            hiddenPaths = hiddenPaths == null ? List.of() : List.copyOf(hiddenPaths);
        }

        public Settings(boolean sandbox, boolean network, int defaultTimeoutSeconds, int maxOutputChars,
                        Predicate<String> passSecret, Map<String, String> baseEnvironment, List<Path> protectedPaths, Sandbox.Limits limits) {
            this(sandbox, network, defaultTimeoutSeconds, maxOutputChars, passSecret, baseEnvironment, protectedPaths, limits, List.of());
        }

        public Settings(boolean sandbox, boolean network, int defaultTimeoutSeconds, int maxOutputChars,
                        Predicate<String> passSecret, Map<String, String> baseEnvironment) {
            this(sandbox, network, defaultTimeoutSeconds, maxOutputChars, passSecret, baseEnvironment, List.of(), Sandbox.Limits.DEFAULT, List.of());
        }

        /** Paths the sandboxed shell cannot read (nor list); without the sandbox this has no effect. */
        public Settings withHiddenPaths(List<Path> paths) {
            return new Settings(sandbox, network, defaultTimeoutSeconds, maxOutputChars, passSecret, baseEnvironment, protectedPaths, limits, paths);
        }

        public static Settings defaults() {
            return new Settings(true, false, 120, 30_000, name -> false, System.getenv());
        }

        public Settings withSandbox(boolean on) {
            return new Settings(on, network, defaultTimeoutSeconds, maxOutputChars, passSecret, baseEnvironment, protectedPaths, limits, hiddenPaths);
        }

        public Settings withNetwork(boolean on) {
            return new Settings(sandbox, on, defaultTimeoutSeconds, maxOutputChars, passSecret, baseEnvironment, protectedPaths, limits, hiddenPaths);
        }

        public Settings withEnvironment(Map<String, String> env, Predicate<String> pass) {
            return new Settings(sandbox, network, defaultTimeoutSeconds, maxOutputChars, pass, env, protectedPaths, limits, hiddenPaths);
        }

        /** Paths the sandboxed shell may not write or create, also inside the workspace. */
        public Settings withProtectedPaths(List<Path> paths) {
            return new Settings(sandbox, network, defaultTimeoutSeconds, maxOutputChars, passSecret, baseEnvironment, paths, limits, hiddenPaths);
        }

        public Settings withLimits(Sandbox.Limits l) {
            return new Settings(sandbox, network, defaultTimeoutSeconds, maxOutputChars, passSecret, baseEnvironment, protectedPaths, l, hiddenPaths);
        }

        /**
         * The usual protected paths of a workspace: {@code .apprentice}, {@code .claude}, {@code .agents},
         * {@code .codex}, {@code .git/hooks}, {@code .git/config}, and {@code home} when it lies inside.
         */
        public static List<Path> protectedPathsOf(Path workspace, Path home) {
            var ws = workspace.toAbsolutePath().normalize();
            var paths = new java.util.ArrayList<Path>();
            for (var p : List.of(".apprentice", ".claude", ".agents", ".codex", ".git/hooks", ".git/config")) paths.add(ws.resolve(p));
            if (home != null && home.toAbsolutePath().normalize().startsWith(ws)) paths.add(home.toAbsolutePath().normalize());
            return List.copyOf(paths);
        }
    }

    static final Pattern SECRET_NAME = Pattern.compile("(?i).*(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE).*");

    private final Workspace workspace;
    private final Settings settings;

    public ShellTool(Workspace workspace, Settings settings) {
        this.workspace = workspace;
        this.settings = settings;
    }

    public Tool tool() {
        return Tools.builder("run_shell")
                .description("Run a bash command in the workspace and return its exit code and output (stdout and stderr "
                        + "together, long output cut in the middle). Default timeout " + settings.defaultTimeoutSeconds() + " s."
                        + (settings.sandbox() ? " Runs sandboxed: only the workspace is writable"
                        + (settings.network() ? "" : ", and there is no network")
                        + (settings.protectedPaths().isEmpty() ? "." : "; inside it, .apprentice/, .git/hooks and .git/config"
                        + " (and the other agents' settings folders) are read-only for you: a write there fails with"
                        + " 'Read-only file system'; ask the person to make such a change.") : ""))
                .schema(Json.tree("""
                        {"type":"object","properties":{
                          "command":{"type":"string","description":"the bash command line"},
                          "timeout_seconds":{"type":"integer","minimum":1,"maximum":3600,"description":"kill the command after this long"}},
                         "required":["command"],"additionalProperties":false}"""))
                .sequential()
                .execute((args, ctx) -> run(args.get("command").asText(),
                        // an environment or a test may call the tool without a run's context: then nobody watches the output
                        args.path("timeout_seconds").asInt(settings.defaultTimeoutSeconds()), ctx == null ? text -> { } : ctx.progress()));
    }

    public ToolResult run(String command, int timeoutSeconds) throws IOException, InterruptedException, ToolException {
        return run(command, timeoutSeconds, text -> { });
    }

    /**
     * Runs {@code command}; {@code progress} gets its output as it is printed (decoded as UTF-8, whole characters, at
     * most {@code maxOutputChars} of it), for a person to watch while the command runs.
     */
    public ToolResult run(String command, int timeoutSeconds, java.util.function.Consumer<String> progress)
            throws IOException, InterruptedException, ToolException {
        if (command.isBlank()) throw new ToolException("command is empty");
        var status = Sandbox.probe();
        List<String> argv;
        if (settings.sandbox()) {
            if (!status.available()) {
                throw new ToolException("the shell sandbox is required but unavailable (" + status.reason()
                        + "); run with --approve all or set sandbox: off to run unsandboxed");
            }
            argv = Sandbox.wrap(status.path(), status.disableUserns(), workspace.root(), settings.network(),
                    workspace.readOnlyRoots(), settings.protectedPaths(), settings.hiddenPaths(), settings.limits(), command);
        } else {
            argv = List.of("bash", "-c", "exec bash -c " + Sandbox.ansiC(command));
        }
        var pb = new ProcessBuilder(argv).directory(workspace.root().toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(settings.baseEnvironment());
        scrub(pb.environment(), settings.passSecret());
        utf8(pb.environment());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        boolean watchProcesses = settings.sandbox() && Sandbox.hostRoot();
        Process process = pb.start();
        var output = new HeadTailBuffer(settings.maxOutputChars());
        // A platform thread: a virtual one can wait behind CPU-bound virtual threads (parallel trials) for longer than
        // the join below allows, and the command's output was then lost (seen as "exit code: 1" and nothing else).
        var reader = Thread.ofPlatform().daemon().name("shell-output").start(() -> drain(process.getInputStream(), output, new LiveOutput(progress, settings.maxOutputChars())));
        boolean finished = false, tooMany = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        try {
            while (!finished && !tooMany && System.nanoTime() < deadline) {
                finished = process.waitFor(Math.min(250, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS);
                // The kernel does not apply RLIMIT_NPROC to the host's root, so as root we count (bwrap's own 2 processes aside).
                tooMany = !finished && watchProcesses && process.descendants().count() > settings.limits().processes() + 2;
            }
        } catch (InterruptedException e) {
            killTree(process);
            throw e;
        }
        if (!finished) killTree(process);
        reader.join(TimeUnit.SECONDS.toMillis(5));
        var sb = new StringBuilder();
        sb.append(finished ? "exit code: " + process.exitValue() : tooMany ? "the sandbox went over its limit of "
                + settings.limits().processes() + " processes; the command and all its child processes were killed"
                : "timed out after " + timeoutSeconds + " s; the command and all its child processes were killed").append('\n');
        sb.append(output.text(StandardCharsets.UTF_8));
        boolean failed = !finished || process.exitValue() != 0;
        return new ToolResult(sb.toString(), failed);
    }

    static void scrub(Map<String, String> env, Predicate<String> pass) {
        env.keySet().removeIf(name -> SECRET_NAME.matcher(name).matches() && !pass.test(name));
    }

    /** Without a UTF-8 locale bash and the tools it runs would turn non-ASCII text into '?'. */
    static void utf8(Map<String, String> env) {
        var ctype = "";
        for (var name : List.of("LC_ALL", "LC_CTYPE", "LANG")) { // the order in which the C library looks
            var value = env.getOrDefault(name, "");
            if (!value.isEmpty()) {
                ctype = value;
                break;
            }
        }
        if (!ctype.toUpperCase(java.util.Locale.ROOT).replace("-", "").contains("UTF8")) {
            env.put("LANG", "C.UTF-8");
            env.put("LC_ALL", "C.UTF-8");
        }
    }

    private static void drain(InputStream in, HeadTailBuffer out, LiveOutput live) {
        var buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.append(buf, n);
                live.accept(buf, n);
            }
        } catch (IOException ignored) {
            // the process was killed; what was read is kept
        }
    }

    /**
     * The output as it comes, for {@link ai.apprentice.tool.ToolContext#progress}: chunks decoded as UTF-8 with a
     * character split between reads kept for the next one, and nothing after {@code limit} characters (the result
     * keeps head and tail; a person watching needs no more than the model gets). A failing listener stops it, never the command.
     */
    static final class LiveOutput {
        private final java.util.function.Consumer<String> sink;
        private final java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPLACE).onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPLACE);
        private java.nio.ByteBuffer pending = java.nio.ByteBuffer.allocate(0);
        private long left;

        LiveOutput(java.util.function.Consumer<String> sink, long limit) {
            this.sink = sink;
            this.left = limit;
        }

        void accept(byte[] bytes, int n) {
            if (left <= 0) return;
            var in = java.nio.ByteBuffer.allocate(pending.remaining() + n).put(pending).put(bytes, 0, n).flip();
            var chars = java.nio.CharBuffer.allocate(in.remaining());
            decoder.decode(in, chars, false);
            pending = in.slice(); // an incomplete character's first bytes
            var text = chars.flip().toString();
            if (text.length() > left) text = text.substring(0, (int) left);
            left -= text.length();
            if (text.isEmpty()) return;
            try {
                sink.accept(text);
            } catch (RuntimeException e) {
                left = 0;
            }
        }
    }

    /** Kills the process and everything it started (children first, so none is re-parented and survives). */
    static void killTree(Process process) {
        var tree = process.descendants().toList();
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            for (var p : tree) p.onExit().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // a process that will not die within 5 s after SIGKILL is stuck in the kernel; nothing more to do
        }
    }
}
