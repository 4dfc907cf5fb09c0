package ai.apprentice.cli;

import ai.apprentice.json.Json;
import ai.apprentice.redact.Redactor;
import ai.apprentice.redact.Visible;
import ai.apprentice.runtime.EventListener;
import ai.apprentice.runtime.RunHandle;
import ai.apprentice.runtime.RunResult;
import ai.apprentice.runtime.RunStatus;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = {"Run one task and print the answer.",
        "Piped text on standard input becomes context of the task (when it starts within 5 s: APPRENTICE_STDIN_WAIT_MS);",
        "a TASK of '-' reads the task itself from standard input."},
        footer = {"", "Output: the answer on stdout; progress and a last line of tokens and cost on stderr.",
                "Exit codes: 0 succeeded, 1 run failed (model error, budget exhausted), 2 usage or config error, 130 interrupted.",
                "Examples:",
                "  apprentice run --model openai:gpt-4.1-mini \"Summarise README.md\"",
                "  git diff | apprentice run \"Review this change\"",
                "  echo \"What is six times seven?\" | apprentice run --output-format json -"})
final class RunCommand implements Callable<Integer> {
    /** Standard input beyond this is refused rather than sent to a model whole. */
    static final int MAX_STDIN_CHARS = 1_000_000;

    /** What stdout gets: the answer, one JSON object at the end, or one JSON event per line. */
    enum Format {
        TEXT, JSON, STREAM_JSON;

        static Format parse(String s) {
            return switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "text" -> TEXT;
                case "json" -> JSON;
                case "stream-json" -> STREAM_JSON;
                default -> throw new UsageException("--output-format must be text, json or stream-json, not '" + s + "'");
            };
        }
    }

    private final Cli cli;

    @Mixin AgentOptions options = new AgentOptions();

    @Option(names = "--json", description = "Print one JSON event per line; the last is run_finished (same as --output-format stream-json).")
    boolean json;

    @Option(names = "--output-format", paramLabel = "FORMAT",
            description = "text (the answer, default), json (one JSON object with the answer, usage and cost), stream-json (one JSON event per line).")
    String outputFormat;

    @Parameters(arity = "1..*", paramLabel = "TASK", description = "What the agent should do; '-' reads it from standard input.")
    String[] task;

    RunCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        var format = format();
        var text = task();
        var session = cli.session(options);
        var printer = printer(cli, format);
        var handle = session.start(text, printer);
        return finish(cli, handle, format, printer);
    }

    private Format format() {
        if (outputFormat == null) return json ? Format.STREAM_JSON : Format.TEXT;
        var f = Format.parse(outputFormat);
        if (json && f != Format.STREAM_JSON) throw new UsageException("--json is --output-format stream-json; it cannot go with --output-format " + outputFormat);
        return f;
    }

    /** The task as given, with piped standard input as its context; or, for '-', the task read from standard input. */
    private String task() {
        var given = String.join(" ", task);
        if (given.equals("-")) {
            if (!cli.stdinPiped) throw new UsageException("'run -' reads the task from standard input, but it is a terminal: pipe the task in (echo TASK | apprentice run -)");
            var read = readStdin().strip();
            if (read.isEmpty()) throw new UsageException("'run -' found no task on standard input (it was empty)");
            return read;
        }
        if (!cli.stdinPiped) return given;
        var context = readContext();
        if (context.isBlank()) return given;
        // Tagged so that the model can tell the request from the material it is about.
        return given + "\n\n<stdin>\n" + context.stripTrailing() + "\n</stdin>";
    }

    /** How long piped context may take to start before the task goes on without it (ms; APPRENTICE_STDIN_WAIT_MS). */
    static final long CONTEXT_WAIT_MS = 5_000;

    /**
     * Piped context, read to its end once it has started. A caller that hands apprentice a pipe it never writes to or
     * closes (a process started with the defaults of ProcessBuilder or Node's spawn) must not hang the task: when
     * nothing, not even the end, arrives within the wait, the task goes on without context and says so.
     */
    private String readContext() {
        long waitMs = CONTEXT_WAIT_MS;
        var configured = cli.env.get("APPRENTICE_STDIN_WAIT_MS");
        if (configured != null) {
            try {
                waitMs = Math.max(0, Long.parseLong(configured.strip()));
            } catch (NumberFormatException e) {
                throw new UsageException("APPRENTICE_STDIN_WAIT_MS must be a number of milliseconds, not '" + configured + "'");
            }
        }
        var reader = new java.io.InputStreamReader(cli.in, java.nio.charset.StandardCharsets.UTF_8);
        var first = new java.util.concurrent.CompletableFuture<String>(); // the first chunk; "" at the end of input
        Thread.ofVirtual().name("stdin-first-read").start(() -> {
            try {
                var buf = new char[8192];
                int n = reader.read(buf);
                first.complete(n < 0 ? "" : new String(buf, 0, n));
            } catch (java.io.IOException e) {
                first.completeExceptionally(e);
            }
        });
        String head;
        try {
            head = first.get(waitMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            cli.err.println("apprentice: nothing came on standard input in " + waitMs + " ms; going on without it "
                    + "(give slow input as a file, or run with < /dev/null to say there is none)");
            return "";
        } catch (java.util.concurrent.ExecutionException e) {
            throw new UsageException("Cannot read standard input: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
        if (head.isEmpty()) return "";
        return readRest(reader, new StringBuilder(head));
    }

    private String readStdin() {
        // A program that starts apprentice with a pipe it never closes would wait here for ever: say what is awaited.
        var notice = WAITING.schedule(() -> cli.err.println("apprentice: reading standard input until it ends (piped text is the task's context); "
                + "run with < /dev/null to give none"), 3, java.util.concurrent.TimeUnit.SECONDS);
        try {
            return readRest(new java.io.InputStreamReader(cli.in, java.nio.charset.StandardCharsets.UTF_8), new StringBuilder());
        } finally {
            notice.cancel(false);
        }
    }

    /** Reads to the end of input after what {@code sb} holds, within the size limit. */
    private static String readRest(java.io.Reader reader, StringBuilder sb) {
        try {
            var buf = new char[8192];
            if (sb.length() > MAX_STDIN_CHARS) throw tooLong();
            for (int n; (n = reader.read(buf)) >= 0; ) {
                sb.append(buf, 0, n);
                if (sb.length() > MAX_STDIN_CHARS) throw tooLong();
            }
            return sb.toString();
        } catch (java.io.IOException e) {
            throw new UsageException("Cannot read standard input: " + e.getMessage(), e);
        }
    }

    private static UsageException tooLong() {
        return new UsageException("Standard input is over " + MAX_STDIN_CHARS + " characters; save it to a file in the workspace and name the file in the task");
    }

    private static final java.util.concurrent.ScheduledExecutorService WAITING = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        var t = new Thread(r, "stdin-notice");
        t.setDaemon(true);
        return t;
    });

    static EventListener printer(Cli cli, boolean json) {
        return printer(cli, json ? Format.STREAM_JSON : Format.TEXT);
    }

    /**
     * On a terminal the run streams to stdout. Piped, stdout gets only the final answer (so that
     * {@code apprentice run ... > answer.txt} works) and progress goes to stderr, without the answer.
     */
    static EventListener printer(Cli cli, Format format) {
        if (format == Format.STREAM_JSON) return new EventPrinter(cli.out, cli.err, true, cli.interactive);
        if (format == Format.TEXT && cli.interactive) return EventPrinter.forTerminal(cli.out, cli.err, cli.colour());
        return EventPrinter.progressOnly(cli.err);
    }

    static int finish(Cli cli, RunHandle handle, boolean json) throws InterruptedException {
        return finish(cli, handle, json ? Format.STREAM_JSON : Format.TEXT, null);
    }

    /**
     * Waits for a run, cancelling it on Ctrl-C, and prints the outcome. {@code printer}: the run's, whose spinner
     * shows while it waits on a terminal (as in the REPL); null for none.
     */
    static int finish(Cli cli, RunHandle handle, Format format, EventListener printer) throws InterruptedException {
        long started = System.nanoTime();
        var restore = Interrupts.onInterrupt(handle::cancel);
        try {
            RunResult result;
            try (EventPrinter.Spinner spinner = printer instanceof EventPrinter p ? p.spinner() : EventPrinter.Spinner.NONE) {
                result = handle.await();
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            switch (format) {
                case STREAM_JSON -> { } // run_finished said it all
                case JSON -> cli.out.println(Json.write(summary(result, millis, unpriced(cli, result.runId()))));
                case TEXT -> {
                    if (result.status() == RunStatus.SUCCEEDED) {
                        // Streamed already on a terminal; shown as the printer shows it: redacted, controls visible.
                        if (!cli.interactive) cli.out.println(Visible.escapeText(Redactor.standard().redact(result.answer())));
                    } else {
                        cli.err.println("run " + result.runId() + " " + result.status().wireName() + " (" + result.stopReason() + ")"
                                + (result.error() != null ? ": " + Visible.escapeText(Redactor.standard().redact(result.error())) : "")
                                + "\nresume it with: apprentice runs resume " + result.runId());
                    }
                    cli.err.println(spent(result, millis, unpriced(cli, result.runId())));
                }
            }
            return ExitCodes.of(result.status());
        } finally {
            restore.run();
        }
    }

    /** The last line on stderr: what the run cost. */
    static String spent(RunResult r, long millis, boolean unpriced) {
        var u = r.usage();
        return String.format(Locale.ROOT, "(%d step%s · %,d tokens: %,d in, %,d out · %s · %.1fs)", r.steps(), r.steps() == 1 ? "" : "s",
                u.total(), u.inputTokens(), u.outputTokens(), unpriced ? "cost unknown (no price for this model)" : String.format(Locale.ROOT, "$%.4f", r.costUsd()),
                millis / 1000.0);
    }

    /** Whether a model call of the run had no price: then its cost is unknown, not $0. */
    static boolean unpriced(Cli cli, String runId) {
        try {
            return cli.store().events(runId).stream().anyMatch(e -> e instanceof ai.apprentice.runtime.Event.UsageEvent u && u.unpriced());
        } catch (RuntimeException e) {
            return false; // the line is a courtesy: a store that cannot be read does not fail the run
        }
    }

    /** --output-format json: the outcome as one object (redacted like every event; JSON escapes the controls). */
    private static java.util.Map<String, Object> summary(RunResult r, long millis, boolean unpriced) {
        var m = new java.util.LinkedHashMap<String, Object>();
        m.put("run_id", r.runId());
        m.put("status", r.status().wireName());
        m.put("stop_reason", r.stopReason());
        m.put("answer", r.answer() == null ? null : Redactor.standard().redact(r.answer()));
        m.put("error", r.error() == null ? null : Redactor.standard().redact(r.error()));
        m.put("steps", r.steps());
        m.put("usage", java.util.Map.of("input_tokens", r.usage().inputTokens(), "output_tokens", r.usage().outputTokens()));
        m.put("cost_usd", r.costUsd());
        if (unpriced) m.put("cost_unknown", "no price for this model");
        m.put("duration_ms", millis);
        return m;
    }
}
