package ai.apprentice.cli;

import ai.apprentice.channels.triggers.Definition;
import ai.apprentice.channels.triggers.Template;
import ai.apprentice.channels.triggers.Trigger;
import ai.apprentice.channels.triggers.TriggerException;
import ai.apprentice.channels.triggers.TriggerJson;
import ai.apprentice.channels.triggers.TriggerStore;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "triggers", description = "Agents started by events instead of prompts: schedules, signed webhooks, watched folders.",
        subcommands = {TriggersCommand.Add.class, TriggersCommand.ListTriggers.class, TriggersCommand.Remove.class, TriggersCommand.Fire.class},
        footer = {"", "Triggers are kept in $APPRENTICE_HOME/server/triggers.db; apprentice serve runs them (a change here is picked up within a second).",
                "Every triggered run records its origin trigger:NAME (GET /api/runs/ID). The web UI has a Triggers page.",
                "Examples:",
                "  apprentice triggers add nightly --cron '30 2 * * *' --tz Europe/Berlin --task 'Tidy the logs' --workspace ops",
                "  apprentice triggers add review --webhook --github --task 'Review pull request #{{pull_request.number}} with the code-review skill'",
                "  apprentice triggers add inbox --watch inbox --task 'Summarise {{path}}' --workspace docs",
                "  apprentice triggers list", "  apprentice triggers fire nightly", "  apprentice triggers remove nightly"})
final class TriggersCommand implements Callable<Integer> {
    TriggersCommand(Cli cli) {}

    @Override
    public Integer call() {
        throw new UsageException("say what to do: apprentice triggers add|list|remove|fire (see apprentice triggers --help)");
    }

    static Path root(Path root) {
        var r = (root == null ? Path.of("") : root).toAbsolutePath().normalize();
        if (!Files.isDirectory(r)) throw new UsageException("--root " + r + " is not a directory");
        return r;
    }

    @Command(name = "add", description = "Add a trigger: a task started by a schedule, a signed webhook or a watched folder.",
            footer = {"", "Exactly one of --cron, --webhook and --watch. The task may use {{placeholders}}: a webhook's JSON payload",
                    "({{pull_request.title}}, {{issue.number}}, {{comment.body}}), a file's {{path}}, a schedule's {{due_at}}; text from",
                    "an event is marked as untrusted data in the task. A webhook's secret is read from the server's environment, never stored.",
                    "A GitHub webhook starts runs for pull requests opened or reopened, issues opened and comments created that mention",
                    "the agent (--mention), and posts each answer as a comment with the token in --token-env.",
                    "Examples:",
                    "  apprentice triggers add standup --cron '0 9 * * 1-5' --tz America/New_York --task 'Summarise yesterday's commits'",
                    "  apprentice triggers add deploy --webhook --secret-env DEPLOY_SECRET --task 'Deploy {{ref}}'",
                    "  apprentice triggers add review --webhook --github --mention @apprentice --task 'Review {{pull_request.html_url}}'",
                    "  apprentice triggers add inbox --watch inbox --workspace docs --task 'Summarise {{path}} into summaries/'"})
    static final class Add implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "NAME", description = "A-Z a-z 0-9 _ . - (a webhook is served at /hooks/NAME).") String name;
        @Option(names = "--task", required = true, paramLabel = "TEXT", description = "What the agent should do; {{placeholders}} come from the event.") String task;
        @Option(names = "--workspace", paramLabel = "W", description = "Where the runs work, under the server's root (default: the root).") String workspace;
        @Option(names = "--root", paramLabel = "DIR", description = "The server's --root, which the workspace must lie under (default: the current directory).") Path root;
        @Option(names = "--cron", paramLabel = "EXPR", description = "A schedule: minute hour day-of-month month day-of-week, e.g. '0 9 * * 1-5'.") String cron;
        @Option(names = "--tz", paramLabel = "ZONE", description = "The schedule's time zone, e.g. Europe/Berlin (default: this machine's).") String tz;
        @Option(names = "--missed", paramLabel = "POLICY", description = "A fire due while no server ran: run-once (default; the latest runs after the start) or skip.") String missed;
        @Option(names = "--webhook", description = "Start the task on a signed POST /hooks/NAME.") boolean webhook;
        @Option(names = "--secret-env", paramLabel = "VAR", description = "The environment variable with the HMAC secret (default APPRENTICE_WEBHOOK_SECRET, with --github GITHUB_WEBHOOK_SECRET).") String secretEnv;
        @Option(names = "--github", description = "GitHub's webhooks: X-Hub-Signature-256, events, answers posted as comments.") boolean github;
        @Option(names = "--mention", paramLabel = "@LOGIN", description = "What an issue or comment must mention to start a run (default @apprentice).") String mention;
        @Option(names = "--token-env", paramLabel = "VAR", description = "The environment variable with the token comments are posted with (default GITHUB_TOKEN).") String tokenEnv;
        @Option(names = "--api-url", paramLabel = "URL", description = "GitHub's REST API (default https://api.github.com; GitHub Enterprise: https://HOST/api/v3).") String apiUrl;
        @Option(names = "--watch", paramLabel = "DIR", description = "Start the task for new or changed files in this folder of the workspace.") String watch;

        Add(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            var now = Instant.now();
            try (var store = TriggerStore.open(cli.home(), cli.env)) {
                var t = new Definition(name, task, workspace, cron, tz, missed, webhook, secretEnv, github, mention, tokenEnv, apiUrl, watch)
                        .build(root(root), now);
                store.add(t);
                var view = TriggerJson.of(t, Optional.empty(), now, cli.env);
                cli.out.println("added trigger " + t.name() + ": " + summary(view));
                cli.out.println("  task: " + t.task());
                cli.out.println("  workspace: " + (t.workspace().isEmpty() ? "the server's root" : t.workspace() + " (under the server's root)"));
                if (t.source() instanceof Trigger.Webhook w) {
                    cli.out.println("  URL path: POST " + t.hookPath());
                    for (var env : w.github() ? new String[] {w.secretEnv(), w.tokenEnv()} : new String[] {w.secretEnv()}) {
                        if (cli.env.get(env) == null) cli.err.println("note: " + env + " is not set here; apprentice serve needs it in its environment");
                    }
                }
                cli.err.println("a running apprentice serve picks it up within a second");
            } catch (TriggerException e) {
                throw new UsageException(e.getMessage(), e);
            }
            return 0;
        }
    }

    /** One line for a trigger: what starts it and where. */
    static String summary(JsonNode t) {
        return switch (t.path("kind").asText()) {
            case "schedule" -> "schedule '" + t.path("cron").asText() + "' in " + t.path("zone").asText() + " (" + t.path("description").asText() + ")"
                    + (t.has("next_fire_at") ? ", next " + t.path("next_fire_at").asText() : "") + ", missed: " + t.path("missed").asText();
            case "webhook" -> (t.path("github").asBoolean() ? "GitHub webhook" : "webhook") + " at POST " + t.path("path").asText() + ", signed with $"
                    + t.path("secret_env").asText() + (t.path("github").asBoolean() ? "; answers posted to " + t.path("api_url").asText() + " with $"
                    + t.path("token_env").asText() + ", mention " + t.path("mention").asText() : "");
            default -> "new or changed files in " + t.path("watch").asText();
        };
    }

    @Command(name = "list", description = "List triggers with what starts them and their latest fire.",
            footer = {"", "Examples:", "  apprentice triggers list", "  apprentice triggers list --json"})
    static final class ListTriggers implements Callable<Integer> {
        private final Cli cli;
        @Option(names = "--json", description = "Print a JSON array.") boolean json;

        ListTriggers(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            try (var store = TriggerStore.open(cli.home(), cli.env)) {
                var arr = Json.MAPPER.createArrayNode();
                for (var t : store.list()) arr.add(TriggerJson.of(t, store.fires(t.name(), 1).stream().findFirst(), Instant.now(), cli.env));
                if (json) {
                    cli.out.println(arr.toPrettyString());
                } else if (arr.isEmpty()) {
                    cli.out.println("No triggers. Add one with: apprentice triggers add NAME --cron EXPR --task TEXT (see apprentice triggers add --help)");
                } else {
                    for (var t : arr) {
                        cli.out.println(t.path("name").asText() + ": " + summary(t));
                        cli.out.println("  task: " + t.path("task").asText() + "  workspace: " + (t.path("workspace").asText().isEmpty() ? "(root)" : t.path("workspace").asText()));
                        var last = t.path("last_fire");
                        cli.out.println("  last fire: " + (last.isNull() ? "never" : last.path("fired_at").asText() + " " + last.path("status").asText()
                                + (last.has("run_id") ? " run " + last.path("run_id").asText() : "") + " (" + last.path("source").asText() + ")"));
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove a trigger; a running server stops serving its webhook within a second.",
            footer = {"", "Example:", "  apprentice triggers remove nightly"})
    static final class Remove implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "NAME") String name;

        Remove(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            try (var store = TriggerStore.open(cli.home(), cli.env)) {
                if (!store.remove(name)) throw new UsageException("No trigger '" + name + "'. See: apprentice triggers list");
                cli.out.println("removed trigger " + name);
            }
            return 0;
        }
    }

    @Command(name = "fire", description = "Run a trigger's task now, here (like apprentice run), recorded as a fire of the trigger.",
            footer = {"", "The run works in the trigger's workspace under --root; placeholders stay empty. Agent flags (--model, budgets) apply.",
                    "To start it in a running server instead: POST /api/triggers/NAME/fire, or Fire on the web UI's Triggers page.",
                    "Examples:", "  apprentice triggers fire nightly", "  apprentice triggers fire nightly --root ~/work --model openai:gpt-4.1-mini"})
    static final class Fire implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--root", paramLabel = "DIR", description = "The server's --root, which the trigger's workspace is under (default: the current directory).") Path root;
        @Option(names = "--json", description = "Print one JSON event per line; the last is run_finished.") boolean json;
        @Mixin AgentOptions options = new AgentOptions();

        Fire(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() throws Exception {
            if (options.workspace != null) throw new UsageException("fire runs in the trigger's workspace under --root, not --workspace");
            var r = root(root);
            String key;
            try (var store = TriggerStore.open(cli.home(), cli.env)) {
                var t = store.get(name).orElseThrow(() -> new UsageException("No trigger '" + name + "'. See: apprentice triggers list"));
                Path ws;
                try {
                    ws = r.resolve(Definition.relativeWorkspace(r, t.workspace()));
                    Files.createDirectories(ws);
                    if (!ws.toRealPath().startsWith(r.toRealPath())) throw new UsageException("The workspace " + t.workspace() + " leads outside " + r);
                } catch (TriggerException e) {
                    throw new UsageException(e.getMessage(), e);
                }
                cli.trustIfAsked(options, ws);
                var session = cli.session(ws, options.flags());
                var now = Instant.now();
                key = "manual:" + now + ":" + java.util.UUID.randomUUID().toString().substring(0, 8);
                store.claim(t.name(), key, "cli", "claimed", "apprentice triggers fire", now);
                var handle = session.start(Template.render(t.task(), Json.object(), false), RunCommand.printer(cli, json));
                store.started(t.name(), key, handle.runId(), null);
                cli.err.println("trigger " + t.name() + ": run " + handle.runId() + " in " + ws);
                return RunCommand.finish(cli, handle, json);
            }
        }
    }
}
