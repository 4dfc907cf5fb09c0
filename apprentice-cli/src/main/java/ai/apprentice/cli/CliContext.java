package ai.apprentice.cli;

import ai.apprentice.harness.Harness;
import java.io.PrintStream;

/**
 * What a command from a {@link CommandPlugin} gets of the CLI, through a constructor taking a {@code CliContext}:
 * the output streams and the {@link Harness}. Kept small on purpose; the CLI's own commands use the package-private
 * {@code Cli}.
 */
public interface CliContext {
    PrintStream out();

    PrintStream err();

    Harness harness();
}
