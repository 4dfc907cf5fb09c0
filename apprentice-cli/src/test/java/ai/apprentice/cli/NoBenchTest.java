package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without the apprentice-bench jar on the class path (as here, and in the production jar), bench says where it is. */
class NoBenchTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void benchSaysItIsInTheBenchJar() {
        var cli = new CliHarness(home, ws);
        for (var args : new String[][] {{"bench", "harness", "--steps", "20"}, {"bench"}}) {
            var r = cli.run(args);
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("benchmarks are in the apprentice-bench jar").contains("./apprentice bench");
            assertThat(r.out()).isEmpty();
        }
        var help = cli.run("--help");
        assertThat(help.out()).contains("bench").contains("doctor").contains("help");
        assertThat(help.out().indexOf("  bench")).isLessThan(help.out().indexOf("  doctor"));
    }
}
