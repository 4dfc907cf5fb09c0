package ai.apprentice.envs.folder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One task of a folder environment, read and checked when the folder is loaded: {@code dir} is
 * {@code tasks/ID}, {@code shown} the same as the person gave it (for messages), {@code setup} and
 * {@code solution} are null when the task has none.
 */
record FolderTask(String id, Path dir, Path shown, String prompt, Check check, Path setup, Path solution, FolderSettings settings) {
    /** A task folder's name is its id: it goes into reports, CSV files and reward events ({@code ENV:ID}). */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** How the check runs, in the episode's workspace. */
    enum Kind {
        /** {@code tasks/ID/check}, an executable file. */
        EXECUTABLE,
        /** {@code tasks/ID/check.sh}, run with bash. */
        BASH,
        /** {@code "check"} in {@code tasks/ID/task.json}, a bash command line. */
        COMMAND
    }

    /** The check: its kind, and the file or command line. */
    record Check(Kind kind, Path file, String command, String shown) {}

    /** {@code name} inside the task's folder, as the person gave the folder. */
    String shown(String name) {
        return shown.resolve(name).toString();
    }

    /** Every task folder under {@code tasks} (named {@code shown} in messages), in id order. */
    static List<FolderTask> readAll(Path tasks, Path shown, FolderSettings settings) {
        List<Path> dirs;
        try (Stream<Path> list = Files.list(tasks)) {
            dirs = list.filter(p -> Files.isDirectory(p) && !p.getFileName().toString().startsWith("."))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot list " + shown + ": " + e.getMessage(), e);
        }
        if (dirs.isEmpty()) {
            throw new IllegalArgumentException(shown + " has no tasks: each task is a folder " + shown.resolve("ID")
                    + " with prompt.md and a check (check.sh); apprentice env new NAME makes an example");
        }
        var out = new ArrayList<FolderTask>();
        for (var d : dirs) out.add(read(d, shown.resolve(d.getFileName().toString()), settings));
        return List.copyOf(out);
    }

    static FolderTask read(Path dir, Path shown, FolderSettings settings) {
        String id = dir.getFileName().toString();
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException(shown + ": a task folder's name is the task's id and may have only letters, digits, "
                    + "'.', '_' and '-' (starting with a letter or digit)");
        }
        // No part of a task may be a symbolic link: a link would make a file outside the folder the prompt (sent to a
        // model) or the check.
        for (var part : new String[] {"", "prompt.md", "task.json", "check", "check.sh"}) {
            var p = part.isEmpty() ? dir : dir.resolve(part);
            if (Files.isSymbolicLink(p)) {
                throw new IllegalArgumentException((part.isEmpty() ? shown : shown.resolve(part)) + " is a symbolic link; a task's files must be "
                        + "real files inside its folder");
            }
        }
        var promptFile = dir.resolve("prompt.md");
        if (!Files.isRegularFile(promptFile)) {
            throw new IllegalArgumentException(shown.resolve("prompt.md") + " is missing: each task needs prompt.md, the task as the user states it");
        }
        String prompt;
        try {
            prompt = Files.readString(promptFile).strip();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(shown.resolve("prompt.md") + " is not UTF-8 text");
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + shown.resolve("prompt.md") + ": " + e.getMessage(), e);
        }
        if (prompt.isEmpty()) throw new IllegalArgumentException(shown.resolve("prompt.md") + " is empty: it is the task, as the user states it");

        var taskJson = dir.resolve("task.json");
        var json = Files.exists(taskJson) ? FolderSettings.object(taskJson, shown.resolve("task.json"), FolderSettings.TASK_KEYS) : null;
        var own = json == null ? settings : settings.with(json, shown.resolve("task.json"));
        String command = json == null ? null : FolderSettings.text(json, "check", null, shown.resolve("task.json"));

        var checks = new ArrayList<Check>();
        if (command != null) checks.add(new Check(Kind.COMMAND, null, command, shown.resolve("task.json") + " (\"check\")"));
        var executable = dir.resolve("check");
        if (Files.exists(executable, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(executable) || !Files.isExecutable(executable)) {
                throw new IllegalArgumentException(shown.resolve("check") + " is not an executable file: make it one (chmod +x "
                        + shown.resolve("check") + "), or call it check.sh to run it with bash");
            }
            checks.add(new Check(Kind.EXECUTABLE, executable, null, shown.resolve("check").toString()));
        }
        var script = dir.resolve("check.sh");
        if (Files.exists(script, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(script) || !Files.isReadable(script)) throw new IllegalArgumentException(shown.resolve("check.sh") + " is not a readable file");
            checks.add(new Check(Kind.BASH, script, null, shown.resolve("check.sh").toString()));
        }
        if (checks.isEmpty()) {
            throw new IllegalArgumentException(shown + " has no check: add check.sh (run with bash), an executable named check, or "
                    + "{\"check\": \"COMMAND\"} in task.json; it runs in the agent's workspace, and exit 0 means done");
        }
        if (checks.size() > 1) {
            throw new IllegalArgumentException(shown + " has more than one check (" + String.join(", ", checks.stream().map(Check::shown).toList())
                    + "); keep one");
        }

        var setup = folder(dir.resolve("setup"), shown.resolve("setup"));
        var solution = folder(dir.resolve("solution"), shown.resolve("solution"));
        var task = new FolderTask(id, dir, shown, prompt, checks.getFirst(), setup, solution, own);
        if (solution != null) {
            int actions = FolderEpisode.goldActions(task).size();
            if (actions > own.maxActions()) {
                throw new IllegalArgumentException(shown.resolve("solution") + " takes " + actions + " actions to write, more than max_actions ("
                        + own.maxActions() + ") allows");
            }
        }
        return task;
    }

    /** An optional folder of files: null when missing; refused when it is not a folder or holds a symbolic link. */
    private static Path folder(Path dir, Path shown) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return null;
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) throw new IllegalArgumentException(shown + " is not a folder");
        try (Stream<Path> walk = Files.walk(dir)) {
            var link = walk.filter(Files::isSymbolicLink).findFirst();
            if (link.isPresent()) {
                throw new IllegalArgumentException(shown.resolve(dir.relativize(link.get()).toString()) + " is a symbolic link; the files of "
                        + shown.getFileName() + "/ are copied, so put the file itself there");
            }
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException("Cannot read " + shown + ": " + e.getMessage(), e);
        }
        return dir;
    }
}
