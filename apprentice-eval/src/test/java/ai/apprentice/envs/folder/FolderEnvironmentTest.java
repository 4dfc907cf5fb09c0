package ai.apprentice.envs.folder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.Episode;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.GoldPolicy;
import ai.apprentice.eval.Policy;
import ai.apprentice.eval.TrialResult;
import ai.apprentice.json.Json;
import ai.apprentice.testkit.Requirements;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class FolderEnvironmentTest {
    @TempDir Path tmp;

    /** Episodes' copies; beside the environments' folders, never inside them. */
    private Path scratch() {
        return tmp.resolve("scratch");
    }

    /** The agent's shell and the check run in the sandbox unless the environment turns it off. */
    private static void sandbox() {
        Requirements.bubblewrap();
    }

    private static void write(Path file, String text) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static void executable(Path file, String text) throws Exception {
        write(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A task folder with a prompt and, unless null, a check.sh. */
    private Path task(Path env, String id, String checkSh) throws Exception {
        var dir = env.resolve("tasks").resolve(id);
        write(dir.resolve("prompt.md"), "Do task " + id + ".\n");
        if (checkSh != null) write(dir.resolve("check.sh"), checkSh);
        return dir;
    }

    private static Tool tool(Episode e, String name) {
        return e.tools().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    private static ToolResult call(Episode e, String name, Object... kv) throws Exception {
        var args = Json.object();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] instanceof Integer n) args.put((String) kv[i], n);
            else args.put((String) kv[i], (String) kv[i + 1]);
        }
        return tool(e, name).execute(args, null);
    }

    /** Reads the task and says it is done, touching nothing. */
    private static final Policy IDLE = (episode, seed) -> {
        episode.firstUserMessage();
        episode.reply("Done.");
        return Policy.Spend.NONE;
    };

    private static List<String> files(Path dir) throws Exception {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void theScaffoldScoresOneWithGoldZeroUntouchedAndAThirdHalfDone() throws Exception {
        sandbox();
        var made = FolderScaffold.create(tmp, "team");
        var env = FolderEnvironment.load(made.folder(), scratch());
        assertThat(env.name()).isEqualTo("team");
        assertThat(env.splits()).containsExactly("test");
        assertThat(env.size("test")).isEqualTo(1);
        assertThat(env.taskId("test", 0)).isEqualTo("example");
        assertThat(env.description()).isEqualTo("team: our own tasks (1 task)");

        var gold = new EvalRunner(env, "test", new GoldPolicy(), null, null).run(List.of(0), 2, 2, 1, null);
        assertThat(gold).extracting(TrialResult::reward).containsExactly(1.0, 1.0);
        assertThat(gold).extracting(TrialResult::explanation).containsOnly("the check printed 1");
        assertThat(gold).extracting(TrialResult::error).containsOnly((String) null);

        var untouched = new EvalRunner(env, "test", IDLE, null, null).run(List.of(0), 1, 1, 1, null);
        assertThat(untouched.getFirst().reward()).isZero();
        assertThat(untouched.getFirst().explanation()).startsWith("the check printed 0; stderr: ")
                .contains("bash slug.sh Hello World printed 'TODO', not 'hello-world'");

        try (var e = env.start("test", 0, 0, null)) {
            assertThat(e.firstUserMessage()).startsWith("`slug.sh` in your folder should print");
            assertThat(files(((FolderEpisode) e).workspace())).containsExactly("slug.sh");
            // Lower case but no dashes: only already-a-slug comes out right.
            call(e, "write_file", "path", "slug.sh", "content", "echo \"$*\" | tr '[:upper:]' '[:lower:]'\n");
            var r = e.reward();
            assertThat(r.value()).isCloseTo(1.0 / 3, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(r.explanation()).startsWith("the check printed 0.333333");
            assertThat(e.reward()).isSameAs(r); // the check ran once
        }
        assertThat(files(scratch())).as("each episode's copy is deleted").isEmpty();
    }

    @Test
    void whatTheCheckPrintsAndHowItExitsDecide() throws Exception {
        sandbox();
        var root = tmp.resolve("printed");
        task(root, "a-half", "echo 'two of four cases pass' >&2\necho 0.5\necho 'a warning after the number' >&2\n");
        task(root, "b-too-big", "echo 1.5\n");
        task(root, "c-negative", "echo -0.25\n");
        task(root, "d-nan", "echo nan\n");
        task(root, "e-number-but-failed", "echo 0.5\nexit 1\n");
        task(root, "f-text-then-exit-0", "echo 'all good'\n");
        task(root, "g-exit-3", "echo 'expected 42, got 41' >&2\nexit 3\n");
        var command = root.resolve("tasks/h-command");
        write(command.resolve("prompt.md"), "Leave a note.");
        write(command.resolve("task.json"), "{\"check\": \"test -f note.txt && echo 0.75\"}");
        write(command.resolve("solution/note.txt"), "hello\n");
        var env = FolderEnvironment.load(root, scratch());
        assertThat(java.util.stream.IntStream.range(0, env.size("test")).mapToObj(i -> env.taskId("test", i)).toList())
                .containsExactly("a-half", "b-too-big", "c-negative", "d-nan", "e-number-but-failed", "f-text-then-exit-0", "g-exit-3", "h-command");

        var results = new EvalRunner(env, "test", new GoldPolicy(), null, null).run(List.of(0, 1, 2, 3, 4, 5, 6, 7), 1, 4, 1, null);
        var byTask = new java.util.TreeMap<String, TrialResult>();
        results.forEach(r -> byTask.put(r.taskId(), r));
        assertThat(byTask.get("a-half").reward()).isEqualTo(0.5);
        assertThat(byTask.get("a-half").explanation()).isEqualTo("the check printed 0.5; stderr: two of four cases pass | a warning after the number");
        assertThat(byTask.get("b-too-big").reward()).isZero();
        assertThat(byTask.get("b-too-big").explanation()).startsWith("the check printed 1.5, which is not a reward in [0, 1], so the reward is 0");
        assertThat(byTask.get("c-negative").reward()).isZero();
        assertThat(byTask.get("c-negative").explanation()).startsWith("the check printed -0.25, which is not a reward in [0, 1]");
        assertThat(byTask.get("d-nan").reward()).isZero();
        assertThat(byTask.get("d-nan").explanation()).startsWith("the check printed nan, which is not a reward");
        assertThat(byTask.get("e-number-but-failed").reward()).isZero();
        assertThat(byTask.get("e-number-but-failed").explanation())
                .isEqualTo("the check failed (exit 1); it printed 0.5, which counts only when the check exits 0; stdout: 0.5");
        assertThat(byTask.get("f-text-then-exit-0").reward()).isEqualTo(1.0);
        assertThat(byTask.get("f-text-then-exit-0").explanation()).isEqualTo("the check passed (exit 0)");
        assertThat(byTask.get("g-exit-3").reward()).isZero();
        assertThat(byTask.get("g-exit-3").explanation()).isEqualTo("the check failed (exit 3); stderr: expected 42, got 41");
        assertThat(byTask.get("h-command").reward()).isEqualTo(0.75); // gold wrote note.txt
        try (var e = env.start("test", 7, 0, null)) {
            assertThat(e.reward().value()).isZero();
            assertThat(e.reward().explanation()).isEqualTo("the check failed (exit 1)");
        }
    }

    @Test
    void aHangingCheckIsKilledAtItsTimeout() throws Exception {
        sandbox();
        var root = tmp.resolve("slow");
        // Long enough for the sandbox to start under a loaded machine (the check says "starting"), far short of 60 s.
        write(root.resolve("environment.json"), "{\"check_timeout_seconds\": 5}");
        task(root, "hangs", "echo 'starting' >&2\nsleep 60\n");
        var own = task(root, "own-timeout", "sleep 3\n");
        write(own.resolve("task.json"), "{\"check_timeout_seconds\": 10, \"max_actions\": 5}");
        var env = FolderEnvironment.load(root, scratch());
        long t0 = System.nanoTime();
        try (var e = env.start("test", 0, 0, null)) {
            var r = e.reward();
            assertThat(r.value()).isZero();
            assertThat(r.explanation()).startsWith("the check timed out after 5 s").contains("check_timeout_seconds is 5").contains("stderr: starting");
        }
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(30);
        try (var e = env.start("test", 1, 0, null)) {
            assertThat(e.maxActions()).isEqualTo(5);
            assertThat(e.reward().explanation()).isEqualTo("the check passed (exit 0)");
        }
    }

    @Test
    void theAgentCanNeitherReachNorChangeTheCheckAndASecondCheckInTheWorkspaceIsIgnored() throws Exception {
        sandbox();
        var root = tmp.resolve("hidden");
        var dir = task(root, "t", "test \"$(cat answer.txt)\" = 42\n");
        write(dir.resolve("setup/notes.md"), "The answer goes in answer.txt.\n");
        write(dir.resolve("solution/answer.txt"), "42\n");
        var env = FolderEnvironment.load(root, scratch());
        try (var e = env.start("test", 0, 0, null)) {
            var work = ((FolderEpisode) e).workspace();
            assertThat(files(work)).containsExactly("notes.md");
            assertThat(call(e, "list_files", "pattern", "**/*").content()).contains("notes.md").doesNotContain("check").doesNotContain("solution");
            assertThatThrownBy(() -> call(e, "read_file", "path", dir.resolve("check.sh").toString())).hasMessageContaining("outside the workspace");
            assertThatThrownBy(() -> call(e, "read_file", "path", "../check.out")).hasMessageContaining("outside the workspace");
            assertThatThrownBy(() -> call(e, "write_file", "path", dir.resolve("check.sh").toString(), "content", "exit 0\n"))
                    .hasMessageContaining("outside the workspace");
            // The shell cannot change it either, nor does it learn where the task lives.
            var shell = call(e, "run_shell", "command", "echo \"[$APPRENTICE_TASK_DIR]\"; echo 'exit 0' > " + dir.resolve("check.sh"));
            assertThat(shell.content()).contains("[]");
            assertThat(shell.error()).isTrue();
            assertThat(Files.readString(dir.resolve("check.sh"))).isEqualTo("test \"$(cat answer.txt)\" = 42\n");
            // A check.sh the agent writes into its workspace is just a file there.
            call(e, "write_file", "path", "check.sh", "content", "exit 0\n");
            call(e, "write_file", "path", "answer.txt", "content", "41\n");
            assertThat(e.reward().value()).isZero();
        }
        var gold = new EvalRunner(env, "test", new GoldPolicy(), null, null).run(List.of(0), 1, 1, 1, null);
        assertThat(gold.getFirst().reward()).as(gold.getFirst().explanation()).isEqualTo(1.0);
    }

    /** The shell cannot read the checks or solutions either, wherever the folder lives (not only under /tmp, which the sandbox hides anyway). */
    @Test
    void theAgentsShellCannotReadTheChecksOrSolutions() throws Exception {
        sandbox();
        var base = Files.isWritable(Path.of("/var/tmp")) ? Path.of("/var/tmp") : Path.of("target").toAbsolutePath();
        var root = Files.createTempDirectory(base, "apprentice-folder-env-");
        try {
            // an answer no temp folder's name can contain by chance
            var dir = task(root, "t", "test \"$(cat answer.txt)\" = SOLUTION_zq\n");
            write(dir.resolve("solution/answer.txt"), "SOLUTION_zq\n");
            var env = FolderEnvironment.load(root, scratch());
            try (var e = env.start("test", 0, 0, null)) {
                var shell = call(e, "run_shell", "command", "cat " + dir.resolve("solution/answer.txt") + " " + dir.resolve("check.sh") + "; ls -A " + root + " | wc -l");
                assertThat(shell.content()).doesNotContain("SOLUTION_zq").doesNotContain("answer.txt\"").contains("No such file");
                assertThat(call(e, "run_shell", "command", "pwd && ls").content()).as("its own workspace stays visible").contains("work");
            }
            assertThat(new EvalRunner(env, "test", new GoldPolicy(), null, null).run(List.of(0), 1, 1, 1, null).getFirst().reward())
                    .as("the check itself still reads its folder").isEqualTo(1.0);
        } finally {
            try (var walk = Files.walk(root)) {
                for (var p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** A link in the workspace would let the agent point the check at the solution the check can read: links are removed first. */
    @Test
    void aSymbolicLinkToTheSolutionDoesNotPassTheCheck() throws Exception {
        sandbox();
        var root = tmp.resolve("linked");
        var dir = task(root, "t", "diff -q answer.txt \"$APPRENTICE_TASK_DIR/solution/answer.txt\"\n");
        write(dir.resolve("solution/answer.txt"), "42\n");
        var env = FolderEnvironment.load(root, scratch());
        try (var e = env.start("test", 0, 0, null)) {
            var work = ((FolderEpisode) e).workspace();
            Files.createSymbolicLink(work.resolve("answer.txt"), dir.resolve("solution/answer.txt"));
            var reward = e.reward();
            assertThat(reward.value()).isZero();
            assertThat(reward.explanation()).contains("1 symbolic link was removed from the workspace before the check");
        }
    }

    /** What a check prints goes into trial files, reports and a reflector's prompt: secrets in it are redacted. */
    @Test
    void secretsACheckPrintsAreRedactedInTheTrial() throws Exception {
        sandbox();
        var root = tmp.resolve("secret");
        task(root, "t", "echo 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB' >&2; exit 1\n");
        var env = FolderEnvironment.load(root, scratch());
        var trial = new EvalRunner(env, "test", new GoldPolicy(), null, null).run(List.of(0), 1, 1, 1, null).getFirst();
        assertThat(trial.reward()).isZero();
        assertThat(trial.explanation()).contains("token").doesNotContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789AB");
    }

    /** A task folder inside a git repository: the repository's history holds the checks too, so its .git is hidden as well. */
    @Test
    void theGitHistoryAroundTheFolderIsHiddenToo() throws Exception {
        sandbox();
        var base = Files.isWritable(Path.of("/var/tmp")) ? Path.of("/var/tmp") : Path.of("target").toAbsolutePath();
        var repo = Files.createTempDirectory(base, "apprentice-folder-repo-");
        try {
            var dir = task(repo.resolve("tasks-env"), "t", "exit 0\n");
            write(dir.resolve("solution/answer.txt"), "42\n");
            Files.createDirectories(repo.resolve(".git/objects"));
            write(repo.resolve(".git/HEAD"), "ref: refs/heads/main\n");
            var env = FolderEnvironment.load(repo.resolve("tasks-env"), scratch());
            try (var e = env.start("test", 0, 0, null)) {
                var shell = call(e, "run_shell", "command", "ls -A " + repo.resolve(".git") + " | wc -l; cat " + repo.resolve(".git/HEAD"));
                assertThat(shell.content()).doesNotContain("refs/heads/main").contains("No such file");
            }
        } finally {
            try (var walk = Files.walk(repo)) {
                for (var p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void theCheckRunsInTheWorkspaceWithItsTaskFolderAndGoldKeepsExecutables() throws Exception {
        sandbox();
        var root = tmp.resolve("paths");
        var dir = root.resolve("tasks/tool");
        write(dir.resolve("prompt.md"), "Make run.sh print what expected.txt says.");
        executable(dir.resolve("check"), """
                #!/usr/bin/env bash
                set -e
                [ "$(pwd)" = "$APPRENTICE_WORKSPACE" ] || { echo "runs in $(pwd)" >&2; exit 1; }
                [ "$APPRENTICE_ENV_DIR/tasks/$APPRENTICE_TASK_ID" = "$APPRENTICE_TASK_DIR" ] || exit 1
                [ "$(./run.sh)" = "$(cat "$APPRENTICE_TASK_DIR/expected.txt")" ]
                echo "checked in $(basename "$(pwd)")" >&2
                """);
        write(dir.resolve("expected.txt"), "hi there\n");
        executable(dir.resolve("solution/run.sh"), "#!/bin/sh\necho hi there\n");
        write(dir.resolve("solution/docs/how.md"), "Run ./run.sh.\n");
        var env = FolderEnvironment.load(root, scratch());
        try (var e = env.start("test", 0, 0, null)) {
            assertThat(e.goldActions()).extracting(a -> a.path("name").asText()).containsExactly("write_file", "write_file", "run_shell");
            assertThat(e.goldActions().get(1).at("/kwargs/path").asText()).isEqualTo("run.sh");
            new GoldPolicy().play(e, 0);
            var r = e.reward();
            assertThat(r.value()).as(r.explanation()).isEqualTo(1.0);
            assertThat(r.explanation()).isEqualTo("the check passed (exit 0)");
            var work = ((FolderEpisode) e).workspace();
            assertThat(files(work)).containsExactly("docs", "docs/how.md", "run.sh");
            assertThat(Files.isExecutable(work.resolve("run.sh"))).isTrue();
        }
    }

    @Test
    void withSandboxFalseTheShellAndTheCheckRunUnconfined() throws Exception {
        var root = tmp.resolve("open");
        write(root.resolve("environment.json"), "{\"sandbox\": false, \"description\": \"runs as me\"}");
        var dir = task(root, "t", "test -f \"$APPRENTICE_TASK_DIR/../../../outside-by-agent\" && touch \"$APPRENTICE_TASK_DIR/../../../outside-by-check\"\n");
        var env = FolderEnvironment.load(root, scratch());
        assertThat(env.description()).isEqualTo("runs as me (1 task, unsandboxed)");
        try (var e = env.start("test", 0, 0, null)) {
            assertThat(tool(e, "run_shell").description()).doesNotContain("sandboxed");
            assertThat(e.policy()).contains("not sandboxed");
            var touched = call(e, "run_shell", "command", "touch " + tmp.resolve("outside-by-agent"));
            assertThat(touched.error()).as(touched.content()).isFalse();
            assertThat(e.reward().value()).as(e.reward().explanation()).isEqualTo(1.0);
        }
        assertThat(tmp.resolve("outside-by-agent")).exists();
        assertThat(tmp.resolve("outside-by-check")).exists();
        assertThat(dir).exists();
    }

    @Test
    void inTheSandboxNeitherTheShellNorTheCheckWritesOutsideTheWorkspace() throws Exception {
        sandbox();
        var root = tmp.resolve("closed");
        task(root, "t", "touch \"$APPRENTICE_ENV_DIR/written-by-check\" || { echo 'read-only' >&2; exit 1; }\n");
        var env = FolderEnvironment.load(root, scratch());
        try (var e = env.start("test", 0, 0, null)) {
            assertThat(tool(e, "run_shell").description()).contains("Runs sandboxed");
            // Under /tmp it lands in the sandbox's own /tmp; elsewhere the file system is read-only.
            call(e, "run_shell", "command", "touch " + tmp.resolve("outside-by-agent"));
            var escaped = Path.of("/var/tmp/apprentice-folder-escaped-" + System.nanoTime());
            var touched = call(e, "run_shell", "command", "touch " + escaped);
            assertThat(touched.error()).isTrue();
            assertThat(touched.content()).contains("Read-only file system");
            assertThat(escaped).doesNotExist();
            var r = e.reward();
            assertThat(r.value()).isZero();
            assertThat(r.explanation()).startsWith("the check failed (exit 1)").contains("Read-only file system");
        }
        assertThat(tmp.resolve("outside-by-agent")).doesNotExist();
        assertThat(root.resolve("written-by-check")).doesNotExist();
    }

    @Test
    void theActionCapEndsTheEpisode() throws Exception {
        sandbox();
        var root = tmp.resolve("capped");
        write(root.resolve("environment.json"), "{\"max_actions\": 2}");
        task(root, "t", "exit 0\n");
        var env = FolderEnvironment.load(root, scratch());
        try (var e = env.start("test", 0, 0, null)) {
            assertThat(e.policy()).contains("at most 2 actions");
            call(e, "list_files", "pattern", "**/*");
            assertThat(e.done()).isFalse();
            call(e, "list_files", "pattern", "**/*");
            assertThat(e.done()).isTrue();
            assertThat(call(e, "list_files", "pattern", "**/*").content()).isEqualTo("The task is over.");
            assertThat(e.actions()).isEqualTo(2);
        }
    }

    @Test
    void aFolderIsFoundByItsPath() throws Exception {
        sandbox(); // byName also checks that its episodes can start
        var root = tmp.resolve("mine");
        for (var id : List.of("b", "a", "c10", "c2")) task(root, id, "exit 0\n");
        var absolute = EnvironmentProvider.byName(root.toString(), null);
        assertThat(absolute.name()).isEqualTo("mine");
        assertThat(absolute.size("test")).isEqualTo(4);
        assertThat(java.util.stream.IntStream.range(0, 4).mapToObj(i -> absolute.taskId("test", i)).toList()).containsExactly("a", "b", "c10", "c2");
        var relative = Path.of("").toAbsolutePath().relativize(root).toString();
        assertThat(relative).doesNotStartWith("/");
        assertThat(EnvironmentProvider.byName(relative, null).name()).isEqualTo("mine");
        assertThat(EnvironmentProvider.byName(root + "/.", null).name()).isEqualTo("mine");
        assertThat(EnvironmentProvider.byName("repo", null).name()).as("a provider's name wins").isEqualTo("repo");

        assertThatThrownBy(() -> absolute.size("train")).hasMessage("mine has no split 'train'; a folder of tasks has one split, 'test' (all its tasks)");
        assertThatThrownBy(() -> absolute.taskId("test", 4)).hasMessageContaining("mine has tasks 0-3, not 4");
        assertThatThrownBy(() -> EnvironmentProvider.byName(tmp.resolve("nothing").toString(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("No folder of tasks at '" + tmp.resolve("nothing") + "'");
        assertThatThrownBy(() -> EnvironmentProvider.byName(tmp.toString(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is a folder but not an environment of tasks: it has no tasks/ folder");
        assertThatThrownBy(() -> EnvironmentProvider.byName("no-such-env", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Unknown environment 'no-such-env'. Known: ")
                .hasMessageContaining("repo").hasMessageContaining("or the path of a folder of tasks, such as ./my-tasks");
    }

    /** Each mistake is reported when the folder is loaded, naming the file. */
    @Test
    void badFoldersAreExplainedNamingTheFile() throws Exception {
        var n = new int[1];
        // A fresh environment folder with one good task "ok", changed by `breakIt`.
        interface Breaker { void apply(Path root) throws Exception; }
        java.util.function.Function<Breaker, String> error = breakIt -> {
            var root = tmp.resolve("bad" + n[0]++);
            try {
                task(root, "ok", "exit 0\n");
                breakIt.apply(root);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            try {
                FolderEnvironment.load(root, scratch());
            } catch (IllegalArgumentException e) {
                return e.getMessage().replace(root.toString(), "ROOT");
            }
            throw new AssertionError("loaded " + root);
        };
        assertThat(error.apply(root -> task(root, "t", "exit 0\n").resolve("prompt.md").toFile().delete()))
                .startsWith("ROOT/tasks/t/prompt.md is missing: each task needs prompt.md");
        assertThat(error.apply(root -> {
            var t = task(root, "t", "exit 0\n");
            Files.delete(t.resolve("prompt.md"));
            Files.createSymbolicLink(t.resolve("prompt.md"), Path.of("/etc/hostname"));
        })).startsWith("ROOT/tasks/t/prompt.md is a symbolic link");
        assertThat(error.apply(root -> write(task(root, "t", "exit 0\n").resolve("prompt.md"), " \n")))
                .startsWith("ROOT/tasks/t/prompt.md is empty");
        assertThat(error.apply(root -> task(root, "t", null)))
                .startsWith("ROOT/tasks/t has no check: add check.sh (run with bash), an executable named check, or {\"check\": \"COMMAND\"} in task.json");
        assertThat(error.apply(root -> write(task(root, "t", null).resolve("check"), "#!/bin/sh\nexit 0\n")))
                .isEqualTo("ROOT/tasks/t/check is not an executable file: make it one (chmod +x ROOT/tasks/t/check), or call it check.sh to run it with bash");
        assertThat(error.apply(root -> write(task(root, "t", "exit 0\n").resolve("task.json"), "{\"check\": \"true\"}")))
                .isEqualTo("ROOT/tasks/t has more than one check (ROOT/tasks/t/task.json (\"check\"), ROOT/tasks/t/check.sh); keep one");
        assertThat(error.apply(root -> write(root.resolve("environment.json"), "{\"max_actions\": 30,}")))
                .startsWith("ROOT/environment.json is not valid JSON: ").contains("(line 1, column ");
        assertThat(error.apply(root -> write(root.resolve("environment.json"), "{\"max_action\": 30}")))
                .isEqualTo("ROOT/environment.json: unknown setting max_action; the settings are description, max_actions, check_timeout_seconds, sandbox");
        assertThat(error.apply(root -> write(root.resolve("environment.json"), "{\"max_actions\": \"thirty\"}")))
                .isEqualTo("ROOT/environment.json: max_actions must be a whole number from 1 to 10000, not \"thirty\"");
        assertThat(error.apply(root -> write(root.resolve("environment.json"), "{\"sandbox\": \"no\"}")))
                .isEqualTo("ROOT/environment.json: sandbox must be true or false, not \"no\"");
        assertThat(error.apply(root -> write(root.resolve("environment.json"), "[1, 2]")))
                .startsWith("ROOT/environment.json must hold a JSON object");
        assertThat(error.apply(root -> write(root.resolve("environment.json"), "")))
                .startsWith("ROOT/environment.json is empty");
        assertThat(error.apply(root -> write(task(root, "t", null).resolve("task.json"), "{\"check\": 3}")))
                .isEqualTo("ROOT/tasks/t/task.json: check must be a non-empty string, not 3");
        assertThat(error.apply(root -> write(task(root, "t", "exit 0\n").resolve("task.json"), "{\"timeout\": 3}")))
                .startsWith("ROOT/tasks/t/task.json: unknown setting timeout; the settings are check, max_actions, check_timeout_seconds");
        assertThat(error.apply(root -> {
            ai.apprentice.envs.EpisodeFolders.delete(root.resolve("tasks"));
            Files.createDirectories(root.resolve("tasks"));
        })).startsWith("ROOT/tasks has no tasks: each task is a folder ROOT/tasks/ID with prompt.md and a check");
        assertThat(error.apply(root -> task(root, "my task", "exit 0\n")))
                .startsWith("ROOT/tasks/my task: a task folder's name is the task's id and may have only letters, digits");
        assertThat(error.apply(root -> {
            var t = task(root, "t", "exit 0\n");
            Files.createDirectories(t.resolve("setup"));
            Files.createSymbolicLink(t.resolve("setup/passwd"), Path.of("/etc/passwd"));
        })).startsWith("ROOT/tasks/t/setup/passwd is a symbolic link; the files of setup/ are copied");
        assertThat(error.apply(root -> write(task(root, "t", "exit 0\n").resolve("setup"), "not a folder")))
                .isEqualTo("ROOT/tasks/t/setup is not a folder");
        assertThat(error.apply(root -> {
            var t = task(root, "t", "exit 0\n");
            Files.createDirectories(t.resolve("solution"));
            Files.write(t.resolve("solution/logo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', (byte) 0xff, (byte) 0xfe});
        })).startsWith("ROOT/tasks/t/solution/logo.png is not UTF-8 text");
        assertThat(error.apply(root -> {
            write(root.resolve("environment.json"), "{\"max_actions\": 2}");
            var t = task(root, "t", "exit 0\n");
            for (var f : List.of("a", "b", "c")) write(t.resolve("solution/" + f), f);
        })).isEqualTo("ROOT/tasks/t/solution takes 3 actions to write, more than max_actions (2) allows");

        var noTasks = Files.createDirectories(tmp.resolve("no-tasks"));
        assertThatThrownBy(() -> FolderEnvironment.load(noTasks, scratch()))
                .hasMessage("'" + noTasks + "' is a folder but not an environment of tasks: it has no tasks/ folder (apprentice env new NAME makes one)");
        // Hidden folders and loose files in tasks/ are not tasks.
        var loose = tmp.resolve("loose");
        task(loose, "real", "exit 0\n");
        write(loose.resolve("tasks/README.md"), "notes");
        Files.createDirectories(loose.resolve("tasks/.git"));
        assertThat(FolderEnvironment.load(loose, scratch()).size("test")).isEqualTo(1);
    }

}
