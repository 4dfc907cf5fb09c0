package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code doctor --temporal-target}: a live engine is reported with its namespace, an absent one fails with what to do. */
@Timeout(120)
class DoctorEngineTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void aLiveEngineIsOkAndAnAbsentOneOrAMissingNamespaceIsAFailureThatSaysWhatToDo() throws Exception {
        var cli = new CliHarness(home, ws);
        try (var temporal = new TemporalServer()) {
            var ok = cli.run("doctor", "--temporal-target", temporal.target());
            assertThat(ok.out()).as(ok.out() + ok.err()).containsPattern("ok +engine +Temporal[^\\n]* at " + temporal.target().replace(".", "\\.")
                    + ", namespace default").contains("task queue apprentice-runs").contains("task queue apprentice:");
            cli.env.put("TEMPORAL_ADDRESS", temporal.target()); // Temporal's own variable, as its CLI reads it
            assertThat(cli.run("doctor").out()).containsPattern("ok +engine +Temporal");
            cli.env.remove("TEMPORAL_ADDRESS");
        }
        int port = TemporalServer.freePort(); // nothing listens there
        var absent = cli.run("doctor", "--temporal-target", "127.0.0.1:" + port);
        assertThat(absent.exit()).isNotZero();
        assertThat(absent.out()).contains("FAIL engine").contains("127.0.0.1:" + port).contains("does not answer").doesNotContain("\tat ");
        var malformed = cli.run("doctor", "--temporal-target", "not a target");
        assertThat(malformed.out()).contains("FAIL engine").contains("must be HOST:PORT");
    }
}
