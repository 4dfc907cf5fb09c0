package ai.apprentice.cli;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.eval.Comparison;
import ai.apprentice.eval.Report;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.EvalSetup;
import ai.apprentice.temporal.TemporalConnection;
import ai.apprentice.temporal.eval.TemporalTrialExecutor;
import ai.apprentice.eval.Summary;
import ai.apprentice.eval.TrialResult;
import ai.apprentice.json.Json;
import ai.apprentice.runtime.RunIds;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "eval", description = "Evaluate an agent on an environment: k trials per task, pass@k and pass^k, cost.",
        subcommands = {EvalCommand.ListEvals.class, EvalCommand.Resume.class, EvalCommand.Compare.class})
final class EvalCommand implements Callable<Integer> {
    private final Cli cli;

    @Parameters(index = "0", arity = "0..1", paramLabel = "ENV", description = "Environment name; see 'apprentice env list'.") String env;
    @Option(names = "--split", defaultValue = "test", description = "Task split (default ${DEFAULT-VALUE}).") String split;
    @Option(names = "--tasks", paramLabel = "LIST", description = "Task indices, e.g. 0-49,60 (default: all).") String tasks;
    @Option(names = "--agent", paramLabel = "AGENT", description = "gold or random (reference policies); default: an apprentice agent with --model.") String agent;
    @picocli.CommandLine.Mixin AgentOptions options = new AgentOptions();
    @Option(names = "--user-model", paramLabel = "PROVIDER:MODEL", description = "Model that plays the user (default: the agent's).") String userModel;
    @Option(names = "-k", defaultValue = "1", description = "Trials per task (default ${DEFAULT-VALUE}).") int k;
    @Option(names = "--concurrency", defaultValue = "2", description = "Trials at once (default ${DEFAULT-VALUE}).") int concurrency;
    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--data", paramLabel = "DIR", description = "Data folder of the environment (tau-bench: the folder with retail/, airline/, tasks/).") Path data;
    @Option(names = "--instructions", paramLabel = "FILE", description = "Extra instructions for the agent under test, after the environment's policy.") Path instructions;
    @Option(names = "--skills", description = "Give the agent under test the skills of the workspace and user (index + use_skill).") boolean skills;
    @Option(names = "--memory", description = "Give the agent under test long-term memory (recall and memory tools); off by default so that scores compare.") boolean memory;
    @Option(names = "--json", description = "Print the summary as JSON.") boolean json;
    @Option(names = "--report", paramLabel = "FILE.html", description = "Also write an HTML report (with .json and .csv beside it).") Path report;
    @picocli.CommandLine.Mixin EngineOptions engine = new EngineOptions();

    EvalCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        if (env == null) throw new UsageException("Name an environment: apprentice eval ENV (see 'apprentice env list')");
        engine.check();
        // A folder of tasks is recorded by its absolute path, so that 'eval resume' finds it from anywhere.
        String envRef = envRef(env);
        var meta = Json.object().put("env", envRef).put("split", split).put("tasks", tasks == null ? "" : tasks)
                .put("agent", agent == null ? "" : agent).put("model", options.model == null ? "" : options.model)
                .put("user_model", userModel == null ? "" : userModel).put("k", k).put("concurrency", concurrency)
                .put("seed", seed).put("data", data == null ? "" : data.toAbsolutePath().toString()).put("skills", skills)
                .put("memory", memory).put("workspace", options.workspaceOrCwd().toString());
        engine.record(meta);
        // The agent's settings as given on this command line, so that resume builds the same agent.
        meta.set("flags", Json.MAPPER.valueToTree(options.flags()));
        cli.trustIfAsked(options, options.workspaceOrCwd());
        if (instructions != null) {
            try {
                meta.put("instructions", Files.readString(instructions));
            } catch (IOException e) {
                throw new UsageException("Cannot read --instructions " + instructions + ": " + e.getMessage(), e);
            }
        }
        String id = "eval-" + RunIds.next();
        var folder = cli.home().resolve("evals").resolve(id);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("meta.json"), meta.toPrettyString());
        try {
            return run(cli, id, meta, json, report);
        } catch (Exception | Error e) {
            // An evaluation that never ran a trial (unknown environment, bad --tasks, no model) leaves no folder to resume.
            if (!Files.exists(folder.resolve("trials.jsonl"))) Trees.deleteTree(folder);
            throw e;
        }
    }

    /** An environment as a meta records it: a built-in's name, or a folder of tasks by its absolute path (found from anywhere). */
    static String envRef(String env) {
        var asFolder = java.nio.file.Path.of(env);
        boolean builtIn = EnvironmentProvider.all().stream().anyMatch(p -> p.names().contains(env));
        return !builtIn && java.nio.file.Files.isDirectory(asFolder) ? asFolder.toAbsolutePath().normalize().toString() : env;
    }

    static int run(Cli cli, String id, JsonNode meta, boolean json, Path report) throws Exception {
        var folder = cli.home().resolve("evals").resolve(id);
        Environment environment;
        try {
            environment = EvalSetup.environment(cli.harness(), meta);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
        String split = meta.path("split").asText();
        List<Integer> indices;
        try {
            indices = EvalSetup.tasks(meta, environment);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
        String agent = meta.path("agent").asText();
        if (!EvalSetup.knownAgent(agent)) {
            throw new UsageException("Unknown --agent '" + agent + "': use gold or random, or --model PROVIDER:MODEL for an apprentice agent");
        }
        boolean onTemporal = meta.path("engine").asText("local").equals("temporal");
        TemporalConnection temporal = null;
        if (onTemporal) {
            try {
                temporal = TemporalConnection.connect(meta.path("temporal_target").asText(), meta.path("namespace").asText(),
                        TemporalTlsOptions.fromMeta(meta, cli.env), TemporalConnection.CONNECT);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), e);
            }
        }
        int k = meta.path("k").asInt(1);
        int total = indices.size() * k;
        var done = new AtomicInteger();
        var successes = new AtomicInteger();
        var tokens = new java.util.concurrent.atomic.AtomicLong();
        var cost = new java.util.concurrent.atomic.DoubleAdder();
        long t0 = System.nanoTime();
        if (!json) cli.err.println("evaluation " + id + ": " + environment.name() + " " + split + ", " + indices.size() + " tasks x " + k
                + " trials" + (onTemporal ? " on Temporal " + meta.path("temporal_target").asText() + " (task queue " + meta.path("task_queue").asText() + ")" : "")
                + "; resume with: apprentice eval resume " + id);
        // On Temporal the workers build the agent from the meta, with their own settings and keys; here only the record is kept.
        var runner = onTemporal
                ? new EvalRunner(environment, split, folder, new TemporalTrialExecutor(temporal.client(), id, meta.toString(),
                        new TemporalTrialExecutor.Options(meta.path("task_queue").asText(), meta.path("heartbeat_seconds").asInt(0), 0)))
                : new EvalRunner(environment, split, EvalSetup.policy(cli.harness(), meta, environment.name()),
                        EvalSetup.users(cli.harness(), meta, environment), folder, cli.store());
        List<TrialResult> results;
        try {
            results = runner.run(indices, k, meta.path("concurrency").asInt(2), meta.path("seed").asLong(), r -> {
                int d = done.incrementAndGet();
                if (r.success()) successes.incrementAndGet();
                tokens.addAndGet(r.inputTokens() + r.outputTokens());
                cost.add(r.costUsd());
                progress(cli, d, total, successes.get(), tokens.get(), cost.sum(), t0);
            });
        } finally {
            if (temporal != null) temporal.close();
        }
        cli.err.println();
        var summary = Summary.json(environment.name(), split, results, meta.path("seed").asLong());
        summary.put("id", id);
        summary.put("agent", !meta.path("agent").asText().isEmpty() ? meta.path("agent").asText()
                : !meta.path("model").asText().isEmpty() ? meta.path("model").asText() : "(default model)");
        summary.put("finished_at", java.time.Instant.now().toString());
        summary.put("user_simulator", meta.path("agent").asText().isEmpty() ? environment.userSimulator() : "none (" + meta.path("agent").asText() + " policy)");
        Files.writeString(folder.resolve("summary.json"), summary.toPrettyString());
        if (report != null) Report.write(report, summary, results);
        if (json) {
            cli.out.println(summary.toPrettyString());
        } else {
            printSummary(cli, summary, folder, report);
        }
        return 0;
    }

    /** The numbers with their 95% intervals, then where the trials and the report are. */
    static void printSummary(Cli cli, JsonNode summary, Path folder, Path report) {
        cli.out.printf(java.util.Locale.ROOT, "%s %s: %d tasks, %d trials, mean reward %.3f, %,d tokens, $%.4f%n", summary.path("env").asText(),
                summary.path("split").asText(), summary.path("tasks").asInt(), summary.path("trials").asInt(), summary.path("mean_reward").asDouble(),
                summary.path("input_tokens").asLong() + summary.path("output_tokens").asLong(), summary.path("cost_usd").asDouble());
        summary.path("pass_hat_k").fields().forEachRemaining(e -> {
            var k = e.getKey();
            cli.out.printf(java.util.Locale.ROOT, "  pass^%s = %.3f %s   pass@%s = %.3f %s%n", k, e.getValue().asDouble(), interval(summary.at("/pass_hat_k_ci95/" + k)),
                    k, summary.at("/pass_at_k/" + k).asDouble(), interval(summary.at("/pass_at_k_ci95/" + k)));
        });
        cli.out.println("  (95% bootstrap intervals over tasks)");
        cli.out.println("results: " + folder);
        if (report != null) {
            var base = report.toAbsolutePath().toString().replaceFirst("\\.html?$", "");
            cli.out.println("report: " + report.toAbsolutePath() + " (and " + base + ".json, " + base + ".csv)");
        }
    }

    private static String interval(JsonNode ci) {
        return ci.isArray() && ci.size() == 2 ? String.format(java.util.Locale.ROOT, "[%.3f, %.3f]", ci.get(0).asDouble(), ci.get(1).asDouble()) : "";
    }

    private static void progress(Cli cli, int done, int total, int successes, long tokens, double cost, long t0) {
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long eta = done == 0 ? 0 : Math.round(elapsed / done * (total - done));
        int width = 24;
        int filled = total == 0 ? width : done * width / total;
        cli.err.printf("\r[%s%s] %d/%d  pass^1 %.2f  ETA %d:%02d  %,d tokens  $%.4f ", "#".repeat(filled), " ".repeat(width - filled),
                done, total, (double) successes / done, eta / 60, eta % 60, tokens, cost);
        cli.err.flush();
    }

    /** "0-49,60" into indices; empty means every task. */
    static List<Integer> parseTasks(String spec, int size) {
        return ai.apprentice.eval.TaskSpec.parse(spec, size, "--tasks");
    }

    @Command(name = "list", description = "The evaluations here, newest first: environment, agent, trials, pass^1 and cost; unfinished ones can be resumed.")
    static final class ListEvals implements Callable<Integer> {
        private final Cli cli;
        @Option(names = "--json", description = "Print them as a JSON array.") boolean json;
        ListEvals(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws IOException {
            var dir = cli.home().resolve("evals");
            var rows = Json.MAPPER.createArrayNode();
            if (Files.isDirectory(dir)) {
                List<Path> folders;
                try (var list = Files.list(dir)) {
                    folders = list.filter(f -> f.getFileName().toString().startsWith("eval-") && Files.isRegularFile(f.resolve("meta.json")))
                            .sorted(java.util.Comparator.comparing(Path::toString).reversed()).toList();
                }
                for (var f : folders) rows.add(row(f));
            }
            if (json) {
                cli.out.println(rows.toPrettyString());
                return 0;
            }
            if (rows.isEmpty()) {
                cli.out.println("No evaluations in " + dir + ". Start one: apprentice eval ENV --agent gold (see 'apprentice env list')");
                return 0;
            }
            cli.out.printf("%-32s %-18s %-24s %7s %7s %9s  %s%n", "ID", "ENV", "AGENT", "TRIALS", "PASS^1", "COST", "STATE");
            for (var r : rows) {
                cli.out.printf(java.util.Locale.ROOT, "%-32s %-18s %-24s %7d %7s %9s  %s%n", r.get("id").asText(), shorten(r.get("env").asText(), 18),
                        shorten(r.get("agent").asText(), 24), r.get("trials").asInt(),
                        r.get("pass_hat_1").isNull() ? "-" : String.format(java.util.Locale.ROOT, "%.3f", r.get("pass_hat_1").asDouble()),
                        String.format(java.util.Locale.ROOT, "$%.4f", r.get("cost_usd").asDouble()),
                        r.get("finished").asBoolean() ? "finished" : "unfinished: apprentice eval resume " + r.get("id").asText());
            }
            return 0;
        }

        /** What meta.json, summary.json (once finished) and the trials so far say of one evaluation. */
        private static com.fasterxml.jackson.databind.node.ObjectNode row(Path folder) throws IOException {
            var meta = Json.MAPPER.readTree(folder.resolve("meta.json").toFile());
            var summaryFile = folder.resolve("summary.json");
            var summary = Files.isRegularFile(summaryFile) ? Json.MAPPER.readTree(summaryFile.toFile()) : null;
            var trials = TrialResult.readAll(folder);
            var agent = !meta.path("agent").asText().isEmpty() ? meta.path("agent").asText()
                    : !meta.path("model").asText().isEmpty() ? meta.path("model").asText() : "(default model)";
            var o = Json.object().put("id", folder.getFileName().toString()).put("env", meta.path("env").asText())
                    .put("split", meta.path("split").asText()).put("agent", agent).put("k", meta.path("k").asInt(1))
                    .put("trials", trials.size()).put("finished", summary != null)
                    .put("cost_usd", trials.stream().mapToDouble(TrialResult::costUsd).sum());
            if (summary != null && summary.at("/pass_hat_k/1").isNumber()) o.put("pass_hat_1", summary.at("/pass_hat_k/1").asDouble());
            else if (trials.isEmpty()) o.putNull("pass_hat_1");
            else o.put("pass_hat_1", (double) trials.stream().filter(TrialResult::success).count() / trials.size());
            return o;
        }

        private static String shorten(String s, int width) {
            return s.length() <= width ? s : "…" + s.substring(s.length() - width + 1);
        }
    }

    @Command(name = "resume", description = "Finish an interrupted evaluation; finished trials are kept.")
    static final class Resume implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "ID") String id;
        @Option(names = "--json") boolean json;
        Resume(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            var meta = cli.home().resolve("evals").resolve(id).resolve("meta.json");
            if (!Files.isRegularFile(meta)) throw new UsageException("No evaluation '" + id + "' in " + cli.home().resolve("evals"));
            return run(cli, id, Json.MAPPER.readTree(meta.toFile()), json, null);
        }
    }

    @Command(name = "compare", description = "Paired comparison of two evaluations on the tasks they share.")
    static final class Compare implements Callable<Integer> {
        private final Cli cli;
        @Parameters(index = "0", paramLabel = "A") String a;
        @Parameters(index = "1", paramLabel = "B") String b;
        @Option(names = "--json") boolean json;
        Compare(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws IOException {
            var trialsA = trials(cli, a);
            var trialsB = trials(cli, b);
            var result = Comparison.of(trialsA, trialsB, 0);
            cli.out.println(json ? result.toPrettyString() : Comparison.text(a, b, result, trialsA, trialsB));
            return 0;
        }
    }

    static List<TrialResult> trials(Cli cli, String id) throws IOException {
        var file = cli.home().resolve("evals").resolve(id).resolve("trials.jsonl");
        if (!Files.isRegularFile(file)) throw new UsageException("No evaluation '" + id + "' (no " + file + ")");
        return TrialResult.readAll(file.getParent());
    }
}
