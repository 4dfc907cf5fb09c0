package ai.apprentice.envs.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.GoldPolicy;
import ai.apprentice.eval.RandomPolicy;
import ai.apprentice.json.Json;
import ai.apprentice.testkit.Requirements;
import ai.apprentice.tool.Tool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(600)
class RepoEnvironmentTest {
    @TempDir Path scratch;

    @BeforeAll
    static void needs() {
        Requirements.bubblewrap(); // episodes start only inside the shell sandbox
        Requirements.python3(); // the Python repositories' tests
    }

    private static Tool tool(RepoEpisode e, String name) {
        return e.tools().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    private static boolean hiddenTest(String name) {
        return name.contains("Hidden") || name.contains("_hidden");
    }

    /** Every mutant makes a visible test of its function fail and leaves the tests of every other function passing. */
    @Test
    void everyMutantIsAValidTaskAndGoldFixesIt() throws Exception {
        var env = new RepoEnvironment(scratch);
        int n = env.size("test");
        assertThat(n).isEqualTo(51);
        assertThat(RepoEnvironment.POOL).extracting(m -> m.template().language()).contains(RepoTemplate.Language.JAVA, RepoTemplate.Language.PYTHON);
        assertThat(RepoEnvironment.POOL).extracting(Mutant::kind).containsAll(List.of(Mutant.Kind.values()));
        var problems = new ArrayList<String>();
        try (var pool = Executors.newFixedThreadPool(2)) {
            var checks = new ArrayList<Future<String>>();
            for (int i = 0; i < n; i++) {
                int index = i;
                checks.add(pool.submit(() -> {
                    try (var e = (RepoEpisode) env.start("test", index, 0, null)) {
                        var m = e.mutant();
                        var run = e.runAllTests();
                        if (run.results().isEmpty()) return m.id() + ": no results\n" + run.output();
                        var failing = run.results().entrySet().stream().filter(r -> !r.getValue()).map(java.util.Map.Entry::getKey).toList();
                        var wrongFunction = failing.stream().filter(t -> !RepoTemplate.Language.functionOf(t).equals(m.function())).toList();
                        if (!wrongFunction.isEmpty()) return m.id() + ": breaks tests of other functions " + wrongFunction;
                        if (failing.stream().allMatch(RepoEnvironmentTest::hiddenTest)) return m.id() + ": no visible test fails " + failing;
                        if (e.reward().value() != 0) return m.id() + ": the unfixed repository scores " + e.reward();
                        return null;
                    }
                }));
            }
            for (var c : checks) if (c.get() != null) problems.add(c.get());
        }
        assertThat(problems).isEmpty();

        var all = IntStream.range(0, n).boxed().toList();
        var gold = new EvalRunner(env, "test", new GoldPolicy(), null, null).run(all, 1, 2, 1, null);
        assertThat(gold).filteredOn(r -> !r.success()).extracting(r -> r.taskId() + ": " + r.explanation()).isEmpty();
        assertThat(gold.getFirst().explanation()).startsWith("the bug is fixed: fail-to-pass ");
        var random = new EvalRunner(env, "test", new RandomPolicy(), null, null).run(all.subList(0, 10), 1, 2, 1, null);
        assertThat(random).noneMatch(r -> r.success());
        try (var left = Files.list(scratch)) {
            assertThat(left).as("repository copies are deleted after each trial").isEmpty();
        }
        assertThat(EnvironmentProvider.byName("repo", null).name()).isEqualTo("repo");
    }

    @Test
    void aSeedGivesTheSameRepositories(@TempDir Path other) throws Exception {
        var a = new RepoEnvironment(scratch);
        var b = new RepoEnvironment(other);
        for (int i = 0; i < 10; i++) assertThat(a.task("train", i)).isEqualTo(b.task("train", i));
        assertThat(IntStream.range(0, 10).mapToObj(i -> a.task("train", i).id()).toList())
                .isNotEqualTo(IntStream.range(0, 10).mapToObj(i -> a.task("test", i).id()).toList());
        try (var ea = (RepoEpisode) a.start("dev", 7, 0, null); var eb = (RepoEpisode) b.start("dev", 7, 0, null)) {
            var files = files(ea.dir());
            assertThat(files).isEqualTo(files(eb.dir())).isNotEmpty();
            for (var f : files) assertThat(Files.readString(ea.dir().resolve(f))).isEqualTo(Files.readString(eb.dir().resolve(f)));
            for (var f : files) assertThat(Files.readString(ea.dir().resolve(f))).doesNotContain("@mutable").doesNotContain("@guard");
            assertThat(files).noneMatch(f -> f.startsWith("hidden"));
        }
    }

    private static List<String> files(Path dir) throws Exception {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void editingTestsDoesNotHelpAndBreakingOtherCodeIsCaught() throws Exception {
        var env = new RepoEnvironment(scratch);
        int index = IntStream.range(0, env.size("test")).filter(i -> env.task("test", i).id().equals("py-textkit:textkit/core.py:13:boundary"))
                .findFirst().orElseThrow();
        try (var e = (RepoEpisode) env.start("test", index, 0, null)) {
            // Gut the visible test of truncate: the hidden run puts the original tests back.
            var test = e.dir().resolve("tests/test_core.py");
            Files.writeString(test, Files.readString(test).replace("self.assertEqual(truncate(\"abcdefgh\", 8), \"abcdefgh\")", "pass"));
            var visible = tool(e, "run_shell").execute(Json.object().put("command", "sh run_tests.sh"), null);
            assertThat(visible.error()).as(visible.content()).isFalse();
            var reward = e.reward();
            assertThat(reward.value()).isZero();
            assertThat(reward.explanation()).contains("failing: ").contains("test_truncate__");
        }
        try (var e = (RepoEpisode) env.start("test", index, 0, null)) {
            // Fix truncate but break word_count: pass-to-pass tests catch it.
            var src = e.dir().resolve("textkit/core.py");
            Files.writeString(src, Files.readString(src).replace("if len(text) < limit:", "if len(text) <= limit:").replace("return len(text.split())", "return 1"));
            var reward = e.reward();
            assertThat(reward.value()).isZero();
            assertThat(reward.explanation()).contains("pass-to-pass").contains("test_word_count__");
            assertThat(reward.explanation()).matches(".*fail-to-pass (\\d+)/\\1 pass.*");
        }
    }

    @Test
    void theShellIsConfinedAndTimedAndBrokenCodeIsExplained() throws Exception {
        var env = new RepoEnvironment(scratch);
        int index = IntStream.range(0, env.size("test")).filter(i -> env.task("test", i).template().name().equals("java-strings")).findFirst().orElseThrow();
        try (var e = (RepoEpisode) env.start("test", index, 0, null)) {
            assertThatThrownBy(() -> tool(e, "write_file").execute(Json.object().put("path", "../outside.txt").put("content", "x"), null))
                    .hasMessageContaining("outside the workspace");
            assertThat(Files.exists(e.dir().resolveSibling("outside.txt"))).isFalse();
            // Outside the copy the file system is read-only, and /tmp is the sandbox's own.
            var outside = tool(e, "run_shell").execute(Json.object().put("command", "touch /var/tmp/apprentice-escaped"), null);
            assertThat(outside.error()).isTrue();
            assertThat(outside.content()).contains("Read-only file system");
            assertThat(Files.exists(Path.of("/var/tmp/apprentice-escaped"))).isFalse();
            tool(e, "run_shell").execute(Json.object().put("command", "touch " + scratch.resolve("escaped")), null);
            assertThat(Files.exists(scratch.resolve("escaped"))).isFalse();
            var runaway = tool(e, "run_shell").execute(Json.object().put("command", "sleep 100").put("timeout_seconds", 1), null);
            assertThat(runaway.content()).contains("timed out after 1 s");
            Files.writeString(e.dir().resolve("src/Strings.java"), "public final class Strings { broken");
            var reward = e.reward();
            assertThat(reward.value()).isZero();
            assertThat(reward.explanation()).startsWith("no test ran").contains("error");
            assertThat(e.actions()).isEqualTo(4);
        }
        try (var left = Files.list(scratch)) {
            assertThat(left).isEmpty();
        }
    }
}
