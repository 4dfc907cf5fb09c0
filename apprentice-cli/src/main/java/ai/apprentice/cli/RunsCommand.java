package ai.apprentice.cli;

import ai.apprentice.json.Json;
import ai.apprentice.redact.Visible;
import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.store.RunRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "runs", description = "List, show, resume and export recorded runs.",
        subcommands = {RunsCommand.ListRuns.class, RunsCommand.Show.class, RunsCommand.Resume.class, RunsCommand.Export.class,
                RunsCommand.Feedback.class})
final class RunsCommand {

    static ObjectNode toJson(RunRecord r) {
        return ai.apprentice.store.RunJson.of(r);
    }

    static ObjectNode toJson(RunRecord r, ai.apprentice.store.RunOutcome outcome) {
        return ai.apprentice.store.RunJson.of(r, outcome);
    }

    /** The run with its full {@code events} array, as {@code runs show --json} and exports print it. */
    static ObjectNode withEvents(Cli cli, RunRecord run) {
        return ai.apprentice.store.RunJson.withEvents(cli.store(), run);
    }

    @Command(name = "list", description = "List runs, newest first.")
    static final class ListRuns implements Callable<Integer> {
        private final Cli cli;
        @Option(names = "--json", description = "Print a JSON array.") boolean json;
        @Option(names = {"-n", "--limit"}, defaultValue = "50", description = "How many runs (default ${DEFAULT-VALUE}).") int limit;

        ListRuns(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            var runs = cli.store().list(limit);
            if (json) {
                var arr = Json.MAPPER.createArrayNode();
                var outcomes = cli.store().outcomes(runs.stream().map(RunRecord::id).toList());
                runs.forEach(r -> arr.add(toJson(r, outcomes.get(r.id()))));
                cli.out.println(arr.toPrettyString());
                return 0;
            }
            if (runs.isEmpty()) {
                cli.out.println("No runs yet. Start one with: apprentice run \"your task\"");
                return 0;
            }
            cli.out.printf("%-23s %-11s %5s %9s  %-20s %s%n", "ID", "STATUS", "STEPS", "COST", "STARTED", "TASK");
            for (var r : runs) {
                cli.out.printf("%-23s %-11s %5d %9s  %-20s %s%n", r.id(), r.status().wireName(), r.steps(),
                        String.format("$%.4f", r.costUsd()), String.valueOf(r.startedAt()).replace('T', ' ').replaceAll("\\..*|Z", ""),
                        EventPrinter.preview(r.task()));
            }
            return 0;
        }
    }

    @Command(name = "show", description = "Show one run with its events.")
    static final class Show implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "ID", description = "Run id (a unique prefix is enough).") String id;
        @Option(names = "--json", description = "Print the run and its events array as JSON.") boolean json;

        Show(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            var run = find(cli, id);
            // Jackson escapes C0 controls in JSON; Visible also escapes C1 and bidi controls, as JSON escapes.
            cli.out.println(json ? Visible.escapeText(withEvents(cli, run).toPrettyString()) : Transcript.markdown(run, cli.store().events(run.id())));
            return 0;
        }
    }

    @Command(name = "resume", description = "Continue an interrupted, cancelled or failed run from its last completed step.")
    static final class Resume implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "ID", description = "Run id (a unique prefix is enough).") String id;
        @Option(names = "--json", description = "Print one JSON event per line.") boolean json;
        @Mixin AgentOptions options = new AgentOptions();

        Resume(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            var run = find(cli, id);
            if (run.status() == RunStatus.SUCCEEDED) {
                throw new UsageException("Run " + run.id() + " already succeeded; nothing to resume.");
            }
            if (run.status() == RunStatus.RUNNING) {
                throw new UsageException("Run " + run.id() + " is still running in another process.");
            }
            var snapshot = RunSnapshot.fromEvents(cli.store().events(run.id()));
            // The run's own settings, under anything given on this command line.
            var flags = new LinkedHashMap<String, Object>();
            var stored = cli.store().settings(run.id()).map(Json::tree).orElse(Json.object());
            stored.fields().forEachRemaining(f -> {
                if (!f.getKey().equals("workspace")) flags.put(f.getKey(), scalar(f.getValue()));
            });
            flags.putAll(options.flags());
            var workspace = options.workspace != null ? options.workspaceOrCwd()
                    : Path.of(stored.path("workspace").asText(snapshot.workspace()));
            cli.trustIfAsked(options, workspace);
            var session = cli.session(workspace, flags);
            if (!json) cli.err.println("resuming run " + run.id() + " after step " + snapshot.completedSteps());
            var printer = RunCommand.printer(cli, json);
            var handle = session.resume(snapshot, printer);
            return RunCommand.finish(cli, handle, json ? RunCommand.Format.STREAM_JSON : RunCommand.Format.TEXT, printer);
        }

        private static Object scalar(JsonNode n) {
            return n.isNumber() ? n.numberValue() : n.asText();
        }
    }

    @Command(name = "export", description = "Export a run as JSON or as a readable Markdown transcript.")
    static final class Export implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "ID", description = "Run id (a unique prefix is enough).") String id;
        @Option(names = {"-f", "--format"}, defaultValue = "md", description = "json or md (default ${DEFAULT-VALUE}).") String format;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of stdout.") Path output;

        Export(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws IOException {
            var run = find(cli, id);
            String text = switch (format) {
                case "json" -> Visible.escapeText(withEvents(cli, run).toPrettyString());
                case "md", "markdown" -> Transcript.markdown(run, cli.store().events(run.id()));
                default -> throw new UsageException("Unknown export format '" + format + "': use json or md.");
            };
            if (output == null) {
                cli.out.println(text);
            } else {
                var tmp = output.resolveSibling(output.getFileName() + ".tmp");
                Files.writeString(tmp, text + "\n");
                Files.move(tmp, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                cli.err.println("wrote " + output);
            }
            return 0;
        }
    }

    @Command(name = "feedback", description = "Record a person's verdict on a finished run: good, bad, a score, and/or a correction.",
            footer = {"", "Examples:", "  apprentice runs feedback 20261201-1 --good",
                    "  apprentice runs feedback 20261201-1 --bad --note \"use the staging database, not production\"",
                    "  apprentice runs feedback 20261201-1 --score 0.7"})
    static final class Feedback implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "ID", description = "Run id (a unique prefix is enough).") String id;
        @Option(names = "--good", description = "The run did what was wanted.") boolean good;
        @Option(names = "--bad", description = "The run did not do what was wanted.") boolean bad;
        @Option(names = "--score", paramLabel = "X", description = "A score between 0 and 1.") Double score;
        @Option(names = "--note", paramLabel = "TEXT", description = "A correction: what should have been done.") String note;

        Feedback(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            if (good && bad) throw new UsageException("Give --good or --bad, not both.");
            var run = find(cli, id);
            if (run.running()) throw new UsageException("Run " + run.id() + " is still running; give feedback once it has finished.");
            var event = record(cli, run.id(), good ? "good" : bad ? "bad" : null, score, note);
            cli.out.println("feedback recorded on run " + run.id() + ": " + describe(event));
            return 0;
        }
    }

    /** Validates and appends a person's feedback to a run; a usage error (nothing stored) when it is not valid. */
    static ai.apprentice.runtime.Event.Feedback record(Cli cli, String runId, String rating, Double score, String note) {
        ai.apprentice.runtime.Event.Feedback event;
        try {
            event = ai.apprentice.runtime.Event.Feedback.of(runId, rating, score, note, cli.env.getOrDefault("USER", "person"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
        cli.store().append(event);
        return event;
    }

    static String describe(ai.apprentice.runtime.Event.Feedback f) {
        var parts = new java.util.ArrayList<String>();
        if (f.rating() != null) parts.add(f.rating());
        if (f.score() != null) parts.add("score " + f.score());
        if (f.correction() != null) parts.add("\"" + EventPrinter.preview(f.correction()) + "\"");
        return String.join(", ", parts);
    }

    static RunRecord find(Cli cli, String id) {
        try {
            return cli.store().get(id).orElseThrow(() -> new UsageException("No run with id '" + id + "'. See: apprentice runs list"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
    }
}
