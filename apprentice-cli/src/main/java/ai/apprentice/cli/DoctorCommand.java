package ai.apprentice.cli;

import ai.apprentice.tools.Sandbox;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "doctor", description = {"Check this machine: Java, home directory, run store, sandbox, model;",
        "and the Temporal engine with --temporal-target (or TEMPORAL_ADDRESS)."})
final class DoctorCommand implements Callable<Integer> {
    private final Cli cli;
    @Mixin AgentOptions options = new AgentOptions();
    @picocli.CommandLine.Option(names = "--temporal-target", paramLabel = "HOST:PORT",
            description = "Also check this Temporal frontend (default: $TEMPORAL_ADDRESS, else no engine check).") String temporalTarget;
    @picocli.CommandLine.Option(names = "--namespace", paramLabel = "N", description = "Temporal namespace (default: $TEMPORAL_NAMESPACE, else default).") String namespace;
    @Mixin TemporalTlsOptions tls = new TemporalTlsOptions();
    @picocli.CommandLine.Option(names = "--task-queue", paramLabel = "Q", description = "Task queue of evaluation trials whose workers to count, besides "
            + ai.apprentice.temporal.run.RunWorkers.TASK_QUEUE + " (default " + ai.apprentice.temporal.TemporalConnection.DEFAULT_TASK_QUEUE + ").") String taskQueue;

    DoctorCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        int problems = 0;
        line("java", true, Runtime.version() + " at " + System.getProperty("java.home"));
        var home = cli.home();
        boolean homeOk;
        try {
            Files.createDirectories(home);
            homeOk = Files.isWritable(home);
        } catch (java.io.IOException e) {
            homeOk = false;
        }
        line("home", homeOk, home + (homeOk ? "" : " is not writable (set APPRENTICE_HOME)"));
        if (!homeOk) problems++;
        problems += storeCheck(home);
        problems += engineCheck();
        var sandbox = Sandbox.probe();
        line("sandbox", sandbox.available(), sandbox.reason());
        for (var check : sandbox.checks()) { // each property as observed inside a probe sandbox
            if (check.state() == Sandbox.State.FAIL) problems++;
            cli.out.printf("%s   %-16s %s%n", switch (check.state()) {
                case OK -> "ok  ";
                case FAIL -> "FAIL";
                case NOT_AVAILABLE -> "n/a ";
            }, check.name(), check.state() == Sandbox.State.NOT_AVAILABLE ? "not available here: " + check.detail() : check.detail());
        }
        try {
            var workspace = options.workspaceOrCwd();
            var session = cli.session(options);
            var config = session.settings();
            var choice = session.modelChoice();
            try {
                var model = choice.spec().startsWith("local:") ? localStatus(choice.spec(), config) : null;
                if (model == null) session.model();
                line("model", true, choice.spec() + " (" + choice.reason() + ")" + (model == null ? "" : "; " + model));
            } catch (UsageException | ai.apprentice.harness.HarnessException e) {
                line("model", false, choice.spec() + " (" + choice.reason() + "): " + e.getMessage());
                problems++;
            }
        } catch (RuntimeException e) {
            line("config", false, e.getMessage());
            problems++;
        }
        return problems == 0 ? 0 : 1;
    }

    /** The Temporal engine, when one is named: it answers, its namespace exists, workers poll the task queue. */
    private int engineCheck() {
        var target = temporalTarget != null ? temporalTarget : cli.env.get("TEMPORAL_ADDRESS");
        if (target == null || target.isBlank()) return 0;
        var ns = namespace != null ? namespace : cli.env.getOrDefault("TEMPORAL_NAMESPACE", ai.apprentice.temporal.TemporalConnection.DEFAULT_NAMESPACE);
        var queue = taskQueue != null ? taskQueue : ai.apprentice.temporal.TemporalConnection.DEFAULT_TASK_QUEUE;
        // both queues a worker polls: the server's runs and the evaluations' trials
        ai.apprentice.temporal.TemporalAccess access;
        try {
            access = tls.access(cli.env);
        } catch (UsageException e) {
            line("engine", false, e.getMessage());
            return 1;
        }
        var report = ai.apprentice.temporal.EngineCheck.check(target.strip(), access, ns, java.util.List.of(ai.apprentice.temporal.run.RunWorkers.TASK_QUEUE, queue));
        line("engine", report.ok(), report.detail());
        return report.ok() ? 0 : 1;
    }

    /**
     * Which database holds the runs and memories, whether it answers, and its schema versions. Opening the run store
     * brings its schema up to date, as any command would. The URL is shown without a password (it never holds one).
     */
    private int storeCheck(java.nio.file.Path home) {
        ai.apprentice.harness.StoreSetting setting;
        try {
            setting = cli.harness().storeSetting();
        } catch (RuntimeException e) {
            line("run store", false, e.getMessage());
            return 1;
        }
        try {
            int runs = cli.store().list(Integer.MAX_VALUE).size();
            if (!setting.postgresql()) {
                line("run store", true, home.resolve("apprentice.db") + " (SQLite, " + runs + " runs)");
                return 0;
            }
            var db = cli.harness().database();
            var versions = db.schemaVersions();
            line("run store", true, "PostgreSQL " + db.serverVersion() + " at " + db + " (set by " + setting.source() + "; " + runs
                    + " runs; schema: " + versions.entrySet().stream().map(e -> e.getKey() + " v" + e.getValue()).collect(java.util.stream.Collectors.joining(", "))
                    + ")");
            return 0;
        } catch (RuntimeException e) {
            line("run store", false, e.getMessage()
                    + (setting.postgresql() ? ". To use the SQLite files in " + home + " instead, remove the store setting (or set " + ai.apprentice.harness.StoreSetting.ENV + "=sqlite)" : ""));
            return 1;
        }
    }

    /** Where a local model's file is, without loading it or downloading it. */
    private String localStatus(String spec, ai.apprentice.harness.config.Settings config) {
        var name = spec.substring("local:".length());
        if (ai.apprentice.local.ModelStore.isPath(name)) {
            var file = java.nio.file.Path.of(name).toAbsolutePath();
            if (!Files.isRegularFile(file)) throw new UsageException("the file " + file + " does not exist");
            return "file " + file;
        }
        try {
            var installed = cli.models().store().find(name);
            if (installed.isPresent()) return "downloaded, " + ai.apprentice.local.Catalog.size(installed.get().bytes()) + " in " + installed.get().file();
        } catch (java.io.IOException e) {
            throw new UsageException(e.getMessage(), e);
        }
        var entry = ai.apprentice.local.Catalog.find(name)
                .orElseThrow(() -> new UsageException("not downloaded and not in the catalogue; 'apprentice model list --available'"));
        if (config.localAutoPull()) return "not downloaded yet; the first run downloads it (about " + ai.apprentice.local.Catalog.size(entry.approxBytes()) + ")";
        throw new UsageException("not downloaded yet (about " + ai.apprentice.local.Catalog.size(entry.approxBytes())
                + "): run 'apprentice model pull " + name + "' or pass --yes to a run");
    }

    private void line(String what, boolean ok, String detail) {
        cli.out.printf("%s %-10s %s%n", ok ? "ok  " : "FAIL", what, detail);
    }
}
