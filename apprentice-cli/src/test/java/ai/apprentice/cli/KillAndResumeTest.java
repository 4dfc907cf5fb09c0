package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.store.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real CLI process killed with SIGKILL mid-run leaves a consistent store, and the run can be resumed. */
@Timeout(120)
class KillAndResumeTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void sigkillMidRunThenResumeCompletesIt() throws Exception {
        String step = "{\"tool_calls\": [{\"name\": \"list_files\", \"arguments\": {\"pattern\": \"*\"}}]}";
        Files.writeString(ws.resolve("slow.jsonl"), String.join("\n", step, step,
                "{\"delay_ms\": 60000, \"text\": \"too late\"}") + "\n");
        Files.writeString(ws.resolve("fast.jsonl"), String.join("\n", step, step, "{\"text\": \"finished after resume\"}") + "\n");
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "ai.apprentice.cli.Main",
                "run", "--workspace", ws.toString(), "--model", "scripted:slow.jsonl", "--approve", "auto", "three steps")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))) // run reads a piped stdin to its end
                .redirectOutput(ws.resolve("child.log").toFile());
        pb.environment().put("APPRENTICE_HOME", home.toString());
        var child = pb.start();
        String runId;
        try (var store = RunStore.open(home.resolve("apprentice.db"))) {
            while (true) { // wait until two steps are on disk
                assertThat(child.isAlive()).as("child died early: " + (Files.exists(ws.resolve("child.log")) ? Files.readString(ws.resolve("child.log")) : "")).isTrue();
                var runs = Files.exists(home.resolve("apprentice.db")) ? store.list(10) : List.<ai.apprentice.store.RunRecord>of();
                if (!runs.isEmpty() && runs.getFirst().steps() >= 2) {
                    runId = runs.getFirst().id();
                    break;
                }
                Thread.sleep(50);
            }
        }
        child.destroyForcibly(); // SIGKILL
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();

        var cli = new CliHarness(home, ws);
        var listed = Json.tree(cli.run("runs", "list", "--json").out()).get(0);
        assertThat(listed.get("id").asText()).isEqualTo(runId);
        assertThat(listed.get("status").asText()).isEqualTo("interrupted");
        assertThat(listed.get("steps").asInt()).isEqualTo(2);

        var resumed = cli.run("runs", "resume", runId, "--model", "scripted:" + ws.resolve("fast.jsonl"));
        assertThat(resumed.exit()).as(resumed.err()).isEqualTo(0);
        assertThat(resumed.out()).contains("finished after resume");
        var show = Json.tree(cli.run("runs", "show", runId, "--json").out());
        assertThat(show.get("status").asText()).isEqualTo("succeeded");
        assertThat(show.get("steps").asInt()).isEqualTo(3);
        assertThat(show.get("events")).extracting(e -> e.get("type").asText()).contains("run_resumed");
        // the history was rebuilt exactly: the last step saw both earlier tool results
        long toolResults = 0;
        for (var e : show.get("events")) if (e.get("type").asText().equals("tool_result")) toolResults++;
        assertThat(toolResults).isEqualTo(2);
    }
}
