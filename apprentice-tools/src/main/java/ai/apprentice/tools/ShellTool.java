package ai.apprentice.tools;

import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolResult;
import ai.apprentice.tool.Tools;
import ai.apprentice.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
    /** How a command may run. */
    public record Settings(boolean sandbox, boolean network, int defaultTimeoutSeconds, int maxOutputChars,
                           Predicate<String> passSecret, Map<String, String> baseEnvironment) {
        public static Settings defaults() {
            return new Settings(true, false, 120, 30_000, name -> false, System.getenv());
        }

        public Settings withSandbox(boolean on) {
            return new Settings(on, network, defaultTimeoutSeconds, maxOutputChars, passSecret, baseEnvironment);
        }

        public Settings withNetwork(boolean on) {
            return new Settings(sandbox, on, defaultTimeoutSeconds, maxOutputChars, passSecret, baseEnvironment);
        }

        public Settings withEnvironment(Map<String, String> env, Predicate<String> pass) {
            return new Settings(sandbox, network, defaultTimeoutSeconds, maxOutputChars, pass, env);
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
                        + (settings.network() ? "." : ", and there is no network.") : ""))
                .schema(Json.tree("""
                        {"type":"object","properties":{
                          "command":{"type":"string","description":"the bash command line"},
                          "timeout_seconds":{"type":"integer","minimum":1,"maximum":3600,"description":"kill the command after this long"}},
                         "required":["command"],"additionalProperties":false}"""))
                .sequential()
                .execute((args, ctx) -> run(args.get("command").asText(),
                        args.path("timeout_seconds").asInt(settings.defaultTimeoutSeconds())));
    }

    public ToolResult run(String command, int timeoutSeconds) throws IOException, InterruptedException, ToolException {
        if (command.isBlank()) throw new ToolException("command is empty");
        var status = Sandbox.probe();
        List<String> argv;
        if (settings.sandbox()) {
            if (!status.available()) {
                throw new ToolException("the shell sandbox is required but unavailable (" + status.reason()
                        + "); run with --approve all or set sandbox: off to run unsandboxed");
            }
            argv = Sandbox.wrap(status.path(), workspace.root(), settings.network(), workspace.readOnlyRoots(), command);
        } else {
            argv = List.of("bash", "-c", command);
        }
        var pb = new ProcessBuilder(argv).directory(workspace.root().toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(settings.baseEnvironment());
        scrub(pb.environment(), settings.passSecret());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process process = pb.start();
        var output = new HeadTailBuffer(settings.maxOutputChars());
        var reader = Thread.ofVirtual().start(() -> drain(process.getInputStream(), output));
        boolean finished;
        try {
            finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            killTree(process);
            throw e;
        }
        if (!finished) killTree(process);
        reader.join(TimeUnit.SECONDS.toMillis(5));
        var sb = new StringBuilder();
        sb.append(finished ? "exit code: " + process.exitValue() : "timed out after " + timeoutSeconds
                + " s; the command and all its child processes were killed").append('\n');
        sb.append(output.text(StandardCharsets.UTF_8));
        boolean failed = !finished || process.exitValue() != 0;
        return new ToolResult(sb.toString(), failed);
    }

    static void scrub(Map<String, String> env, Predicate<String> pass) {
        env.keySet().removeIf(name -> SECRET_NAME.matcher(name).matches() && !pass.test(name));
    }

    private static void drain(InputStream in, HeadTailBuffer out) {
        var buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) out.append(buf, n);
        } catch (IOException ignored) {
            // the process was killed; what was read is kept
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
