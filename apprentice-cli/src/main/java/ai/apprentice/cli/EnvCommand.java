package ai.apprentice.cli;

import ai.apprentice.envs.EnvironmentProvider;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "env", description = "Environments for evaluation.", subcommands = {EnvCommand.ListEnvs.class, EnvCommand.Install.class})
final class EnvCommand {
    @Command(name = "install", description = "Download an environment's public data (taubench: pinned upstream commit, SHA-256 checked).")
    static final class Install implements Callable<Integer> {
        private final Cli cli;
        @picocli.CommandLine.Parameters(paramLabel = "NAME", description = "taubench") String name;
        @picocli.CommandLine.Option(names = "--dir", paramLabel = "DIR", description = "Where to put it (default: $APPRENTICE_HOME/data/taubench).")
        java.nio.file.Path dir;
        @picocli.CommandLine.Option(names = "--base-url", paramLabel = "URL", description = "A mirror of the upstream files (default: the upstream repository).")
        String baseUrl;
        Install(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            if (!name.equals("taubench")) throw new UsageException("Only 'taubench' can be installed; other environments need no data");
            var target = dir != null ? dir : cli.home().resolve("data/taubench");
            String base = baseUrl != null ? baseUrl : cli.env.getOrDefault("APPRENTICE_TAUBENCH_URL", ai.apprentice.envs.taubench.TauInstaller.BASE_URL);
            try {
                new ai.apprentice.envs.taubench.TauInstaller(base, ai.apprentice.envs.taubench.TauInstaller.FILES).install(target, cli.err);
            } catch (java.io.IOException e) {
                cli.err.println("apprentice: " + e.getMessage());
                return ExitCodes.RUN_FAILED;
            }
            cli.out.println("Installed tau-bench data (commit " + ai.apprentice.envs.taubench.TauInstaller.COMMIT.substring(0, 7) + ") in " + target
                    + "; try: apprentice eval taubench-retail --agent gold --tasks 0-9");
            return 0;
        }
    }

    @Command(name = "list", description = "List the environments found on the class path.")
    static final class ListEnvs implements Callable<Integer> {
        private final Cli cli;
        ListEnvs(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            for (var p : EnvironmentProvider.all()) {
                for (var name : p.names()) cli.out.println(name);
            }
            return 0;
        }
    }
}
