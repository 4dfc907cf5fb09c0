package ai.apprentice.cli;

import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.folder.FolderScaffold;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "env", description = "Environments for evaluation.",
        subcommands = {EnvCommand.ListEnvs.class, EnvCommand.Install.class, EnvCommand.New.class})
final class EnvCommand {
    @Command(name = "new", description = "Make a folder environment of your own tasks: NAME/ with environment.json, a README "
            + "and an example task (prompt, setup files, check, solution).")
    static final class New implements Callable<Integer> {
        private final Cli cli;
        @picocli.CommandLine.Parameters(paramLabel = "NAME", description = "The folder to make; the environment is named after it.") String name;
        @picocli.CommandLine.Option(names = "--dir", paramLabel = "PARENT", description = "Where to make NAME/ (default: the current folder).")
        java.nio.file.Path dir;
        New(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            FolderScaffold.Made made;
            try {
                made = FolderScaffold.create(dir != null ? dir : java.nio.file.Path.of(""), name);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), e);
            }
            // As the person will type it: ./NAME, or under the --dir they gave.
            String shown = dir == null ? "./" + name : dir.resolve(name).toString();
            cli.out.println("Made " + shown + ", an environment of your own tasks with one example task:");
            int width = made.parts().keySet().stream().mapToInt(String::length).max().orElse(0) + shown.length() + 1;
            made.parts().forEach((part, what) -> cli.out.printf("  %-" + width + "s  %s%n", shown + "/" + part, what));
            cli.out.println("Next:");
            cli.out.println("  apprentice eval " + shown + " --agent gold                  # the example scores 1: its check accepts solution/");
            cli.out.println("  apprentice eval " + shown + " --model PROVIDER:MODEL        # an agent on your tasks");
            cli.out.println("  apprentice learn gate " + shown + " --candidate lessons.md  # keep lessons only if they help on these tasks (the gate needs 6 or more)");
            cli.out.println("Add a task as another folder in " + shown + "/tasks/ (see " + shown + "/README.md).");
            var sandbox = ai.apprentice.tools.Sandbox.probe();
            if (!sandbox.available()) {
                cli.err.println("apprentice: note: the shell sandbox is not available here (" + sandbox.reason() + "), and the tasks run only "
                        + "in it unless environment.json says \"sandbox\": false, which runs the agent's commands and the checks as you (see SECURITY.md)");
            }
            return 0;
        }
    }

    @Command(name = "install", description = "Download an environment's public data (taubench: pinned upstream commit, SHA-256 checked).")
    static final class Install implements Callable<Integer> {
        private final Cli cli;
        @picocli.CommandLine.Parameters(paramLabel = "NAME", description = "taubench") String name;
        @picocli.CommandLine.Option(names = "--dir", paramLabel = "DIR", description = "Where to put it (default: $APPRENTICE_HOME/data/taubench).")
        java.nio.file.Path dir;
        @picocli.CommandLine.Option(names = "--base-url", paramLabel = "URL", description = "A mirror of the upstream files (default: the upstream repository).")
        String baseUrl;
        Install(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            if (!name.equals("taubench")) throw new UsageException("Only 'taubench' can be installed; other environments need no data");
            var target = dir != null ? dir : cli.home().resolve("data/taubench");
            String base = baseUrl != null ? baseUrl : cli.env.getOrDefault("APPRENTICE_TAUBENCH_URL", ai.apprentice.envs.taubench.TauInstaller.BASE_URL);
            try {
                new ai.apprentice.envs.taubench.TauInstaller(base, ai.apprentice.envs.taubench.TauInstaller.FILES).install(target, cli.err);
            } catch (java.io.IOException e) {
                cli.err.println("apprentice: " + e.getMessage());
                return ExitCodes.RUN_FAILED;
            }
            cli.out.println("Installed tau-bench data (commit " + ai.apprentice.envs.taubench.TauInstaller.COMMIT.substring(0, 7) + ") in " + target
                    + "; try: apprentice eval taubench-retail --agent gold --tasks 0-9");
            return 0;
        }
    }

    @Command(name = "list", description = "List the environments found on the class path.")
    static final class ListEnvs implements Callable<Integer> {
        private final Cli cli;
        ListEnvs(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            for (var p : EnvironmentProvider.all()) {
                for (var name : p.names()) cli.out.println(name);
            }
            cli.err.println("(and any folder of tasks, by its path: apprentice eval ./FOLDER; apprentice env new NAME makes one)");
            return 0;
        }
    }
}
