package ai.apprentice.cli;

import ai.apprentice.json.Json;
import ai.apprentice.memory.Importer;
import ai.apprentice.memory.Memory;
import ai.apprentice.memory.MemoryStore;
import ai.apprentice.memory.MemoryTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "memory", description = "Long-term memory: add, recall, list, forget, history, undo, import, export, bench.",
        subcommands = {MemoryCommand.Add.class, MemoryCommand.Recall.class, MemoryCommand.ListMemories.class, MemoryCommand.Forget.class,
                MemoryCommand.History.class, MemoryCommand.Undo.class, MemoryCommand.Import.class, MemoryCommand.Export.class,
                MemoryCommand.Consolidate.class, MemoryCommand.Rebuild.class, MemoryCommand.Bench.class})
final class MemoryCommand {
    /** Which memories: the user's (default), this workspace's, or an agent's. */
    static final class ScopeOption {
        @Option(names = "--scope", paramLabel = "SCOPE", defaultValue = "user",
                description = "user (default), workspace (the current directory or -w), or agent:NAME.")
        String scope;
        @Option(names = {"-w", "--workspace"}, paramLabel = "DIR", description = "The workspace for --scope workspace.")
        Path workspace;

        String get() {
            if (scope.equals("workspace")) return Memory.workspace((workspace == null ? Path.of("") : workspace).toAbsolutePath().normalize().toString());
            try {
                return Memory.checkScope(scope);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
    }

    @Command(name = "add", description = "Remember a sentence.")
    static final class Add implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "TEXT", arity = "1..*") List<String> words;
        @Option(names = "--kind", defaultValue = "fact", description = "fact (default), preference, episode, lesson or document.") String kind;
        @Option(names = "--replaces", paramLabel = "ID", description = "An older memory this one supersedes (it stays in history).") String replaces;
        @Mixin ScopeOption scope = new ScopeOption();
        Add(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            Memory.Kind k;
            try {
                k = Memory.Kind.parse(kind);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            var added = cli.memory().add(new Memory.New(String.join(" ", words), null, k, scope.get(), "cli", null, 1.0, replaces), "added with apprentice memory add");
            added.secretsRemoved().forEach(s -> cli.err.println("note: a " + s + " was removed before storing"));
            cli.out.println((added.duplicate() ? "Already remembered: " : "Remembered: ") + added.memory().id());
            return 0;
        }
    }

    @Command(name = "recall", description = "Search memory; shows why each memory came up.")
    static final class Recall implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "QUERY", arity = "1..*") List<String> words;
        @Option(names = {"-k", "--limit"}, defaultValue = "5") int k;
        @Option(names = "--method", defaultValue = "hybrid", description = "hybrid (default), lexical or vector.") String method;
        @Option(names = "--json") boolean json;
        Recall(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            MemoryStore.Method m;
            try {
                m = MemoryStore.Method.valueOf(method.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UsageException("Unknown method '" + method + "'; use hybrid, lexical or vector.");
            }
            var hits = cli.memory().recall(String.join(" ", words), k, null, m);
            if (json) {
                var arr = Json.MAPPER.createArrayNode();
                hits.forEach(h -> arr.add(Json.MAPPER.valueToTree(h)));
                cli.out.println(arr.toPrettyString());
            } else {
                cli.out.println(hits.isEmpty() ? "No memories match." : MemoryTools.format(hits));
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List memories, newest first.")
    static final class ListMemories implements Callable<Integer> {
        private final Cli cli;
        @Option(names = "--all", description = "Include forgotten and superseded memories.") boolean all;
        @Option(names = {"-n", "--limit"}, defaultValue = "50") int limit;
        @Option(names = "--scope", paramLabel = "SCOPE", description = "Only this scope (user, workspace:PATH, agent:NAME).") String scope;
        ListMemories(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            var list = cli.memory().list(scope, all, limit);
            if (list.isEmpty()) cli.out.println("No memories. Add one with: apprentice memory add TEXT, or import files with: apprentice memory import PATH");
            for (var m : list) {
                String state = m.forgotten() ? " [forgotten]" : m.supersededBy() != null ? " [superseded by " + m.supersededBy() + "]" : "";
                cli.out.printf("%s  %-10s %-12s %s%s%n", m.id(), m.kind().label(), abbreviate(m.scope(), 12), EventPrinter.preview(m.text()), state);
            }
            return 0;
        }
    }

    static String abbreviate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    @Command(name = "forget", description = "Forget a memory (undoable), or with --hard remove it from store, index and history for good.")
    static final class Forget implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "ID") String id;
        @Option(names = "--hard") boolean hard;
        Forget(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            var memory = cli.memory().get(id);
            if (!cli.memory().forget(id, hard, "apprentice memory forget")) throw new UsageException("No memory " + id + ". See: apprentice memory list --all");
            if (!hard) {
                cli.out.println("Forgot " + id + " (undo with: apprentice memory undo " + cli.memory().history(null, 1).getFirst().batch() + ")");
                return 0;
            }
            // For good means the runs too: memory_updated events and recall/remember results still hold the text.
            int scrubbed = cli.store().scrub(memory.text(), "[forgotten]");
            cli.out.println("Removed " + id + " for good." + (scrubbed > 0 ? " Its text was blanked in " + scrubbed + " run records." : ""));
            return 0;
        }
    }

    @Command(name = "history", description = "Every change to memory, newest first, by batch.")
    static final class History implements Callable<Integer> {
        private final Cli cli;
        @Option(names = {"-n", "--limit"}, defaultValue = "30") int limit;
        @Option(names = "--json") boolean json;
        History(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            var changes = cli.memory().history(null, limit);
            if (json) {
                cli.out.println(Json.MAPPER.valueToTree(changes).toPrettyString());
                return 0;
            }
            if (changes.isEmpty()) cli.out.println("No changes yet.");
            for (var c : changes) {
                cli.out.printf("%s  %s  %-15s %s  %s%s%n", c.batch(), c.at().toString().substring(0, 19), c.op(), c.memoryId(),
                        c.text() == null ? "" : EventPrinter.preview(c.text()), c.undone() ? "  [undone]" : "");
            }
            return 0;
        }
    }

    @Command(name = "undo", description = "Undo every change of a batch (see memory history).")
    static final class Undo implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "BATCH") String batch;
        Undo(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            try {
                var undone = cli.memory().undo(batch, null);
                cli.out.println(undone.isEmpty() ? "Nothing left to undo in " + batch + "." : "Undid " + undone.size() + " change(s) of " + batch + ".");
                return 0;
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
    }

    @Command(name = "import", description = "Import chat logs (name: message lines, timestamped, WeChat, JSON, Markdown) and documents "
            + "(text, Markdown, HTML, PDF), files or folders. Importing the same material again adds nothing.")
    static final class Import implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "PATH", arity = "1..*") List<Path> paths;
        @Mixin ScopeOption scope = new ScopeOption();
        Import(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            var importer = new Importer(cli.memory(), scope.get());
            int[] totals = new int[3];
            importer.importPaths(paths, r -> {
                if (r.skipped() != null) {
                    cli.err.println("skipped " + r.file() + ": " + r.skipped());
                    totals[2]++;
                    return;
                }
                totals[0] += r.added();
                totals[1] += r.duplicates();
                cli.err.println(r.file() + " (" + r.format() + "): " + r.added() + " added" + (r.duplicates() > 0 ? ", " + r.duplicates() + " already known" : ""));
                if (!r.unparsedLines().isEmpty()) {
                    var shown = r.unparsedLines().subList(0, Math.min(20, r.unparsedLines().size()));
                    cli.err.println("  could not read line(s) " + String.join(", ", shown.stream().map(String::valueOf).toList())
                            + (r.unparsedLines().size() > 20 ? " and " + (r.unparsedLines().size() - 20) + " more" : "") + " as " + r.format());
                }
            });
            cli.out.println("Imported " + totals[0] + " memories (" + totals[1] + " already known, " + totals[2] + " file(s) skipped).");
            return 0;
        }
    }

    @Command(name = "export", description = "Write every memory (forgotten and superseded ones included) and the history as JSON.")
    static final class Export implements Callable<Integer> {
        private final Cli cli;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write here instead of standard output.") Path output;
        Export(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            var store = cli.memory();
            var out = Json.object().put("format", "apprentice-memory-export/1");
            out.set("memories", Json.MAPPER.valueToTree(store.list(null, true, Integer.MAX_VALUE)));
            out.set("history", Json.MAPPER.valueToTree(store.history(null, Integer.MAX_VALUE)));
            if (output == null) {
                cli.out.println(out.toPrettyString());
            } else {
                var tmp = output.resolveSibling(output.getFileName() + ".tmp");
                Files.writeString(tmp, out.toPrettyString());
                Files.move(tmp, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                cli.err.println("Wrote " + out.get("memories").size() + " memories to " + output);
            }
            return 0;
        }
    }

    @Command(name = "consolidate", description = "\"Sleep\": merge near-duplicate memories and weaken those never recalled in 30 days, "
            + "as one batch that memory undo reverses. Schedule it with cron, e.g. '0 3 * * * apprentice memory consolidate'.")
    static final class Consolidate implements Callable<Integer> {
        private final Cli cli;
        @Option(names = "--dry-run", description = "Show what would change, change nothing.") boolean dryRun;
        @Option(names = "--model", paramLabel = "PROVIDER:MODEL",
                description = "Also let this model summarise episodes older than 30 days and resolve contradictions between related memories (a few model calls).")
        String model;
        Consolidate(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws InterruptedException {
            var store = cli.memory();
            if (model != null) {
                var workspace = java.nio.file.Path.of("").toAbsolutePath();
                var judge = cli.session(workspace, java.util.Map.of("model", model)).model();
                var r = new ai.apprentice.memory.ModelConsolidator(judge).run(store, java.time.Instant.now(), dryRun);
                for (var text : r.summaries()) cli.out.println((dryRun ? "would summarise as: " : "summarised as: ") + EventPrinter.preview(text));
                for (var pair : r.resolved()) {
                    cli.out.println((dryRun ? "would resolve: " : "resolved: ") + EventPrinter.preview(store.get(pair[0]).text())
                            + " -> superseded by " + pair[1] + ": " + EventPrinter.preview(store.get(pair[1]).text()));
                }
                r.problems().forEach(p -> cli.err.println("(model step skipped: " + p + ")"));
                cli.out.println((dryRun ? "Would summarise " : "Summarised ") + r.summarised() + " old episode(s) into " + r.summaries().size()
                        + " memory(ies); " + (dryRun ? "would resolve " : "resolved ") + r.resolved().size() + " contradiction(s) ("
                        + r.usage().inputTokens() + " + " + r.usage().outputTokens() + " tokens)."
                        + (r.batch() == null ? "" : " Undo with: apprentice memory undo " + r.batch()));
            }
            var result = store.consolidate(java.time.Instant.now(), dryRun);
            for (var pair : result.merged()) {
                cli.out.println((dryRun ? "would merge " : "merged ") + pair[0] + " into " + pair[1] + ": " + EventPrinter.preview(store.get(pair[0]).text()));
            }
            cli.out.println((dryRun ? "Would merge " : "Merged ") + result.merged().size() + " near-duplicate(s); " + (dryRun ? "would weaken " : "weakened ")
                    + result.weakened() + " memories never recalled." + (result.batch() == null ? "" : " Undo with: apprentice memory undo " + result.batch()));
            return 0;
        }
    }

    @Command(name = "rebuild", description = "Rebuild the search index from the store (it also repairs itself on start when needed).")
    static final class Rebuild implements Callable<Integer> {
        private final Cli cli;
        Rebuild(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() {
            cli.out.println("Indexed " + cli.memory().rebuild() + " memories.");
            return 0;
        }
    }

    @Command(name = "bench", description = "Retrieval benchmarks.", subcommands = {MemoryCommand.Locomo.class, MemoryCommand.Scale.class})
    static final class Bench {}

    @Command(name = "scale", description = "Ingestion rate and hybrid recall latency (p50, p99) with N generated memories, in a temporary store.")
    static final class Scale implements Callable<Integer> {
        private final Cli cli;
        @Option(names = "-n", defaultValue = "100000", description = "How many memories (default ${DEFAULT-VALUE}).") int n;
        @Option(names = "--queries", defaultValue = "200") int queries;
        @Option(names = "--merge", description = "Merge the index into one segment before the queries (as import does).") boolean merge;
        Scale(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            var dir = Files.createTempDirectory("apprentice-memory-scale");
            try {
                var report = new ai.apprentice.memory.bench.ScaleBench(new ai.apprentice.memory.OnnxEmbedder()).run(dir, n, queries, merge, line -> cli.err.println(line));
                cli.out.println(report.toPrettyString());
                return 0;
            } finally {
                Trees.deleteTree(dir);
            }
        }
    }

    @Command(name = "locomo", description = "Recall@k on LoCoMo (1,986 questions over 10 long conversations): lexical, vector and hybrid.")
    static final class Locomo implements Callable<Integer> {
        private final Cli cli;
        @Option(names = "--data", paramLabel = "DIR", required = true, description = "The folder with locomo10.json.") Path data;
        @Option(names = "--conversations", defaultValue = "10", description = "How many conversations to use (default all 10).") int conversations;
        @Option(names = "--json") boolean json;
        Locomo(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            var file = Files.isDirectory(data) ? data.resolve("locomo10.json") : data;
            ai.apprentice.memory.bench.Locomo loaded;
            try {
                loaded = ai.apprentice.memory.bench.Locomo.load(file);
            } catch (java.io.IOException e) {
                throw new UsageException(e.getMessage(), e);
            }
            var subset = new ai.apprentice.memory.bench.Locomo(loaded.conversations().subList(0, Math.max(1, Math.min(conversations, loaded.conversations().size()))),
                    loaded.droppedEvidence());
            var report = new ai.apprentice.memory.bench.LocomoBench(new ai.apprentice.memory.OnnxEmbedder()).run(subset, line -> cli.err.println(line));
            if (json) {
                cli.out.println(report.toPrettyString());
            } else {
                cli.out.printf("%-8s %6s %6s %6s %6s %6s%n", "method", "R@1", "R@5", "R@10", "R@25", "R@50");
                for (var method : List.of("lexical", "vector", "hybrid")) {
                    var r = report.at("/methods/" + method + "/recall");
                    cli.out.printf("%-8s %6.1f %6.1f %6.1f %6.1f %6.1f%n", method, r.get("1").asDouble(), r.get("5").asDouble(), r.get("10").asDouble(),
                            r.get("25").asDouble(), r.get("50").asDouble());
                }
                cli.out.println("paper (DRAGON): R@5 56.7, R@10 66.2, R@25 76.7, R@50 82.7; " + report.get("questions").asInt() + " questions");
            }
            return 0;
        }
    }
}
