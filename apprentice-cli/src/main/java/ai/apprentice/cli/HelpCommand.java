package ai.apprentice.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code help [COMMAND [SUBCOMMAND ...]]}: the usage of the command the whole path names ('help eval compare' is compare's). */
@Command(name = "help", helpCommand = true, description = "Show the help of a command: apprentice help COMMAND [SUBCOMMAND...].")
final class HelpCommand implements Callable<Integer>, CommandLine.IHelpCommandInitializable2 {
    @Parameters(arity = "0..*", paramLabel = "COMMAND", description = "The command (and subcommands) to show the help of.")
    String[] path = {};

    private CommandLine root;
    private java.io.PrintWriter out;
    private java.io.PrintWriter err;

    @Override
    public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, java.io.PrintWriter out, java.io.PrintWriter err) {
        this.root = helpCommandLine.getParent();
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        var command = root;
        for (var name : path) {
            var next = command.getSubcommands().get(name);
            if (next == null) {
                var near = Suggestions.closest(name, Suggestions.subcommands(command));
                err.println("apprentice: unknown command '" + name + "'" + (command == root ? "" : " for '" + command.getCommandSpec().qualifiedName() + "'")
                        + (near.isEmpty() ? "" : ". Did you mean " + String.join(" or ", near.stream().map(n -> "'" + n + "'").toList()) + "?"));
                err.println("See '" + command.getCommandSpec().qualifiedName() + " --help'.");
                err.flush();
                return ExitCodes.USAGE;
            }
            command = next;
        }
        command.usage(out);
        out.flush();
        return ExitCodes.OK;
    }
}
