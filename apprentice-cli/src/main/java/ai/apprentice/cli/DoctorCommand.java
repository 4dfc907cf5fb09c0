package ai.apprentice.cli;

import ai.apprentice.tools.Sandbox;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "doctor", description = "Check this machine: Java, home directory, run store, sandbox, model.")
final class DoctorCommand implements Callable<Integer> {
    private final Cli cli;
    @Mixin AgentOptions options = new AgentOptions();

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
        try {
            int runs = cli.store().list(Integer.MAX_VALUE).size();
            line("run store", true, home.resolve("apprentice.db") + " (" + runs + " runs)");
        } catch (RuntimeException e) {
            line("run store", false, e.getMessage());
            problems++;
        }
        var sandbox = Sandbox.probe();
        line("sandbox", sandbox.available(), sandbox.reason());
        try {
            var workspace = options.workspaceOrCwd();
            var config = cli.config(workspace, options.flags());
            var model = config.model();
            if (model.isPresent()) {
                try {
                    cli.model(config, workspace);
                    line("model", true, model.get() + " (from " + config.sourceOf("model") + ")");
                } catch (UsageException e) {
                    line("model", false, model.get() + ": " + e.getMessage());
                    problems++;
                }
            } else {
                line("model", false, "none configured; see 'apprentice run' for how to choose one");
                problems++;
            }
        } catch (RuntimeException e) {
            line("config", false, e.getMessage());
            problems++;
        }
        return problems == 0 ? 0 : 1;
    }

    private void line(String what, boolean ok, String detail) {
        cli.out.printf("%s %-10s %s%n", ok ? "ok  " : "FAIL", what, detail);
    }
}
