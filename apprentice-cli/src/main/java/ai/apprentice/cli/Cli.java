package ai.apprentice.cli;

import ai.apprentice.harness.Harness;
import ai.apprentice.harness.ModelResolver;
import ai.apprentice.harness.Session;
import ai.apprentice.harness.config.Settings;
import ai.apprentice.memory.MemoryStore;
import ai.apprentice.store.RunStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What every command needs: the environment, the output streams, and the {@link Harness} that turns flags and a
 * workspace into an agent. Passed to commands explicitly so that tests can run the CLI in-process with their own
 * environment. The CLI itself only turns flags into settings and prints events.
 */
final class Cli implements CliContext, AutoCloseable {
    final Map<String, String> env;
    final PrintStream out;
    final PrintStream err;
    final InputStream in;
    final boolean interactive;
    /** Whether standard input is a pipe or file (then 'run' reads it), not a terminal someone types at. */
    final boolean stdinPiped;
    private final Harness harness;

    Cli(Map<String, String> env, PrintStream out, PrintStream err, InputStream in, boolean interactive) {
        this(env, out, err, in, interactive, !interactive);
    }

    Cli(Map<String, String> env, PrintStream out, PrintStream err, InputStream in, boolean interactive, boolean stdinPiped) {
        this.env = env;
        this.stdinPiped = stdinPiped;
        this.out = out;
        this.err = err;
        this.in = in;
        this.interactive = interactive;
        this.harness = Harness.builder().env(env).err(err).interactive(interactive).prompter(new Harness.Prompter() {
                    @Override public boolean confirm(String question) { return Cli.this.confirm(question); }
                    @Override public String line(String question) { return interactive ? Cli.this.line(question) : null; }
                })
                .approver(interactive ? TerminalApprover.overStreams(err, new java.io.BufferedReader(new java.io.InputStreamReader(in))) : null)
                .build();
    }

    /**
     * Whether output may be coloured: on a terminal, unless NO_COLOR is set to anything (https://no-color.org) or the
     * terminal is dumb.
     */
    boolean colour() {
        var noColor = env.get("NO_COLOR");
        return interactive && (noColor == null || noColor.isEmpty()) && !"dumb".equals(env.get("TERM"));
    }

    @Override public PrintStream out() { return out; }
    @Override public PrintStream err() { return err; }
    @Override public Harness harness() { return harness; }
    Path home() { return harness.home(); }
    RunStore store() { return harness.store(); }
    MemoryStore memory() { return harness.memory(); }
    ModelResolver models() { return harness.models(); }

    Settings config(Path workspace, Map<String, Object> flags) {
        return harness.settings(workspace, flags);
    }

    /** Settings resolved once for a workspace, and the agents made from them. */
    Session session(Path workspace, Map<String, Object> flags) {
        return harness.session(workspace, flags);
    }

    /** The session the agent options ask for; --trust-workspace first records the person's trust. */
    Session session(AgentOptions options) {
        trustIfAsked(options, options.workspaceOrCwd());
        return session(options.workspaceOrCwd(), options.flags());
    }

    /** --trust-workspace: the person trusts the workspace's config file as it is now. */
    void trustIfAsked(AgentOptions options, Path workspace) {
        if (options.trustWorkspace) harness.trustWorkspace(workspace);
    }

    /** A yes/no question on the terminal (a model download); anything but y is no. */
    private boolean confirm(String question) {
        var line = line(question);
        return line != null && line.strip().toLowerCase(java.util.Locale.ROOT).startsWith("y");
    }

    /** One line from the person; null at the end of input. */
    private String line(String question) {
        err.print(question);
        err.flush();
        try {
            return new java.io.BufferedReader(new java.io.InputStreamReader(in)).readLine();
        } catch (IOException e) {
            return null;
        }
    }

    private final java.util.Deque<AutoCloseable> closing = new java.util.ArrayDeque<>();

    /** Closes {@code resource} when the command is over (a connection the command's parts share), before the harness. */
    <T extends AutoCloseable> T closeLater(T resource) {
        closing.push(resource);
        return resource;
    }

    @Override
    public void close() {
        while (!closing.isEmpty()) {
            try {
                closing.pop().close();
            } catch (Exception e) {
                err.println("apprentice: closing: " + e.getMessage());
            }
        }
        harness.close();
    }
}
