package ai.apprentice.cli;

import ai.apprentice.skills.SkillParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "skills", description = "Skills in the Agent Skills format: list, show, validate, new, install.",
        subcommands = {SkillsCommand.ListSkills.class, SkillsCommand.Show.class, SkillsCommand.Validate.class, SkillsCommand.New.class,
                SkillsCommand.Install.class})
final class SkillsCommand {
    /** The workspace whose skills are meant (default: the current directory). */
    static final class WorkspaceOption {
        @Option(names = {"-w", "--workspace"}, paramLabel = "DIR", description = "Workspace (default: current directory).")
        Path workspace;

        Path get() {
            return (workspace == null ? Path.of("") : workspace).toAbsolutePath().normalize();
        }
    }

    @Command(name = "list", description = "List the skills an agent here would see, with where each comes from.")
    static final class ListSkills implements Callable<Integer> {
        private final Cli cli;
        @picocli.CommandLine.Mixin WorkspaceOption ws = new WorkspaceOption();
        ListSkills(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            var catalog = cli.harness().skills(ws.get());
            if (catalog.skills().isEmpty()) {
                cli.out.println("No skills found. Create one with: apprentice skills new NAME");
            }
            for (var s : catalog.skills()) {
                cli.out.printf("%-28s %-16s %s%n", catalog.nameOf(s), s.source(), EventPrinter.preview(s.description()));
            }
            catalog.shadowed().forEach(s -> cli.err.println("note: " + s));
            return 0;
        }
    }

    @Command(name = "show", description = "Show a skill's fields, instructions and files.")
    static final class Show implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "NAME") String name;
        @picocli.CommandLine.Mixin WorkspaceOption ws = new WorkspaceOption();
        Show(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            var catalog = cli.harness().skills(ws.get());
            var skill = catalog.get(name).orElseThrow(() -> new UsageException("No skill named '" + name + "'. See: apprentice skills list"));
            cli.out.println("name:        " + skill.name());
            cli.out.println("description: " + skill.description());
            cli.out.println("folder:      " + skill.dir() + " (" + skill.source() + ")");
            if (skill.license() != null) cli.out.println("license:     " + skill.license());
            if (!skill.allowedTools().isEmpty()) cli.out.println("tools:       " + String.join(" ", skill.allowedTools()));
            cli.out.println();
            cli.out.println(skill.body());
            var files = skill.files();
            if (!files.isEmpty()) cli.out.println("\nfiles:\n  " + String.join("\n  ", files));
            return 0;
        }
    }

    @Command(name = "validate", description = "Check skill folders against the Agent Skills specification; exit 1 on any problem.")
    static final class Validate implements Callable<Integer> {
        private final Cli cli;
        @Parameters(arity = "1..*", paramLabel = "DIR", description = "Skill folders (each with a SKILL.md).") java.util.List<Path> dirs;
        Validate(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            int bad = 0;
            for (var dir : dirs) {
                if (!Files.isRegularFile(dir.resolve("SKILL.md"))) {
                    cli.err.println(dir + ": error: no SKILL.md in this folder");
                    bad++;
                    continue;
                }
                var result = SkillParser.parse(dir, "validate");
                result.problems().forEach(p -> cli.err.println(p));
                if (result.clean()) cli.out.println(dir + ": ok (" + result.skill().name() + ")");
                else bad++;
            }
            return bad == 0 ? 0 : 1;
        }
    }

    @Command(name = "new", description = "Create a skill folder with a SKILL.md template.")
    static final class New implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "NAME", description = "lowercase-with-hyphens") String name;
        @Option(names = {"-d", "--description"}, description = "What the skill does and when to use it.") String description;
        @Option(names = "--user", description = "Create it in $APPRENTICE_HOME/skills instead of <workspace>/.apprentice/skills.") boolean user;
        @picocli.CommandLine.Mixin WorkspaceOption ws = new WorkspaceOption();
        New(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            if (!name.matches("[a-z0-9]+(-[a-z0-9]+)*") || name.length() > 64) {
                throw new UsageException("Skill names are 1-64 lowercase letters, digits and single hyphens, e.g. review-pr");
            }
            var root = user ? cli.home().resolve("skills") : ws.get().resolve(".apprentice/skills");
            var dir = root.resolve(name);
            if (Files.exists(dir)) throw new UsageException(dir + " already exists");
            Files.createDirectories(dir.resolve("scripts"));
            Files.createDirectories(dir.resolve("references"));
            var desc = description != null ? description : "TODO: what this skill does, and when to use it.";
            Files.writeString(dir.resolve("SKILL.md"), """
                    ---
                    name: %s
                    description: %s
                    ---
                    # %s

                    ## When to use
                    TODO

                    ## Steps
                    1. TODO

                    Put deterministic steps in scripts/ and run them with run_shell; put long reference material in
                    references/ and read it with read_file only when needed.
                    """.formatted(name, desc.replace("\n", " "), name));
            cli.out.println("Created " + dir.resolve("SKILL.md") + "; check it with: apprentice skills validate " + dir);
            return 0;
        }
    }

    /**
     * A person's step: the folders agents load skills from are read-only to agents (a skill can pre-approve tools),
     * so a skill an agent drafted (skill-creator writes to skills/NAME) is installed by a person, after reading it.
     */
    @Command(name = "install", description = "Validate a skill folder and copy it to <workspace>/.apprentice/skills (or, with --user, "
            + "$APPRENTICE_HOME/skills), where agents find it.",
            footer = {"", "Example: apprentice skills install skills/release-notes"})
    static final class Install implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "DIR", description = "The skill folder, with its SKILL.md.") Path dir;
        @Option(names = "--user", description = "Install for every workspace: $APPRENTICE_HOME/skills.") boolean user;
        @Option(names = "--force", description = "Replace an installed skill of the same name.") boolean force;
        @picocli.CommandLine.Mixin WorkspaceOption ws = new WorkspaceOption();
        Install(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            var source = dir.toAbsolutePath().normalize();
            if (!Files.isRegularFile(source.resolve("SKILL.md"))) throw new UsageException(source + " has no SKILL.md");
            var result = SkillParser.parse(source, "install");
            if (!result.clean()) {
                result.problems().forEach(p -> cli.err.println(p));
                throw new UsageException("Not installed: fix the problems above (apprentice skills validate " + dir + ")");
            }
            var target = (user ? cli.home().resolve("skills") : ws.get().resolve(".apprentice/skills")).resolve(result.skill().name());
            if (Files.exists(target) && !force) throw new UsageException(target + " exists; pass --force to replace it");
            var tmp = target.resolveSibling("." + target.getFileName() + ".installing");
            Trees.deleteTree(tmp);
            Files.createDirectories(tmp.getParent());
            try (var walk = Files.walk(source)) {
                for (var p : walk.toList()) {
                    if (Files.isSymbolicLink(p)) continue; // a link could point anywhere: copy files, not links
                    var to = tmp.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) Files.createDirectories(to);
                    else Files.copy(p, to);
                }
            }
            Trees.deleteTree(target);
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            cli.out.println("Installed " + result.skill().name() + " in " + target);
            return 0;
        }
    }
}
