package ai.apprentice.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "config", description = "Inspect configuration.", subcommands = ConfigCommand.Show.class)
final class ConfigCommand {

    @Command(name = "show", description = "Print the merged configuration with the source of each value.")
    static final class Show implements Callable<Integer> {
        private final Cli cli;
        @Mixin AgentOptions options = new AgentOptions();
        @Option(names = "--json", description = "Print JSON.") boolean json;

        Show(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            var config = cli.session(options).settings();
            cli.out.println(json ? config.toJson() : config.render());
            return 0;
        }
    }
}
