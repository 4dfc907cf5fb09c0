package ai.apprentice.cli;

import ai.apprentice.learn.dataset.Dataset;
import ai.apprentice.learn.dataset.DatasetExporter;
import ai.apprentice.learn.dataset.DatasetFormat;
import ai.apprentice.learn.dataset.TimeSpec;
import ai.apprentice.learn.dataset.ToolCatalog;
import ai.apprentice.redact.Redactor;
import ai.apprentice.redact.Visible;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "dataset", description = "Fine-tuning datasets from the run log: rewarded runs in OpenAI's or TRL's formats.",
        subcommands = {DatasetCommand.Export.class})
final class DatasetCommand {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.") boolean help;

    @Command(name = "export", description = {
            "Write the rewarded runs as a JSONL dataset for fine-tuning.",
            "",
            "FILE gets the training lines, and FILE with .valid before its extension (out.jsonl -> out.valid.jsonl) the "
                    + "validation lines, split by task so that no task is in both. A summary (lines written, runs skipped and "
                    + "why) goes to stderr, or as JSON to stdout with --json.",
            "",
            "A run's reward is its latest reward (from 'apprentice eval', say), else its latest feedback: --good 1, --bad 0, "
                    + "--score X. Runs with neither are not exported. Secrets are redacted in every string written, and "
                    + "identical lines are written once.",
            "",
            "Formats (see README.md, Datasets):",
            "* openai-sft: OpenAI's chat format, one run with reward >= --min-reward a line: messages with tool calls "
                    + "and their results, and the tools called.",
            "* trl-sft: TRL's conversational format (messages, a tools column), tool arguments as objects.",
            "* openai-dpo: OpenAI's preference format. Two runs of one task with different rewards: the messages both "
                    + "begin with are the input, their first differing assistant turns the preferred (the better run's) and "
                    + "the non-preferred output. OpenAI's DPO takes text outputs only, so pairs whose differing turn is a tool "
                    + "call are left out (trl-dpo keeps them).",
            "* trl-dpo: TRL's preference format: prompt, chosen, rejected; the same pairs, tool calls allowed.",
            "* trl-kto: TRL's unpaired preference format: prompt (all before a run's last assistant turn), completion "
                    + "(that turn), label (reward >= --min-reward).",
            ""},
            footer = {"", "Examples:",
                    "  apprentice dataset export --format openai-sft -o sft.jsonl",
                    "  apprentice dataset export -f trl-dpo --env textworld --since 7d -o dpo.jsonl",
                    "  apprentice dataset export -f trl-kto --valid-fraction 0 -o kto.jsonl --json",
                    "",
                    "The run log records tool calls, not the tools a model was given: definitions",
                    "of environments' tools and of the standard tools are looked up, others are",
                    "inferred from their calls (the summary names them).",
                    "Nothing to export is not an error: the files are written empty, the summary",
                    "says why, and the exit code is 0.",
                    "Exit codes: 0 written, 1 the file cannot be written, 2 a wrong option."})
    static final class Export implements Callable<Integer> {
        private final Cli cli;
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.") boolean help;
        @Option(names = {"-f", "--format"}, required = true, paramLabel = "FORMAT",
                description = "openai-sft, openai-dpo, trl-sft, trl-dpo or trl-kto.") String format;
        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "The training file (JSONL).") Path output;
        @Option(names = "--env", paramLabel = "E", description = "Only runs rewarded as tasks of environment E (their reward's task is E:...).") String env;
        @Option(names = "--min-reward", paramLabel = "R", description = "SFT: the reward a run needs (default 1.0). DPO: the reward the "
                + "better run needs (default any). KTO: the reward labelled true (default 1.0).") Double minReward;
        @Option(names = "--since", paramLabel = "T", description = "Only runs started at or after T: a date (2026-11-01, UTC), an instant "
                + "(2026-11-01T12:00:00Z) or an age (30m, 12h, 7d, 2w).") String since;
        @Option(names = "--valid-fraction", defaultValue = "0.1", paramLabel = "F",
                description = "Share of tasks held out for validation, 0 to 1 (default ${DEFAULT-VALUE}; 0: no validation file).") double validFraction;
        @Option(names = "--seed", defaultValue = "0", description = "Seed of the split by task (default ${DEFAULT-VALUE}).") long seed;
        @Option(names = "--json", description = "Print the summary as JSON on stdout.") boolean json;

        Export(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            DatasetExporter.Options options;
            try {
                var f = DatasetFormat.of(format);
                Instant from = since == null ? null : TimeSpec.parse(since, Instant.now());
                options = new DatasetExporter.Options(f, env, minReward, from, validFraction, seed);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage().replace("the validation fraction", "--valid-fraction")
                        .replace("the minimum reward", "--min-reward"), e);
            }
            var out = output.toAbsolutePath().normalize();
            var unwritable = unwritable(out);
            if (unwritable != null) {
                cli.err.println("apprentice: cannot write " + out + ": " + unwritable);
                return ExitCodes.RUN_FAILED;
            }
            var catalog = ToolCatalog.environments(cli.home().resolve("data/taubench")).orElse(ToolCatalog.standardTools());
            Dataset dataset = new DatasetExporter(cli.store(), Redactor.of(cli.env), catalog).export(options);
            try {
                dataset.write(out);
            } catch (IOException e) {
                cli.err.println("apprentice: cannot write " + out + ": " + e.getMessage());
                return ExitCodes.RUN_FAILED;
            }
            if (json) cli.out.println(Visible.escapeText(dataset.json(out).toPrettyString()));
            else cli.err.println(Visible.escapeText(dataset.text(out)));
            return ExitCodes.OK;
        }

        /** Why the files cannot be written there, or null: checked first, so that a long export does not end in it. */
        private static String unwritable(Path out) {
            if (Files.isDirectory(out)) return "it is a folder; give a file name, e.g. " + out.resolve("dataset.jsonl");
            var valid = Dataset.validFile(out);
            if (Files.isDirectory(valid)) return valid + " (the validation file) is a folder";
            var parent = out.getParent();
            if (parent == null || !Files.exists(parent)) return "the folder " + parent + " does not exist";
            if (!Files.isDirectory(parent)) return parent + " is not a folder";
            if (!Files.isWritable(parent)) return "the folder " + parent + " is not writable";
            if (Files.exists(out) && !Files.isWritable(out)) return "the file is not writable";
            return null;
        }
    }
}
