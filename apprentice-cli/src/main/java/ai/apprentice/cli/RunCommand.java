package ai.apprentice.cli;

import ai.apprentice.runtime.RunHandle;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.runtime.RunResult;
import ai.apprentice.runtime.RunStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = "Run one task and print the answer.",
        footer = {"", "Exit codes: 0 succeeded, 1 run failed (model error, budget exhausted), 2 usage or config error, 130 interrupted.",
                "Example: apprentice run --model openai:gpt-4.1-mini \"Summarise README.md\""})
final class RunCommand implements Callable<Integer> {
    private final Cli cli;

    @Mixin AgentOptions options = new AgentOptions();

    @Option(names = "--json", description = "Print one JSON event per line; the last is run_finished.")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "TASK", description = "What the agent should do.")
    String[] task;

    RunCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        var workspace = options.workspaceOrCwd();
        var config = cli.config(workspace, options.flags());
        var agent = cli.agent(config, workspace, String.join(" ", task)).build();
        var printer = printer(cli, json);
        String runId = RunIds.next();
        var session = new java.util.concurrent.CopyOnWriteArrayList<ai.apprentice.model.Message>();
        ai.apprentice.runtime.EventListener collect = e -> {
            if (e instanceof ai.apprentice.runtime.Event.RunStarted s) session.addAll(s.messages());
            if (e instanceof ai.apprentice.runtime.Event.StepCompleted c) session.addAll(c.messages());
        };
        var handle = agent.start(runId, String.join(" ", task), null, printer, new SettingsRecorder(cli, config, workspace), collect);
        int exit = finish(cli, handle, json);
        if (exit == 0 && config.memoryOn() && config.memoryExtract()) rememberFrom(cli, config, workspace, agent, runId, session, printer);
        consolidateIfDue(cli, config);
        return exit;
    }

    /**
     * Lets the model pick what to keep from a successful run, stores it as one batch and reports it as a
     * memory_updated event. A failure here never fails the run: it is reported and nothing is stored.
     */
    static void rememberFrom(Cli cli, ai.apprentice.cli.config.Config config, java.nio.file.Path workspace, ai.apprentice.runtime.Agent agent,
                             String runId, java.util.List<ai.apprentice.model.Message> session, EventPrinter printer) {
        if (agent.model().id().startsWith("scripted")) return; // a script replays its turns; it has nothing to pick
        try {
            var store = cli.memory();
            var scopes = Cli.memoryScopes(workspace);
            String task = session.stream().filter(m -> m.role() == ai.apprentice.model.Role.USER).findFirst().map(ai.apprentice.model.Message::text).orElse("");
            var known = store.count() == 0 ? java.util.List.<ai.apprentice.memory.Memory.Recalled>of()
                    : store.recall(task, 8, scopes, ai.apprentice.memory.MemoryStore.Method.HYBRID);
            var extracted = new ai.apprentice.memory.MemoryExtractor(agent.model()).extract(session, known, scopes.get(1), "run " + runId);
            if (extracted.problem() != null) cli.err.println("(memory not updated: " + extracted.problem() + ")");
            if (extracted.memories().isEmpty()) return;
            var added = store.add(extracted.memories(), "extracted from run " + runId).stream().filter(a -> !a.duplicate()).toList();
            if (added.isEmpty()) return;
            var event = new ai.apprentice.runtime.Event.MemoryUpdated(runId, java.time.Instant.now(), added.getFirst().batch(),
                    added.stream().map(a -> a.memory().id()).toList(), added.stream().map(a -> a.memory().text()).toList());
            cli.store().onEvent(event);
            printer.onEvent(event);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            cli.err.println("(memory not updated: " + e.getMessage() + ")");
        }
    }

    /** The built-in schedule of 'memory consolidate' (memory.consolidate_every); a problem is reported, never fatal. */
    static void consolidateIfDue(Cli cli, ai.apprentice.cli.config.Config config) {
        var every = config.memoryConsolidateEvery();
        if (every.isEmpty() || !config.memoryOn()) return;
        try {
            var store = cli.memory();
            if (store.count() == 0) return;
            store.consolidateIfDue(java.time.Instant.now(), every.get()).filter(c -> c.batch() != null).ifPresent(c ->
                    cli.err.println("(memory consolidated on schedule: merged " + c.merged().size() + " near-duplicate(s), weakened " + c.weakened()
                            + "; undo with: apprentice memory undo " + c.batch() + ")"));
        } catch (RuntimeException e) {
            cli.err.println("(memory not consolidated: " + e.getMessage() + ")");
        }
    }

    /**
     * On a terminal the run streams to stdout. Piped, stdout gets only the final answer (so that
     * {@code apprentice run ... > answer.txt} works) and progress goes to stderr.
     */
    static EventPrinter printer(Cli cli, boolean json) {
        return new EventPrinter(json || cli.interactive ? cli.out : cli.err, cli.err, json, cli.interactive);
    }

    /** Waits for a run, cancelling it on Ctrl-C, and prints the outcome. */
    static int finish(Cli cli, RunHandle handle, boolean json) throws InterruptedException {
        var restore = Interrupts.onInterrupt(handle::cancel);
        try {
            RunResult result = handle.await();
            if (!json) {
                if (result.status() == RunStatus.SUCCEEDED) {
                    if (!cli.interactive) cli.out.println(result.answer()); // streamed already on a terminal
                } else {
                    cli.err.println("run " + result.runId() + " " + result.status().wireName() + " (" + result.stopReason() + ")"
                            + (result.error() != null ? ": " + result.error() : "")
                            + (result.status() != RunStatus.SUCCEEDED ? "\nresume it with: apprentice runs resume " + result.runId() : ""));
                }
            }
            return ExitCodes.of(result.status());
        } finally {
            restore.run();
        }
    }
}
