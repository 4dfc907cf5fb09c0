package ai.apprentice.cli;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.harness.Session;
import ai.apprentice.json.Json;
import ai.apprentice.learn.Candidate;
import ai.apprentice.learn.Evaluator;
import ai.apprentice.learn.FileProposer;
import ai.apprentice.learn.Gate;
import ai.apprentice.learn.LearnReport;
import ai.apprentice.learn.Learning;
import ai.apprentice.learn.LearningLoop;
import ai.apprentice.learn.ModelReflector;
import ai.apprentice.learn.Proposals;
import ai.apprentice.learn.Reflector;
import ai.apprentice.learn.StoredRuns;
import ai.apprentice.memory.playbook.LearnedStore;
import ai.apprentice.memory.playbook.Scopes;
import ai.apprentice.redact.Visible;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "learn", mixinStandardHelpOptions = true, description = {"Learn on the job: propose lessons from rewarded runs, keep only what a gate on held-out tasks proves.",
        "The agent plays training tasks, a reflector model proposes playbook lessons from the trajectories, and each candidate goes",
        "live only if its pass^k on held-out tasks beats the incumbent's (paired by task, 95% interval above zero)."},
        subcommands = {LearnCommand.GateCommand.class, LearnCommand.Route.class, LearnCommand.Status.class, LearnCommand.History.class, LearnCommand.Show.class,
                LearnCommand.Undo.class},
        footer = {"", "Examples:",
                "  apprentice learn taubench-retail --model openai:gpt-4.1-mini --reflector-model openai:gpt-4.1 --budget 300",
                "  apprentice learn textworld --proposals lessons.md --dry-run --report learn.html",
                "  apprentice learn ./my-tasks --from-runs --since 7d     # lessons for everyday use, gated on your own tasks",
                "  apprentice learn gate shop --candidate lessons.md --json",
                "  apprentice learn route sql --models openai:gpt-4.1-nano,openai:gpt-4.1-mini --margin 0.05 --apply",
                "  apprentice learn history; apprentice learn undo d-20261202-101500-ab12cd"})
final class LearnCommand implements Callable<Integer> {
    static final int DEFAULT_HOLDOUT = 24;

    private final Cli cli;

    @Parameters(index = "0", arity = "0..1", paramLabel = "ENV", description = "Environment name or a folder of tasks; see 'apprentice env list'.") String env;
    @Mixin AgentOptions options = new AgentOptions();
    @Option(names = "--reflector-model", paramLabel = "PROVIDER:MODEL", description = "Model that proposes lessons (default: the agent's).") String reflectorModel;
    @Option(names = "--user-model", paramLabel = "PROVIDER:MODEL", description = "Model that plays the user (default: the agent's).") String userModel;
    @Option(names = "--split", paramLabel = "SPLIT", description = "Split of the training tasks (default: train, else the environment's first).") String split;
    @Option(names = "--holdout-split", paramLabel = "SPLIT", description = "Split of the held-out tasks (default: dev when the environment has it, else --split).") String holdoutSplit;
    @Option(names = "--train", paramLabel = "LIST", description = "Training task indices, e.g. 0-39 (default: the rest of the split).") String train;
    @Option(names = "--holdout", paramLabel = "LIST", description = "Held-out task indices (default: " + DEFAULT_HOLDOUT + " tasks drawn with the seed).") String holdout;
    @Option(names = "-k", defaultValue = "1", description = "Trials per held-out task, and the k of the gate's pass^k (default ${DEFAULT-VALUE}).") int k;
    @Option(names = "--budget", paramLabel = "ROLLOUTS", defaultValue = "300", description = "Most trials to spend, training and gate together (default ${DEFAULT-VALUE}).") int budget;
    @Option(names = "--batch", paramLabel = "N", defaultValue = "4", description = "Training tasks per round (default ${DEFAULT-VALUE}).") int batch;
    @Option(names = "--margin", paramLabel = "M", defaultValue = "0", description = "Also accept a candidate at least 10%% cheaper whose pass^k interval stays above -M (default 0: off).") double margin;
    @Option(names = "--proposals", paramLabel = "FILE", description = "Candidates from a file (Markdown blocks separated by ---, or JSON lines) instead of a reflector.") Path proposals;
    @Option(names = "--from-runs", description = "Learn from everyday runs people judged (feedback, corrections) instead of training rollouts; the lessons are for every run (scope user) and are gated on ENV.") boolean fromRuns;
    @Option(names = "--since", paramLabel = "WHEN", description = "With --from-runs: runs since a date (2026-11-01), an instant, or a duration ago (7d, 12h).") String since;
    @Option(names = "--skills", description = "Give the agent under test the skills index, and let the reflector propose skills (new ones, or changed SKILL.md files); accepted skills are installed in $APPRENTICE_HOME/skills.") boolean skills;
    @Option(names = "--examples", description = "Also offer successful training runs as demonstrations for similar tasks (shown to the model as context), each kept only if the gate shows it helps.") boolean examples;
    @Option(names = "--dry-run", description = "Report what would be accepted without making it live.") boolean dryRun;
    @Option(names = "--apply", description = "With --from-runs: make accepted lessons live (they reach every run of the user, so without it the run only reports).") boolean applyFromRuns;
    @Option(names = "--concurrency", defaultValue = "2", description = "Trials at once (default ${DEFAULT-VALUE}).") int concurrency;
    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--data", paramLabel = "DIR", description = "Data folder of the environment (tau-bench: the folder with retail/, airline/, tasks/).") Path data;
    @Option(names = "--report", paramLabel = "FILE.html", description = "Write an HTML report (with .json beside it).") Path report;
    @Option(names = "--json", description = "Print the report as JSON.") boolean json;
    @Mixin EngineOptions engine = new EngineOptions();

    LearnCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        if (env == null) throw new UsageException("Name an environment: apprentice learn ENV (see 'apprentice env list'), or a subcommand: gate, status, history, show, undo");
        engine.check();
        var environment = environment(cli, env, data);
        String trainSplit = split != null ? split : environment.splits().contains("train") ? "train" : environment.splits().getFirst();
        String heldSplit = holdoutSplit != null ? holdoutSplit
                : environment.splits().contains("dev") && !"dev".equals(trainSplit) ? "dev" : trainSplit;
        for (var s : List.of(trainSplit, heldSplit)) {
            if (!environment.splits().contains(s)) throw new UsageException(environment.name() + " has no split '" + s + "'; it has " + environment.splits());
        }
        var tasks = chooseTasks(environment, trainSplit, heldSplit);
        LearningLoop.Config config;
        try {
            config = new LearningLoop.Config(trainSplit, tasks.get(0), heldSplit, tasks.get(1), new Gate.Options(k, margin, 0.1, true),
                    budget, batch, seed, !dryRun && (!fromRuns || applyFromRuns), fromRuns ? Scopes.USER : null);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
        cli.trustIfAsked(options, options.workspaceOrCwd());
        var session = cli.session(options.workspaceOrCwd(), options.flags());
        Reflector reflector;
        if (proposals != null) {
            try {
                reflector = new FileProposer(Proposals.read(proposals, fromRuns ? Scopes.USER : Scopes.environment(environment.name())));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), e);
            }
        } else {
            var model = reflectorModel == null ? session.model() : cli.session(options.workspaceOrCwd(), withModel(options, reflectorModel)).model();
            reflector = skills ? new ModelReflector(model).proposingSkills() : new ModelReflector(model);
        }
        var stored = fromRuns ? StoredRuns.judged(cli.store(), since(since), 1000) : null;
        if (fromRuns && stored.isEmpty()) {
            cli.err.println("No judged runs" + (since != null ? " since " + since : "") + ": rate runs with 'apprentice runs feedback RUN --good|--bad',"
                    + " or /good, /bad and /fix in a session, then learn from them.");
            return 0;
        }
        var evaluator = new Evaluator(environment, Learning.agent(environment.name(), skills, false), users(cli, options, session, environment, userModel),
                cli.home().resolve("evals"), cli.store(), concurrency);
        if (!json) evaluator.onTrial(trialProgress(cli));
        onEngine(cli, engine, evaluator, env, data, options, userModel, skills);
        var loop = new LearningLoop(evaluator, session, reflector, cli.harness().lessonSimilarity(), cli.store(), cli.harness().learned(), config, stored);
        if (skills) loop.withSkills(cli.home().resolve("skills"));
        if (examples) loop.withExamples();
        if (!json) {
            cli.err.printf("learning on %s: %d training tasks (%s), %d held out (%s), pass^%d gate, budget %d rollouts%s%n", environment.name(),
                    config.train().size(), trainSplit, config.holdout().size(), heldSplit, k, budget,
                    config.apply() ? "" : fromRuns && !dryRun ? " (report only: add --apply to make accepted lessons live)" : " (dry run)");
        }
        var result = loop.run(line -> { if (!json) cli.err.println("\r" + Visible.escape(line) + " ".repeat(20)); });
        if (report != null) LearnReport.write(report, result);
        if (json) {
            cli.out.println(Visible.escapeText(result.toPrettyString()));
        } else {
            cli.out.printf("%s: %d accepted, %d rejected, %d rollouts (%d training, %d gate); %s%n", result.path("id").asText(),
                    result.path("accepted").asInt(), result.path("rejected").asInt(), result.at("/rollouts/total").asInt(),
                    result.at("/rollouts/train").asInt(), result.at("/rollouts/gate").asInt(), result.path("stop_reason").asText());
            var curve = result.path("curve");
            if (!curve.isEmpty()) {
                cli.out.printf("held-out pass^%d: %.3f -> %.3f%n", k, curve.get(0).path("pass_hat_k").asDouble(), curve.get(curve.size() - 1).path("pass_hat_k").asDouble());
            }
            for (var d : result.path("decisions")) {
                cli.out.printf("  %s %s: %s%n", d.path("accepted").asBoolean() ? "accepted" : "rejected", Visible.escape(d.path("candidate").asText()),
                        Visible.escape(d.path("reason").asText()));
            }
            if (report != null) cli.out.println("report: " + report.toAbsolutePath());
            if (config.apply() && result.path("accepted").asInt() > 0) cli.out.println("undo a change with: apprentice learn undo DECISION (see 'apprentice learn history')");
        }
        return 0;
    }

    /**
     * With {@code --engine temporal}: the evaluator's trials go to the cluster's workers, each evaluation a workflow whose
     * meta describes the agent under test as this process would build it (the session's overlay: playbook, candidate
     * skills, scopes), so that a worker plays the same agent. The workers must share this process's store (their
     * trials' runs are what the reflector reads).
     */
    static void onEngine(Cli cli, EngineOptions engine, Evaluator evaluator, String env, Path data, AgentOptions options, String userModel, boolean skills) {
        if (!engine.onTemporal()) return;
        var connection = cli.closeLater(engine.connect(cli.env));
        String envRef = EvalCommand.envRef(env);
        evaluator.onEngine((evalId, split, session) -> {
            var meta = ai.apprentice.json.Json.object().put("env", envRef).put("split", split).put("agent", "")
                    .put("model", options.model == null ? "" : options.model).put("user_model", userModel == null ? "" : userModel)
                    .put("data", data == null ? "" : data.toAbsolutePath().toString()).put("skills", skills).put("memory", false)
                    .put("workspace", options.workspaceOrCwd().toString());
            meta.set("flags", ai.apprentice.json.Json.MAPPER.valueToTree(options.flags()));
            meta.set("session", session.overlay());
            return new ai.apprentice.temporal.eval.TemporalTrialExecutor(connection.client(), evalId, meta.toString(), engine.trialOptions());
        });
    }

    /** [train, holdout]: the lists given, else the seeded defaults; the two never share a task of the same split. */
    private List<List<Integer>> chooseTasks(Environment environment, String trainSplit, String heldSplit) {
        List<Integer> trainTasks, heldTasks;
        try {
            trainTasks = train == null ? null : EvalCommand.parseTasks(train, environment.size(trainSplit));
            heldTasks = holdout == null ? null : EvalCommand.parseTasks(holdout, environment.size(heldSplit));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
        boolean same = trainSplit.equals(heldSplit);
        if (heldTasks == null) {
            var pool = new ArrayList<>(EvalCommand.parseTasks("", environment.size(heldSplit)));
            if (same && trainTasks != null) pool.removeAll(trainTasks);
            Collections.shuffle(pool, new Random(seed));
            int n = Math.min(DEFAULT_HOLDOUT, same ? pool.size() / 2 : pool.size());
            heldTasks = new ArrayList<>(pool.subList(0, n));
            Collections.sort(heldTasks);
        }
        if (trainTasks == null) {
            var pool = new ArrayList<>(EvalCommand.parseTasks("", environment.size(trainSplit)));
            if (same) pool.removeAll(heldTasks);
            trainTasks = pool;
        }
        return List.of(trainTasks, heldTasks);
    }

    /** The agent's flags with another model (the reflector's, the simulated user's). */
    static java.util.Map<String, Object> withModel(AgentOptions options, String model) {
        var flags = new java.util.LinkedHashMap<>(options.flags());
        flags.put("model", model);
        return flags;
    }

    /** The environment's own user, played by {@code userModel} (default: the session's model). */
    static Supplier<UserSimulator> users(Cli cli, AgentOptions options, Session session, Environment environment, String userModel) {
        var model = userModel == null ? session.model() : cli.session(options.workspaceOrCwd(), withModel(options, userModel)).model();
        return () -> environment.user(model);
    }

    static Environment environment(Cli cli, String name, Path data) {
        try {
            return EnvironmentProvider.byName(name, data != null ? data : cli.home().resolve("data/taubench"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
    }

    /** One line on stderr, rewritten after each trial: which evaluation, how many trials, how many succeeded. */
    static java.util.function.BiConsumer<String, ai.apprentice.eval.TrialResult> trialProgress(Cli cli) {
        var counts = new java.util.concurrent.ConcurrentHashMap<String, int[]>();
        return (label, trial) -> {
            var c = counts.computeIfAbsent(label, l -> new int[2]);
            synchronized (c) {
                c[0]++;
                if (trial.success()) c[1]++;
                cli.err.printf("\r  %s: %d trials, %d succeeded   ", Visible.escape(label), c[0], c[1]);
                cli.err.flush();
            }
        };
    }

    /** A date, an instant or an age ago ({@link ai.apprentice.learn.dataset.TimeSpec}); null when not given. */
    static Instant since(String when) {
        if (when == null) return null;
        try {
            return ai.apprentice.learn.dataset.TimeSpec.parse(when, Instant.now());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--since: " + e.getMessage(), e);
        }
    }

    /** What 'learn gate' and 'learn route' share: the agent, the tasks both arms play, and how. */
    static final class Arms {
        @Mixin AgentOptions options = new AgentOptions();
        @Option(names = "--user-model", paramLabel = "PROVIDER:MODEL", description = "Model that plays the user (default: the agent's).") String userModel;
        @Option(names = "--split", defaultValue = "test", description = "Task split (default ${DEFAULT-VALUE}).") String split;
        @Option(names = "--tasks", paramLabel = "LIST", description = "Task indices, e.g. 0-49,60 (default: all).") String tasks;
        @Option(names = "-k", defaultValue = "1", description = "Trials per task, and the k of pass^k (default ${DEFAULT-VALUE}).") int k;
        @Option(names = "--concurrency", defaultValue = "2", description = "Trials at once (default ${DEFAULT-VALUE}).") int concurrency;
        @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).") long seed;
        @Option(names = "--data", paramLabel = "DIR", description = "Data folder of the environment.") Path data;
        @Option(names = "--json", description = "Print the result as JSON.") boolean json;
        @Mixin EngineOptions engine = new EngineOptions();

        String envName;
        Environment environment;
        List<Integer> indices;
        Session session;

        /** Resolves the environment, the split and the tasks (usage errors first), then the session. */
        void resolve(Cli cli, String env) {
            engine.check();
            envName = env;
            environment = LearnCommand.environment(cli, env, data);
            if (!environment.splits().contains(split)) throw new UsageException(environment.name() + " has no split '" + split + "'; it has " + environment.splits());
            try {
                indices = EvalCommand.parseTasks(tasks, environment.size(split));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), e);
            }
        }

        /** The evaluator of the arms: the environment's agent as 'eval' assembles it, the environment's user, progress unless --json. */
        Evaluator evaluator(Cli cli, boolean skills) {
            cli.trustIfAsked(options, options.workspaceOrCwd());
            session = cli.session(options.workspaceOrCwd(), options.flags());
            var evaluator = new Evaluator(environment, Learning.agent(environment.name(), skills, false), users(cli, options, session, environment, userModel),
                    cli.home().resolve("evals"), cli.store(), concurrency);
            if (!json) evaluator.onTrial(trialProgress(cli));
            onEngine(cli, engine, evaluator, envName, data, options, userModel, skills);
            return evaluator;
        }
    }

    @Command(name = "gate", mixinStandardHelpOptions = true, description = {"Evaluate the agent with and without a candidate on the same tasks and say whether the gate accepts it.",
            "FILE is Markdown lessons (all tested together; blocks separated by --- count as one candidate here) or a skill folder."},
            footer = {"", "Exit 0 whether accepted or not; 2 on usage errors. With --json: accepted, k, delta, ci95, incumbent_eval, candidate_eval, ...",
                    "Example: apprentice learn gate textworld --candidate lessons.md --tasks 0-23 -k 2 --json"})
    static final class GateCommand implements Callable<Integer> {
        private final Cli cli;
        @Parameters(index = "0", paramLabel = "ENV", description = "Environment name or a folder of tasks.") String env;
        @Option(names = "--candidate", required = true, paramLabel = "FILE", description = "Markdown lessons, or a skill folder with SKILL.md.") Path candidate;
        @Mixin Arms arms = new Arms();
        @Option(names = "--margin", paramLabel = "M", defaultValue = "0", description = "Also accept a candidate at least 10%% cheaper whose interval stays above -M (default 0: off).") double margin;
        @Option(names = "--no-early-stop", description = "Evaluate every task even when the first half shows no gain.") boolean noEarlyStop;
        @Option(names = "--apply", description = "Make the candidate live if the gate accepts it (undo with 'apprentice learn undo').") boolean apply;

        GateCommand(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            arms.resolve(cli, env);
            var environment = arms.environment;
            Candidate c;
            Gate.Options o;
            try {
                c = Proposals.gateCandidate(candidate, Scopes.environment(environment.name()));
                var measured = Scopes.environment(environment.name());
                for (var e : c.edits()) {
                    if (e.scope() != null && !e.scope().equals(measured)) {
                        throw new IllegalArgumentException("the candidate adds a lesson for " + e.scope() + ", which " + environment.name()
                                + "'s agent does not read, so the gate could not measure it; use scope " + measured + " (or leave scope out)");
                    }
                }
                o = new Gate.Options(arms.k, margin, 0.1, !noEarlyStop);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), e);
            }
            var evaluator = arms.evaluator(cli, c.isSkill());
            if (!arms.json) {
                cli.err.printf("gating %s on %s %s: %d tasks x %d trials per arm%n", Visible.escape(c.title()), environment.name(), arms.split,
                        arms.indices.size(), arms.k);
            }
            var verdict = new Learning(cli.harness()).gate(evaluator, arms.session, c, arms.split, arms.indices, o, arms.seed, apply);
            if (arms.json) {
                cli.out.println(Visible.escapeText(verdict.toPrettyString()));
            } else {
                cli.err.println(); // ends the progress line
                cli.out.printf("%s: %s%n", verdict.path("accepted").asBoolean() ? "accepted" : "rejected", Visible.escape(verdict.path("reason").asText()));
                if (!verdict.path("incumbent_eval").isNull()) {
                    cli.out.printf("  incumbent pass^%d %.3f (%s), candidate %.3f (%s); %d rollouts%n", arms.k, verdict.path("incumbent_pass_hat_k").asDouble(),
                            verdict.path("incumbent_eval").asText(), verdict.path("candidate_pass_hat_k").asDouble(), verdict.path("candidate_eval").asText(),
                            verdict.path("rollouts").asInt());
                }
                cli.out.println("  decision " + verdict.path("decision").asText() + (verdict.path("applied").asBoolean() ? " (now live)" : ""));
            }
            return 0;
        }
    }

    @Command(name = "route", mixinStandardHelpOptions = true, description = {"Learn which model runs an environment's agents, from reward and cost.",
            "Each model listed is gated in turn against the incumbent (the routed model, else --model's) on the same tasks; one is taken",
            "when it is better, or non-inferior within --margin and at least 10% cheaper. With --apply the choice goes live (undo with learn undo)."},
            footer = {"", "Example: apprentice learn route sql --model openai:gpt-4.1 --models openai:gpt-4.1-mini,openai:gpt-4.1-nano --tasks 0-59 --margin 0.05 --apply"})
    static final class Route implements Callable<Integer> {
        private final Cli cli;
        @Parameters(index = "0", paramLabel = "ENV", description = "Environment name or a folder of tasks.") String env;
        @Option(names = "--models", required = true, split = ",", paramLabel = "M1,M2", description = "Models to try, in order (PROVIDER:MODEL).") List<String> models;
        @Mixin Arms arms = new Arms();
        @Option(names = "--margin", paramLabel = "M", defaultValue = "0.05", description = "How much lower pass^k a cheaper model may have at its interval's low end (default ${DEFAULT-VALUE}).") double margin;
        @Option(names = "--apply", description = "Make the chosen model live for this environment's agents.") boolean apply;

        Route(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            arms.resolve(cli, env);
            if (arms.indices.size() < Gate.MIN_TASKS) {
                throw new UsageException("the gate needs at least " + Gate.MIN_TASKS + " tasks, --tasks gives " + arms.indices.size());
            }
            Gate.Options o;
            try {
                o = new Gate.Options(arms.k, margin, 0.1, true);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), e);
            }
            var evaluator = arms.evaluator(cli, false);
            var result = new Learning(cli.harness()).route(evaluator, arms.session, models, arms.split, arms.indices, o, arms.seed, apply);
            if (arms.json) {
                cli.out.println(Visible.escapeText(result.toPrettyString()));
                return 0;
            }
            cli.err.println();
            for (var d : result.path("decisions")) {
                cli.out.printf("%s %s (against %s): %s%n", d.path("accepted").asBoolean() ? "took" : "kept the incumbent over", d.path("model").asText(),
                        d.path("against").asText(), Visible.escape(d.path("reason").asText()));
            }
            cli.out.printf("%s's agents: %s%s%n", arms.environment.name(), result.path("chosen_model").asText(),
                    apply && !result.path("chosen_model").asText().equals(result.path("incumbent_model").asText()) ? " (now live)" : "");
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "What learning has made live: lessons by scope, learned skills, decisions, feedback waiting.")
    static final class Status implements Callable<Integer> {
        private final Cli cli;
        @Option(names = "--json", description = "As JSON.") boolean json;
        Status(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            var s = new Learning(cli.harness()).status();
            if (json) {
                cli.out.println(Visible.escapeText(s.toPrettyString()));
                return 0;
            }
            cli.out.printf("%d lessons live (budget %d tokens per scope)%n", s.path("lessons").asInt(), s.path("token_budget").asInt());
            s.path("scopes").fields().forEachRemaining(e -> cli.out.printf("  %s: %d lessons, %d tokens%n", e.getKey(),
                    e.getValue().path("lessons").asInt(), e.getValue().path("tokens").asInt()));
            if (!s.path("skills").isEmpty()) cli.out.println("learned skills: " + s.path("skills"));
            cli.out.printf("%d decisions, %d accepted%s%n", s.path("decisions").asInt(), s.path("accepted").asInt(),
                    s.has("last_decision") ? "; last: " + Visible.escape(s.path("last_decision").asText()) : "");
            cli.out.printf("of the last %d runs: %d with feedback, %d with corrections, %d with a reward%n", s.path("recent_runs").asInt(),
                    s.path("runs_with_feedback").asInt(), s.path("runs_with_corrections").asInt(), s.path("runs_with_reward").asInt());
            return 0;
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true, description = "Decisions of the gate, newest first.")
    static final class History implements Callable<Integer> {
        private final Cli cli;
        @Option(names = "--limit", defaultValue = "30", description = "How many (default ${DEFAULT-VALUE}).") int limit;
        @Option(names = "--json", description = "As JSON.") boolean json;
        History(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            var decisions = cli.harness().learned().decisions(limit);
            if (json) {
                var arr = Json.MAPPER.createArrayNode();
                decisions.forEach(d -> arr.add(decisionJson(d)));
                cli.out.println(Visible.escapeText(arr.toPrettyString()));
                return 0;
            }
            if (decisions.isEmpty()) cli.out.println("No decisions yet: try 'apprentice learn ENV' or 'apprentice learn gate ENV --candidate FILE'.");
            for (var d : decisions) {
                cli.out.printf("%s  %s  %-8s %s%s%s%n", d.id(), d.at().toString().substring(0, 19), d.accepted() ? "accepted" : "rejected",
                        d.env() == null ? "" : d.env() + ": ", Visible.escape(d.summary()), d.undoneBy() != null ? "  (undone)" : d.after() != null ? "  (live)" : "");
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One decision with its evidence (evaluations, difference, interval, cost).")
    static final class Show implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "ID", description = "A decision id or a unique prefix.") String id;
        Show(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            LearnedStore.Decision d;
            try {
                d = cli.harness().learned().decision(id).orElseThrow(() -> new UsageException("No decision '" + id + "'; see 'apprentice learn history'"));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), e);
            }
            cli.out.println(Visible.escapeText(decisionJson(d).toPrettyString()));
            return 0;
        }
    }

    @Command(name = "undo", mixinStandardHelpOptions = true, description = "Undo a decision: what it changed is restored byte for byte (undo later changes to the same artifact first).")
    static final class Undo implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "ID", description = "A decision id or a unique prefix.") String id;
        Undo(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            try {
                cli.out.println(Visible.escape(new Learning(cli.harness()).undo(id)));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), e);
            }
            return 0;
        }
    }

    static com.fasterxml.jackson.databind.node.ObjectNode decisionJson(LearnedStore.Decision d) {
        var o = Json.object().put("id", d.id()).put("at", d.at().toString()).put("kind", d.kind()).put("env", d.env()).put("accepted", d.accepted())
                .put("summary", d.summary()).put("artifact", d.artifact());
        if (d.before() != null) o.put("version_before", d.before());
        if (d.after() != null) o.put("version_after", d.after());
        if (d.undoneBy() != null) o.put("undone_by", d.undoneBy());
        o.set("evidence", Json.tree(d.evidence()));
        return o;
    }
}
