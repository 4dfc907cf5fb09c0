package ai.apprentice.cli;

import ai.apprentice.harness.HarnessException;
import ai.apprentice.harness.config.ConfigException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Unmatched;

@Command(name = "apprentice", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Language agents that do real work and get better on the job.",
                "Without a command, starts an interactive session in the current directory."},
        subcommands = {RunCommand.class, RunsCommand.class, ModelsCommand.class, ModelCommand.class, ConfigCommand.class,
                McpCommand.class, SkillsCommand.class, EnvCommand.class, EvalCommand.class, LearnCommand.class, DatasetCommand.class, MemoryCommand.class,
                ServeCommand.class, WorkerCommand.class, ChannelsCommand.class, TriggersCommand.class},
        // then bench (from a plugin, or a note saying where it is), doctor, completion and help: see run()
        footer = {"", "Examples:",
                "  apprentice                              # an interactive session here",
                "  apprentice run \"Summarise README.md\"    # one task, the answer on stdout",
                "  git diff | apprentice run \"Review it\"   # piped text is the task's context",
                "  apprentice runs list                    # what ran, its status and cost",
                "  apprentice help eval compare            # the help of any command",
                "  source <(apprentice completion bash)    # Tab completion",
                "", "State lives in $APPRENTICE_HOME (default ~/.apprentice).",
                "Config: ~/.apprentice/config.yaml, then <workspace>/.apprentice/config.yaml,",
                "then environment variables, then flags ('apprentice config show')."})
public final class Main implements Callable<Integer> {
    private final Cli cli;

    @Mixin AgentOptions options = new AgentOptions();

    @picocli.CommandLine.Option(names = {"-c", "--continue"}, description = "Continue the most recent interactive session in this workspace.")
    boolean continueLast;

    @picocli.CommandLine.Option(names = {"-r", "--resume"}, arity = "0..1", fallbackValue = "", paramLabel = "ID",
            description = "Resume an interactive session by its id; without one, list this workspace's sessions to choose from.")
    String resume;

    Main(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        if (continueLast && resume != null) throw new UsageException("--continue and --resume cannot go together: --continue takes the latest session, --resume a chosen one");
        return new Repl(cli, options, continueLast, resume).run();
    }

    /** Lucene warns on stderr that the JDK's incubating vector API is not enabled; a CLI user can do nothing about it. */
    private static final java.util.logging.Logger LUCENE_VECTORS = java.util.logging.Logger.getLogger("org.apache.lucene.internal.vectorization");

    public static void main(String[] args) {
        LUCENE_VECTORS.setLevel(java.util.logging.Level.SEVERE);
        System.exit(run(args, System.getenv(), System.in, stdinIsPiped(), System.out, System.err, isTerminal()));
    }

    /** Whether a person is at a terminal. The launcher says so (it can test the file descriptors); else ask the JDK. */
    static boolean isTerminal() {
        var hint = System.getProperty("apprentice.tty");
        if (hint != null) return Boolean.parseBoolean(hint);
        var console = System.console();
        if (console == null) return false;
        try { // Console.isTerminal exists from JDK 22; before that a console means a terminal
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /**
     * Whether standard input is a pipe or a file rather than a terminal. The launcher tests the descriptor; without it,
     * Linux names the descriptor's target; elsewhere, a console means a terminal.
     */
    static boolean stdinIsPiped() {
        var hint = System.getProperty("apprentice.stdin.tty");
        if (hint != null) return !Boolean.parseBoolean(hint);
        try {
            var target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/0")).toString();
            return !(target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console"));
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return System.console() == null;
        }
    }

    /** {@code -h} / {@code --help} on every command and subcommand: their usage, exit 0 (before any required parameter is missed). */
    static void addHelpOptions(CommandLine command) {
        for (var sub : command.getSubcommands().values()) {
            var spec = sub.getCommandSpec();
            if (spec.findOption("--help") == null) {
                var names = spec.findOption("-h") == null ? new String[] {"-h", "--help"} : new String[] {"--help"};
                spec.addOption(CommandLine.Model.OptionSpec.builder(names).usageHelp(true).description("Show this help and exit.").build());
            }
            addHelpOptions(sub);
        }
    }

    /** Runs the CLI in-process; returns the exit code. Tests call this with their own environment and streams. */
    public static int run(String[] args, Map<String, String> env, InputStream in, PrintStream out, PrintStream err,
                          boolean interactive) {
        return run(args, env, in, !interactive, out, err, interactive);
    }

    /** As above; {@code stdinPiped} says whether {@code in} is piped text (then 'run' takes it as context) or a terminal. */
    public static int run(String[] args, Map<String, String> env, InputStream in, boolean stdinPiped, PrintStream out, PrintStream err,
                          boolean interactive) {
        try (var cli = new Cli(env, out, err, in, interactive, stdinPiped)) {
            var cmd = new CommandLine(new Main(cli), new Factory(cli));
            // Commands from other jars (bench, from apprentice-bench), then doctor and help, so the listing keeps its order.
            for (var plugin : ServiceLoader.load(CommandPlugin.class, Main.class.getClassLoader())) cmd.addSubcommand(plugin.command(cli));
            if (!cmd.getSubcommands().containsKey("bench")) cmd.addSubcommand(NoBench.class);
            cmd.addSubcommand(DoctorCommand.class);
            cmd.addSubcommand(CompletionCommand.class);
            cmd.addSubcommand(HelpCommand.class);
            addHelpOptions(cmd);
            cmd.setOut(new PrintWriter(out, true));
            cmd.setErr(new PrintWriter(err, true));
            cmd.setParameterExceptionHandler(new Suggestions.Handler());
            cmd.setExecutionExceptionHandler((ex, line, parsed) -> {
                // Messages can quote files, tool output or configuration: redacted, controls shown as text.
                if (ex instanceof UsageException || ex instanceof ConfigException || ex instanceof HarnessException) {
                    err.println("apprentice: " + shown(ex.getMessage()));
                    return ExitCodes.USAGE;
                }
                if (ex instanceof InterruptedException) return ExitCodes.INTERRUPTED;
                err.println("apprentice: " + shown(ex.toString()));
                if (env.containsKey("APPRENTICE_DEBUG")) ex.printStackTrace(err);
                return ExitCodes.RUN_FAILED;
            });
            return cmd.execute(args);
        }
    }

    private static String shown(String message) {
        return ai.apprentice.redact.Visible.escapeText(ai.apprentice.redact.Redactor.standard().redact(message));
    }

    /** Gives each command the shared {@link Cli} through its constructor (one taking a Cli, or a plugin's CliContext). */
    private record Factory(Cli cli) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            for (var parameter : new Class<?>[] {Cli.class, CliContext.class}) {
                try {
                    var c = type.getDeclaredConstructor(parameter);
                    c.setAccessible(true);
                    return c.newInstance(cli);
                } catch (NoSuchMethodException e) {
                    // try the next, then the default
                }
            }
            return CommandLine.defaultFactory().create(type);
        }
    }

    /**
     * {@code bench} when the apprentice-bench jar is not on the class path, as in the production jar: benchmarks
     * need the mock model servers of apprentice-testkit, which are for tests and stay out of that jar.
     */
    @Command(name = "bench", description = "Benchmarks printing JSON (in the apprentice-bench jar).")
    static final class NoBench implements Callable<Integer> {
        static final String MESSAGE = "apprentice: benchmarks are in the apprentice-bench jar, not in this one. From a source "
                + "checkout, './apprentice bench ...' builds and runs it (apprentice-bench/target/apprentice-bench.jar).";
        private final Cli cli;
        @Unmatched List<String> args; // whatever follows, the answer is the same

        NoBench(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            cli.err.println(MESSAGE);
            return ExitCodes.USAGE;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            var v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"apprentice " + (v == null ? "dev" : v), "Java " + Runtime.version()};
        }
    }
}
