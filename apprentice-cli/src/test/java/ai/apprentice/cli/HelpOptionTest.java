package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command and subcommand answers -h and --help with its own usage, exit 0, also when it has required parameters. */
class HelpOptionTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void helpWorksOnEveryCommand() {
        var cli = new CliHarness(home, ws);
        for (var args : new String[][] {{"runs", "--help"}, {"runs", "list", "-h"}, {"eval", "--help"}, {"eval", "compare", "--help"},
                {"memory", "--help"}, {"doctor", "--help"}, {"serve", "token", "create", "--help"}, {"run", "--help"}, {"runs", "show", "--help"}}) {
            var r = cli.run(args);
            assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
            var command = String.join(" ", java.util.Arrays.copyOf(args, args.length - 1));
            assertThat(r.out()).as(String.join(" ", args)).contains("Usage: apprentice " + command);
            assertThat(r.err()).as(String.join(" ", args)).doesNotContain("Unknown option", "Missing required parameter");
        }
    }
}
