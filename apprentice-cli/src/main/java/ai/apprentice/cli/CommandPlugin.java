package ai.apprentice.cli;

/**
 * A top-level command that lives in another jar, found with {@link java.util.ServiceLoader} (register the class in
 * {@code META-INF/services/ai.apprentice.cli.CommandPlugin}). {@code apprentice bench} is one: it ships in the
 * apprentice-bench jar so that the production jar carries no test mocks.
 */
public interface CommandPlugin {
    /**
     * A picocli command object (annotated with {@code @Command}). Its subcommand classes are made by the CLI's
     * factory, which passes the {@link CliContext} to a constructor that takes one.
     */
    Object command(CliContext cli);
}
