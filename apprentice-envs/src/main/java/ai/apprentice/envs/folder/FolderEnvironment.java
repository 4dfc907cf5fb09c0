package ai.apprentice.envs.folder;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.EpisodeFolders;
import ai.apprentice.envs.Episode;
import ai.apprentice.envs.UserSimulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A person's own tasks as an environment: a folder with {@code tasks/ID/prompt.md} (what the user says), an
 * optional {@code setup/} copied into the episode's workspace, a check that decides the reward ({@code check.sh},
 * an executable {@code check}, or {@code "check"} in {@code task.json}), and optionally {@code solution/}, the
 * files as they should be, which the gold policy writes. {@code environment.json} holds the settings ({@link
 * FolderSettings}). The agent gets the file tools and a sandboxed shell confined to a private copy of
 * {@code setup/}; the check runs there after the agent is done, in the sandbox too, and is never in the copy.
 *
 * <p>Task ids are the task folders' names, in {@link String} order; they are stable as long as the folders keep
 * their names (an interrupted evaluation resumes by them), though indices shift when a task is added. There is
 * one split, {@code test}: all the tasks. Everything is read and checked when the folder is loaded, so a
 * mistake in it is reported before any episode starts, naming the file.
 */
public final class FolderEnvironment implements Environment {
    /** The one split: every task of the folder ({@code apprentice eval}'s default split). */
    public static final String SPLIT = "test";
    static final int SHELL_TIMEOUT_SECONDS = 60;

    private final Path given;
    private final Path root;
    private final String name;
    private final FolderSettings settings;
    private final List<FolderTask> tasks;
    private final Path scratch;

    private FolderEnvironment(Path given, Path root, FolderSettings settings, List<FolderTask> tasks, Path scratch) {
        this.given = given;
        this.root = root;
        this.name = root.getFileName().toString();
        this.settings = settings;
        this.tasks = tasks;
        this.scratch = scratch;
    }

    /** Loads the environment in {@code dir}; episodes' copies go to {@code $TMPDIR/apprentice-folder-USER}. */
    public static FolderEnvironment load(Path dir) {
        return load(dir, EpisodeFolders.scratch("folder"));
    }

    /**
     * Loads the environment in {@code dir}, with the episodes' copies in {@code scratch}. Throws {@link
     * IllegalArgumentException} naming the file when something in the folder is missing or wrong.
     */
    public static FolderEnvironment load(Path dir, Path scratch) {
        var root = dir.toAbsolutePath().normalize();
        if (root.getFileName() == null) throw new IllegalArgumentException("'" + dir + "' cannot be an environment: its folder has no name");
        if (!Files.isDirectory(root.resolve("tasks"))) {
            throw new IllegalArgumentException(Files.isDirectory(root)
                    ? "'" + dir + "' is a folder but not an environment of tasks: it has no tasks/ folder (apprentice env new NAME makes one)"
                    : "No folder of tasks at '" + dir + "'");
        }
        var settings = FolderSettings.read(root.resolve("environment.json"), dir.resolve("environment.json"));
        var tasks = FolderTask.readAll(root.resolve("tasks"), dir.resolve("tasks"), settings);
        return new FolderEnvironment(dir, root, settings, tasks, scratch);
    }

    /**
     * The environment {@code name} names when it is a path to a folder (relative to the working directory, or
     * absolute); empty when there is no such folder. Throws {@link IllegalArgumentException} when there is one but
     * it is not an environment, or when its episodes could not start here for want of the sandbox (said now, since
     * an evaluation would only report that its first trial failed).
     */
    public static Optional<FolderEnvironment> at(String name) {
        Path p;
        try {
            p = Path.of(name);
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        if (name.isBlank() || !Files.isDirectory(p)) return Optional.empty();
        var env = load(p);
        try {
            env.requireSandbox();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return Optional.of(env);
    }

    private void requireSandbox() {
        if (settings.sandbox()) {
            EpisodeFolders.requireSandbox("the environment " + given, "set \"sandbox\": false in " + given.resolve("environment.json")
                    + " to run them and the check unsandboxed, as you (see SECURITY.md)");
        }
    }

    @Override public String name() { return name; }

    @Override
    public String description() {
        var d = settings.description() != null ? settings.description() : "tasks in " + given;
        return d + " (" + tasks.size() + (tasks.size() == 1 ? " task" : " tasks") + (settings.sandbox() ? "" : ", unsandboxed") + ")";
    }

    @Override public List<String> splits() { return List.of(SPLIT); }

    @Override
    public int size(String split) {
        checkSplit(split);
        return tasks.size();
    }

    @Override
    public String taskId(String split, int index) {
        return task(split, index).id();
    }

    /** The folder, as given. */
    public Path folder() {
        return given;
    }

    FolderSettings settings() {
        return settings;
    }

    /**
     * Whether any of its tasks runs the agent's shell and its check without the sandbox ({@code "sandbox": false}): a
     * person's choice for their own folder, never one a folder written by someone else may make for them.
     */
    public boolean runsUnsandboxed() {
        return !settings.sandbox() || tasks.stream().anyMatch(t -> !t.settings().sandbox());
    }

    List<FolderTask> tasks() {
        return tasks;
    }

    Path root() {
        return root;
    }

    FolderTask task(String split, int index) {
        checkSplit(split);
        if (index < 0 || index >= tasks.size()) {
            throw new IllegalArgumentException(name + " has tasks 0-" + (tasks.size() - 1) + ", not " + index);
        }
        return tasks.get(index);
    }

    private void checkSplit(String split) {
        if (!SPLIT.equals(split)) {
            throw new IllegalArgumentException(name + " has no split '" + split + "'; a folder of tasks has one split, '" + SPLIT + "' (all its tasks)");
        }
    }

    @Override
    public Episode start(String split, int index, long seed, UserSimulator user) {
        var task = task(split, index);
        requireSandbox();
        Path dir;
        try {
            Files.createDirectories(scratch);
            dir = Files.createTempDirectory(scratch, "task-").toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the episode's folder in " + scratch + ": " + e.getMessage(), e);
        }
        try {
            var work = Files.createDirectory(dir.resolve(FolderEpisode.WORKSPACE));
            if (task.setup() != null) EpisodeFolders.copy(task.setup(), work, rel -> false);
            return new FolderEpisode(this, task, dir);
        } catch (IOException e) {
            EpisodeFolders.delete(dir);
            throw new UncheckedIOException("cannot copy " + task.shown("setup") + " into the episode's workspace: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            EpisodeFolders.delete(dir);
            throw e;
        }
    }
}
