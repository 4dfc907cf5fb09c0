package ai.apprentice.bench;

import ai.apprentice.cli.CliContext;
import ai.apprentice.cli.CommandPlugin;

/**
 * Adds {@code apprentice bench} to the CLI when this jar is on the class path. Benchmarks live apart from the
 * production jar because two of them run against the mock model server of apprentice-testkit.
 */
public final class BenchPlugin implements CommandPlugin {
    @Override
    public Object command(CliContext cli) {
        return new BenchCommand();
    }
}
