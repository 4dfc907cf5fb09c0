package ai.apprentice.envs.folder;

import ai.apprentice.envs.ActionBudget;
import ai.apprentice.envs.EpisodeFolders;
import ai.apprentice.envs.Episode;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.json.Json;
import ai.apprentice.tool.Tool;
import ai.apprentice.tools.ShellTool;
import ai.apprentice.tools.ToolException;
import ai.apprentice.tools.Workspace;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One attempt at one task of a folder environment. The episode's folder holds {@code work/}, the agent's
 * workspace (a copy of the task's {@code setup/}), and, once the check has run, {@code check.out} (its
 * standard output). The agent's tools reach only {@code work/}; the task's folder, with its check and solution,
 * is never copied in. The check runs once, when the reward is asked for, in {@code work/} as the agent left it,
 * in the sandbox (unless the environment turned it off) with the environment's folder readable, and the episode's
 * folder is deleted on {@link #close}.
 */
final class FolderEpisode implements Episode {
    static final String WORKSPACE = "work";
    static final String CHECK_OUTPUT = "check.out";
    /** How much of the end of the check's standard output is read. */
    static final int STDOUT_TAIL_BYTES = 64 * 1024;
    /** A reward printed by the check: a plain decimal number (no hex, no Java suffixes such as 1d). */
    static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?");
    /** What Python and C print for a number that is not one: counted as a number out of range (reward 0), not as text. */
    static final Pattern NOT_A_NUMBER = Pattern.compile("(?i)[-+]?(nan|inf|infinity)");

    private final FolderEnvironment env;
    private final FolderTask task;
    private final Path dir;
    private final Path work;
    private final ActionBudget budget;
    private final List<Tool> tools;
    private Reward reward;

    FolderEpisode(FolderEnvironment env, FolderTask task, Path dir) {
        this.env = env;
        this.task = task;
        this.dir = dir;
        this.work = dir.resolve(WORKSPACE);
        this.budget = new ActionBudget(task.settings().maxActions());
        // The environment's folder (every task's check and solution) is hidden from the agent's shell: what decides
        // the reward must not be readable by what is rewarded. The file tools never reach outside the workspace.
        var shell = EpisodeFolders.shellSettings(task.settings().sandbox(), FolderEnvironment.SHELL_TIMEOUT_SECONDS);
        var hidden = new java.util.ArrayList<>(shell.hiddenPaths());
        hidden.addAll(EpisodeFolders.hiddenAround(env.root()));
        this.tools = budget.counted(EpisodeFolders.tools(work, shell.withHiddenPaths(hidden)));
    }

    @Override public String taskId() { return task.id(); }
    Path workspace() { return work; }

    @Override
    public String policy() {
        return "You do a task in a folder, your workspace, with the file tools and run_shell ("
                + (task.settings().sandbox() ? "sandboxed: only the workspace is writable, and there is no network" : "not sandboxed")
                + "). Read what is there, do the task, and check your work where you can. When you are done, say so in a message: "
                + "that ends the task, and a check you cannot see then decides, on the workspace as you left it, whether it is done. "
                + "You have at most " + task.settings().maxActions() + " actions.";
    }

    @Override public String firstUserMessage() { return task.prompt(); }

    @Override
    public String reply(String agentMessage) {
        budget.reply();
        return UserSimulator.STOP;
    }

    @Override public boolean done() { return budget.done(); }
    @Override public int actions() { return budget.actions(); }
    @Override public int maxActions() { return budget.max(); }
    @Override public List<Tool> tools() { return tools; }
    @Override public List<String> goldOutputs() { return List.of(); }
    @Override public List<JsonNode> goldActions() { return goldActions(task); }

    /**
     * Writes each file of the task's {@code solution/} with {@code write_file} and makes the executable ones
     * executable with {@code run_shell}, as an agent would; empty without {@code solution/}. Files are text:
     * a file that is not UTF-8 is refused. Nothing is deleted: the solution is the files as they should be.
     */
    static List<JsonNode> goldActions(FolderTask task) {
        if (task.solution() == null) return List.of();
        var out = new ArrayList<JsonNode>();
        var executables = new ArrayList<String>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(task.solution())) {
            files = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + task.shown("solution") + ": " + e.getMessage(), e);
        }
        for (var f : files) {
            var rel = task.solution().relativize(f).toString().replace(java.io.File.separatorChar, '/');
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(Files.readAllBytes(f))).toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(task.shown("solution/" + rel) + " is not UTF-8 text; the gold policy writes the "
                        + "solution's files with write_file, which takes text");
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read " + task.shown("solution/" + rel) + ": " + e.getMessage(), e);
            }
            out.add(Json.object().put("name", "write_file").set("kwargs", Json.object().put("path", rel).put("content", text)));
            if (Files.isExecutable(f)) executables.add(rel);
        }
        if (!executables.isEmpty()) {
            var command = new StringBuilder("chmod +x --");
            for (var e : executables) command.append(" '").append(e.replace("'", "'\\''")).append('\'');
            out.add(Json.object().put("name", "run_shell").set("kwargs", Json.object().put("command", command.toString())));
        }
        return List.copyOf(out);
    }

    /** Runs the check once, on the workspace as it is now. */
    @Override
    public synchronized Reward reward() {
        if (reward != null) return reward;
        try {
            return reward = runCheck();
        } catch (IOException | ToolException e) {
            return reward = new Reward(0, "the check could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reward(0, "interrupted while the check ran");
        }
    }

    /**
     * Removes every symbolic link the agent left in its workspace: the check can read the environment's folder, which
     * the agent cannot, and a link would let it point the check at the solution. Returns how many there were.
     */
    private int removeLinks() throws IOException {
        var links = new java.util.ArrayList<Path>();
        try (var walk = Files.walk(work)) {
            walk.filter(Files::isSymbolicLink).forEach(links::add);
        }
        for (var l : links) Files.deleteIfExists(l);
        return links.size();
    }

    private Reward runCheck() throws IOException, InterruptedException, ToolException {
        int links = removeLinks();
        var reward = check();
        return links == 0 ? reward : new Reward(reward.value(), reward.explanation() + " (" + links
                + " symbolic link" + (links == 1 ? " was" : "s were") + " removed from the workspace before the check)");
    }

    private Reward check() throws IOException, InterruptedException, ToolException {
        var check = task.check();
        Map<String, String> environment = new HashMap<>(EpisodeFolders.shellEnvironment());
        environment.put("APPRENTICE_TASK_DIR", task.dir().toString());
        environment.put("APPRENTICE_TASK_ID", task.id());
        environment.put("APPRENTICE_ENV_DIR", env.root().toString());
        environment.put("APPRENTICE_WORKSPACE", work.toString());
        String run = switch (check.kind()) {
            case EXECUTABLE -> "\"$APPRENTICE_TASK_DIR/check\"";
            case BASH -> "bash \"$APPRENTICE_TASK_DIR/check.sh\"";
            case COMMAND -> {
                environment.put("APPRENTICE_CHECK", check.command());
                yield "bash -c \"$APPRENTICE_CHECK\"";
            }
        };
        int timeout = task.settings().checkTimeoutSeconds();
        var shell = new ShellTool.Settings(task.settings().sandbox(), false, timeout, 30_000, name -> false, Map.copyOf(environment));
        // The sandbox makes the episode's folder writable (the workspace and check.out beside it, where the agent cannot
        // reach) and the environment's folder readable, also when it lies under /tmp (the sandbox's /tmp is its own).
        var where = new Workspace(dir).allowRead(env.root());
        Files.deleteIfExists(dir.resolve(CHECK_OUTPUT));
        var result = new ShellTool(where, shell).run("cd \"$APPRENTICE_WORKSPACE\" && exec " + run + " > ../" + CHECK_OUTPUT, timeout);
        var content = result.content();
        int nl = content.indexOf('\n');
        String status = nl < 0 ? content : content.substring(0, nl);
        String stderr = nl < 0 ? "" : content.substring(nl + 1);
        return score(status, stdoutTail(dir.resolve(CHECK_OUTPUT)), stderr, timeout);
    }

    /**
     * The reward from how the check ended ({@code status}: the shell tool's first line, "exit code: N" or why it
     * was killed) and what it printed: exit 0 is 1, unless the last non-empty line of standard output is a number,
     * which is then the reward if it lies in [0, 1] and gives 0 otherwise; any other exit is 0.
     */
    static Reward score(String status, String stdout, String stderr, int timeoutSeconds) {
        String last = lastLine(stdout);
        boolean number = NUMBER.matcher(last).matches() || NOT_A_NUMBER.matcher(last).matches();
        if (!status.startsWith("exit code: ")) {
            return new Reward(0, "the check " + status + (status.startsWith("timed out") ? " (check_timeout_seconds is " + timeoutSeconds + ")" : "")
                    + output(stdout, stderr));
        }
        int exit;
        try {
            exit = Integer.parseInt(status.substring("exit code: ".length()).strip());
        } catch (NumberFormatException e) {
            return new Reward(0, "the check ended in a way not understood: " + status + output(stdout, stderr));
        }
        if (exit != 0) {
            return new Reward(0, "the check failed (exit " + exit + ")"
                    + (number ? "; it printed " + last + ", which counts only when the check exits 0" : "") + output(stdout, stderr));
        }
        if (!number) return new Reward(1, "the check passed (exit 0)");
        double value = NOT_A_NUMBER.matcher(last).matches() ? Double.NaN : Double.parseDouble(last);
        if (!(value >= 0 && value <= 1)) {
            return new Reward(0, "the check printed " + last + ", which is not a reward in [0, 1], so the reward is 0" + output("", stderr));
        }
        return new Reward(value, "the check printed " + last + output("", stderr));
    }

    static String lastLine(String text) {
        var lines = text.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) if (!lines[i].isBlank()) return lines[i].strip();
        return "";
    }

    /** The end of what the check printed, on one line, for the explanation; empty when it printed nothing. */
    static String output(String stdout, String stderr) {
        var parts = new ArrayList<String>();
        if (!stdout.isBlank()) parts.add("stdout: " + tail(stdout));
        if (!stderr.isBlank()) parts.add("stderr: " + tail(stderr));
        return parts.isEmpty() ? "" : "; " + String.join("; ", parts);
    }

    private static String tail(String text) {
        var t = text.strip();
        if (t.length() > 400) t = "..." + t.substring(t.length() - 400);
        return t.replace("\r", "").replace("\n", " | ");
    }

    /**
     * The last {@link #STDOUT_TAIL_BYTES} of the check's standard output; not through a symbolic link (what the
     * check ran could have replaced the file with one pointing anywhere), and empty when there is none.
     */
    static String stdoutTail(Path file) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return "";
        }
        if (!attrs.isRegularFile()) return "";
        try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            long from = Math.max(0, size - STDOUT_TAIL_BYTES);
            ch.position(from);
            var buf = ByteBuffer.allocate((int) (size - from));
            while (buf.hasRemaining() && ch.read(buf) > 0) { /* reading */ }
            var text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            if (from > 0) text = text.substring(text.indexOf('\n') + 1); // a line cut at the start is dropped
            return text;
        }
    }

    @Override
    public void close() {
        EpisodeFolders.delete(dir);
    }
}
