package ai.apprentice.envs.folder;

import ai.apprentice.envs.EpisodeFolders;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes a new folder environment ({@code apprentice env new NAME}): {@code environment.json}, a README that
 * explains the layout, and one example task whose check accepts its {@code solution/} (the gold policy scores 1)
 * and refuses the files as set up (0), so the folder works as it is and shows each part.
 */
public final class FolderScaffold {
    private FolderScaffold() {}

    /** What was made: each path relative to the new folder (folders end with '/'), and what it is for. */
    public record Made(Path folder, Map<String, String> parts) {}

    /**
     * Makes {@code parent/name}. Throws {@link IllegalArgumentException} when the name cannot be a folder's name
     * here or the folder exists (nothing is overwritten).
     */
    public static Made create(Path parent, String name) throws IOException {
        if (name == null || !FolderTask.ID.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' cannot be an environment's name: use letters, digits, '.', '_' and '-' "
                    + "(starting with a letter or digit); --dir says where to make it");
        }
        var folder = parent.resolve(name);
        if (Files.exists(folder)) throw new IllegalArgumentException(folder + " already exists; choose another name, or remove it first");
        if (!Files.isDirectory(parent)) throw new IllegalArgumentException("No folder " + parent + " to make " + name + " in");
        try {
            Files.createDirectory(folder);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException(folder + " already exists; choose another name, or remove it first", e);
        }
        try {
            var parts = new LinkedHashMap<String, String>();
            write(folder, "environment.json", environmentJson(name));
            parts.put("environment.json", "settings");
            write(folder, "README.md", readme(name));
            parts.put("README.md", "how the folder is laid out, and how the check decides");
            write(folder, "tasks/example/prompt.md", PROMPT);
            parts.put("tasks/example/prompt.md", "the task, as the user says it");
            write(folder, "tasks/example/setup/slug.sh", STUB);
            parts.put("tasks/example/setup/", "the files the agent starts with (copied into its workspace)");
            write(folder, "tasks/example/check.sh", CHECK);
            parts.put("tasks/example/check.sh", "decides the reward, in the agent's workspace when it is done");
            write(folder, "tasks/example/solution/slug.sh", SOLUTION);
            parts.put("tasks/example/solution/", "the files as they should be (what --agent gold writes)");
            return new Made(folder, parts);
        } catch (IOException | RuntimeException e) {
            EpisodeFolders.delete(folder); // ours: made just now
            throw e;
        }
    }

    private static void write(Path folder, String rel, String text) throws IOException {
        var file = folder.resolve(rel);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    static String environmentJson(String name) {
        return """
                {
                  "description": "%s: our own tasks",
                  "max_actions": %d,
                  "check_timeout_seconds": %d,
                  "sandbox": true
                }
                """.formatted(name, FolderSettings.DEFAULT_MAX_ACTIONS, FolderSettings.DEFAULT_CHECK_TIMEOUT_SECONDS);
    }

    static final String PROMPT = """
            `slug.sh` in your folder should print its arguments as a URL slug: all in lower case, with each run of
            spaces replaced by one `-`. For example, `bash slug.sh "Hello   World"` should print `hello-world`. Right
            now it only prints TODO. Write it, try it, and tell me when you are done.
            """;

    static final String STUB = """
            #!/usr/bin/env bash
            # Prints its arguments as a URL slug: lower case, each run of spaces as one '-'.
            echo TODO
            """;

    static final String SOLUTION = """
            #!/usr/bin/env bash
            # Prints its arguments as a URL slug: lower case, each run of spaces as one '-'.
            echo "$*" | tr '[:upper:]' '[:lower:]' | tr -s ' ' '-'
            """;

    static final String CHECK = """
            #!/usr/bin/env bash
            # The check of this task. It runs when the agent is done, with the agent's workspace as the current
            # folder; this task's folder is $APPRENTICE_TASK_DIR (the agent never sees it in its workspace).
            # Exit 0 means done (reward 1), any other exit means not done (0). For partial credit, print a
            # number from 0 to 1 as the last line of standard output and exit 0, as this one does.
            pass=0
            total=0
            expect() { # expect OUTPUT ARGUMENTS...
              want=$1
              shift
              total=$((total + 1))
              got=$(bash slug.sh "$@" 2>/dev/null)
              if [ "$got" = "$want" ]; then
                pass=$((pass + 1))
              else
                echo "bash slug.sh $* printed '$got', not '$want'" >&2
              fi
            }
            expect hello-world "Hello World"
            expect many-spaces-here "Many   Spaces here"
            expect already-a-slug already-a-slug
            awk -v p="$pass" -v t="$total" 'BEGIN { print p / t }'
            """;

    static String readme(String name) {
        return """
                # %1$s

                A folder of your own tasks for apprentice: an environment, so that you can evaluate an agent on your
                work and keep what it learns only when it helps there. Each task is a folder in `tasks/`; the
                folder's name is the task's id (letters, digits, `.`, `_`, `-`), and tasks run in name order.

                ```
                environment.json          settings (all optional): description, max_actions (30),
                                          check_timeout_seconds (120), sandbox (true)
                tasks/ID/prompt.md        the task, as the user says it: the agent's first message
                tasks/ID/setup/           optional: the files the agent starts with, copied into its workspace
                tasks/ID/check.sh         the check, run with bash when the agent is done; or an executable
                                          tasks/ID/check, or {"check": "COMMAND"} in tasks/ID/task.json
                tasks/ID/solution/        optional: the files as they should be; --agent gold writes them
                tasks/ID/task.json        optional: check, max_actions, check_timeout_seconds for this task
                ```

                ## The check

                The agent works in a private copy of `setup/` with the file tools and a shell. When it says it is
                done, the check runs once with that copy as its current folder, and decides the reward:

                - exit 0 and no number printed: reward 1 (done);
                - any other exit: reward 0;
                - exit 0 and the last non-empty line of standard output is a number: that number is the reward,
                  when it is from 0 to 1 (partial credit); any other number gives 0.

                The explanation of each reward says how the check ended and the end of what it printed (standard
                error too), so print why a task is not done to standard error. The check is killed, with reward 0,
                after `check_timeout_seconds`. It finds its task's folder in `$APPRENTICE_TASK_DIR`, this folder in
                `$APPRENTICE_ENV_DIR`, and the workspace in `$APPRENTICE_WORKSPACE`. The check and `solution/` are
                never copied into the agent's workspace, and the agent's file tools cannot reach them; its shell
                could read this folder if it went looking for it (not under `/tmp`), but not change it.

                Like the agent's shell, the check runs in the sandbox (bubblewrap): the workspace writable, this
                folder and the rest of the file system read-only, no network, and no secret-looking environment
                variables. It often runs what the agent wrote, so it is confined as the agent is. Without
                bubblewrap (macOS) the tasks refuse to start unless `"sandbox": false` is in `environment.json`;
                then the agent's commands and the check run as you, unconfined: only for tasks you would let an
                agent run commands for on that machine.

                ## Try it

                ```
                apprentice eval ./%1$s --agent gold                  # each task with solution/ should score 1
                apprentice eval ./%1$s --model PROVIDER:MODEL -k 3 --report %1$s.html
                apprentice learn gate ./%1$s --candidate lessons.md  # keep lessons only if they help here (needs 6 or more tasks)
                ```

                `--agent gold` writes each task's `solution/` (it scores 1 only where there is one): a quick way to
                see that a check accepts a right answer. Run the check on the files as set up too (copy `setup/`
                somewhere, run `bash check.sh` there): it should not pass.
                """.formatted(name);
    }
}
