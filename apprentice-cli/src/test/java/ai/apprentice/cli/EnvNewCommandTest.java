package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.testkit.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class EnvNewCommandTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void envNewMakesAnEnvironmentThatGoldPassesAndNeverOverwrites() throws Exception {
        Requirements.bubblewrap(); // the example's shell and check run in the sandbox
        var cli = new CliHarness(home, ws);
        var made = cli.run("env", "new", "team", "--dir", ws.toString());
        assertThat(made.exit()).as(made.err()).isZero();
        var team = ws.resolve("team");
        assertThat(made.out()).startsWith("Made " + team + ", an environment of your own tasks")
                .contains(team + "/tasks/example/check.sh")
                .contains("apprentice eval " + team + " --agent gold")
                .contains("apprentice eval " + team + " --model PROVIDER:MODEL")
                .contains("apprentice learn gate " + team + " --candidate lessons.md");
        for (var f : new String[] {"environment.json", "README.md", "tasks/example/prompt.md", "tasks/example/setup/slug.sh",
                "tasks/example/check.sh", "tasks/example/solution/slug.sh"}) {
            assertThat(team.resolve(f)).isRegularFile();
        }
        assertThat(Json.tree(Files.readString(team.resolve("environment.json"))).get("max_actions").asInt()).isEqualTo(30);

        var gold = cli.run("eval", team.toString(), "--agent", "gold", "-k", "2", "--json");
        assertThat(gold.exit()).as(gold.err()).isZero();
        var summary = Json.tree(gold.out());
        assertThat(summary.get("env").asText()).isEqualTo("team");
        assertThat(summary.get("trials").asInt()).isEqualTo(2);
        assertThat(summary.get("mean_reward").asDouble()).isEqualTo(1.0);
        assertThat(summary.get("errors").asInt()).isZero();
        // The evaluation records the folder by its absolute path, so 'eval resume' finds it from any directory.
        var meta = Json.tree(Files.readString(home.resolve("evals").resolve(summary.get("id").asText()).resolve("meta.json")));
        assertThat(meta.get("env").asText()).isEqualTo(team.toAbsolutePath().normalize().toString());
        var relative = Path.of("").toAbsolutePath().relativize(team.toAbsolutePath());
        var viaRelative = Json.tree(cli.run("eval", relative.toString(), "--agent", "gold", "--json").out());
        assertThat(Json.tree(Files.readString(home.resolve("evals").resolve(viaRelative.get("id").asText()).resolve("meta.json"))).get("env").asText())
                .isEqualTo(team.toAbsolutePath().normalize().toString());

        // A second `env new` refuses and leaves what is there alone.
        Files.writeString(team.resolve("environment.json"), "{\"max_actions\": 7}");
        var again = cli.run("env", "new", "team", "--dir", ws.toString());
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains(team + " already exists; choose another name, or remove it first");
        assertThat(Files.readString(team.resolve("environment.json"))).isEqualTo("{\"max_actions\": 7}");
        assertThat(team.resolve("tasks/example/check.sh")).exists();
    }

    /** In a child JVM whose PATH has bash, tr and awk but no bwrap: as on a machine without bubblewrap. */
    @Test
    void withoutTheSandboxAFolderSaysHowToRunAnywayAndSandboxFalseRunsIt() throws Exception {
        var bin = Files.createDirectories(ws.resolve("bin"));
        for (var tool : new String[] {"bash", "tr", "awk"}) {
            var found = java.util.Arrays.stream(System.getenv("PATH").split(":")).map(d -> Path.of(d, tool)).filter(Files::isExecutable).findFirst();
            Files.createSymbolicLink(bin.resolve(tool), found.orElseThrow(() -> new AssertionError(tool + " is not on the PATH")).toRealPath());
        }
        var cli = new CliHarness(home, ws);
        assertThat(cli.run("env", "new", "team", "--dir", ws.toString()).exit()).isZero();
        var team = ws.resolve("team");

        var refused = child(bin, "eval", team.toString(), "--agent", "gold");
        assertThat(refused.exit()).as(refused.out()).isEqualTo(2);
        assertThat(refused.out()).contains("the environment " + team + " runs the agent's commands and needs the shell sandbox: bwrap (bubblewrap) is not installed")
                .contains("set \"sandbox\": false in " + team.resolve("environment.json") + " to run them and the check unsandboxed, as you");

        var settings = Files.readString(team.resolve("environment.json"));
        Files.writeString(team.resolve("environment.json"), settings.replace("\"sandbox\": true", "\"sandbox\": false"));
        var unsandboxed = child(bin, "eval", team.toString(), "--agent", "gold", "--json");
        assertThat(unsandboxed.exit()).as(unsandboxed.out()).isZero();
        assertThat(unsandboxed.out()).contains("\"mean_reward\" : 1.0");
    }

    private record Child(int exit, String out) {}

    private Child child(Path bin, String... args) throws Exception {
        var jvm = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var command = new java.util.ArrayList<>(java.util.List.of(jvm, "-cp", System.getProperty("java.class.path"), "ai.apprentice.cli.Main"));
        command.addAll(java.util.List.of(args));
        var pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PATH", bin.toString());
        pb.environment().put("APPRENTICE_HOME", home.toString());
        var p = pb.start();
        var out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new Child(p.waitFor(), out);
    }

    @Test
    void badNamesAndBrokenFoldersAreUsageErrors() throws Exception {
        var cli = new CliHarness(home, ws);
        var slash = cli.run("env", "new", "a/b", "--dir", ws.toString());
        assertThat(slash.exit()).isEqualTo(2);
        assertThat(slash.err()).contains("'a/b' cannot be an environment's name");
        var noParent = cli.run("env", "new", "x", "--dir", ws.resolve("missing").toString());
        assertThat(noParent.exit()).isEqualTo(2);
        assertThat(noParent.err()).contains("No folder " + ws.resolve("missing"));
        assertThat(ws.resolve("missing")).doesNotExist();

        var made = cli.run("env", "new", "broken", "--dir", ws.toString());
        assertThat(made.exit()).as(made.err()).isZero();
        Files.delete(ws.resolve("broken/tasks/example/prompt.md"));
        var eval = cli.run("eval", ws.resolve("broken").toString(), "--agent", "gold");
        assertThat(eval.exit()).isEqualTo(2);
        assertThat(eval.err()).contains(ws.resolve("broken/tasks/example/prompt.md") + " is missing");

        var missing = cli.run("eval", ws.resolve("nowhere").toString(), "--agent", "gold");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("No folder of tasks at '" + ws.resolve("nowhere") + "'");
        var unknown = cli.run("eval", "no-such-env", "--agent", "gold");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown environment 'no-such-env'").contains("or the path of a folder of tasks");
    }
}
