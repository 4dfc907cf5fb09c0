package ai.apprentice.cli;

import ai.apprentice.envs.EnvironmentProvider;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "env", description = "Environments for evaluation.", subcommands = EnvCommand.ListEnvs.class)
final class EnvCommand {
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
