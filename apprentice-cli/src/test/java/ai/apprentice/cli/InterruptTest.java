package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.store.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C (SIGINT) to a running CLI cancels the step in flight cleanly: exit 130, run recorded as cancelled. */
@Timeout(60)
class InterruptTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void sigintCancelsTheRunAndExitsWith130() throws Exception {
        Files.writeString(ws.resolve("slow.jsonl"), "{\"tool_calls\": [{\"name\": \"list_files\", \"arguments\": {\"pattern\": \"*\"}}]}\n"
                + "{\"delay_ms\": 60000, \"text\": \"never\"}\n");
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "ai.apprentice.cli.Main",
                "run", "--workspace", ws.toString(), "--model", "scripted:slow.jsonl", "--approve", "auto", "slow task")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))) // run reads a piped stdin to its end
                .redirectOutput(ws.resolve("out.log").toFile());
        pb.environment().put("APPRENTICE_HOME", home.toString());
        var child = pb.start();
        try (var store = RunStore.open(home.resolve("apprentice.db"))) {
            while (store.list(1).isEmpty() || store.list(1).getFirst().steps() < 1) {
                assertThat(child.isAlive()).as(Files.readString(ws.resolve("out.log"))).isTrue();
                Thread.sleep(50);
            }
        }
        new ProcessBuilder("kill", "-INT", String.valueOf(child.pid())).start().waitFor();
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).as("process ended after SIGINT").isTrue();
        assertThat(child.exitValue()).isEqualTo(130);
        var runs = Json.tree(new CliHarness(home, ws).run("runs", "list", "--json").out());
        assertThat(runs.get(0).get("status").asText()).isEqualTo("cancelled");
        assertThat(runs.get(0).get("steps").asInt()).isEqualTo(1);
    }
}
