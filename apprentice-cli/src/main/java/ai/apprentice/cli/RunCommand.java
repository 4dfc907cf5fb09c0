package ai.apprentice.cli;

import ai.apprentice.redact.Redactor;
import ai.apprentice.redact.Visible;
import ai.apprentice.runtime.RunHandle;
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
        var session = cli.session(options);
        var handle = session.start(String.join(" ", task), printer(cli, json));
        return finish(cli, handle, json);
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
                    // Streamed already on a terminal; shown as the printer shows it: redacted, controls visible.
                    if (!cli.interactive) cli.out.println(Visible.escapeText(Redactor.standard().redact(result.answer())));
                } else {
                    cli.err.println("run " + result.runId() + " " + result.status().wireName() + " (" + result.stopReason() + ")"
                            + (result.error() != null ? ": " + Visible.escapeText(Redactor.standard().redact(result.error())) : "")
                            + (result.status() != RunStatus.SUCCEEDED ? "\nresume it with: apprentice runs resume " + result.runId() : ""));
                }
            }
            return ExitCodes.of(result.status());
        } finally {
            restore.run();
        }
    }
}
