package ai.apprentice.cli;

import ai.apprentice.json.Json;
import ai.apprentice.local.Catalog;
import ai.apprentice.local.Gguf;
import ai.apprentice.local.ModelStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "model", description = "Local models (GGUF, run in process by llama.cpp): pull, list, info, rm. They live in $APPRENTICE_HOME/models.",
        subcommands = {ModelCommand.Pull.class, ModelCommand.ListModels.class, ModelCommand.Info.class, ModelCommand.Remove.class})
final class ModelCommand {

    @Command(name = "pull", description = "Download a catalogue model or any GGUF URL (resumes, verifies the SHA-256).")
    static final class Pull implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "NAME|URL", description = "A catalogue name (see 'model list --available') or an http(s) URL of a .gguf file.") String what;
        @Option(names = "--sha256", paramLabel = "HEX", description = "The file's SHA-256; without it the server's content hash is checked when it sends one.") String sha256;
        @Option(names = "--name", paramLabel = "NAME", description = "Name to store a URL's model under (default: from the file name).") String name;
        @Option(names = "--force", description = "Download again even if a model of that name is here.") boolean force;

        Pull(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            URI url;
            String as;
            if (what.matches("(?i)https?://.*")) {
                try {
                    url = URI.create(what);
                    as = name != null ? ModelStore.checkName(name) : ModelStore.nameFromUrl(url);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage() + (name == null ? "; choose one with --name" : ""), e);
                }
            } else {
                var entry = Catalog.find(what).orElseThrow(() -> new UsageException("'" + what + "' is neither a URL nor in the catalogue: " + Catalog.names()));
                url = URI.create(entry.url(cli.env.get("HF_ENDPOINT")));
                try {
                    as = name != null ? ModelStore.checkName(name) : entry.name();
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage(), e);
                }
                cli.err.println("Pulling " + entry.name() + " (about " + Catalog.size(entry.approxBytes()) + ", licence " + entry.licence() + ")");
            }
            var installed = cli.models().store().find(as);
            if (installed.isPresent() && !force) {
                cli.out.println(as + " is already here (" + Catalog.size(installed.get().bytes()) + ", " + installed.get().file()
                        + "); --force downloads it again.");
                return 0;
            }
            try {
                var result = cli.models().pull(as, url, sha256);
                cli.out.println("Pulled " + as + ": " + Catalog.size(result.bytes()) + ", sha256 " + result.sha256()
                        + (result.verified() ? " (verified)" : " (not verified: the server sent no hash and none was given)"));
                cli.out.println("Use it: apprentice run --model local:" + as + " \"...\"");
                return 0;
            } catch (ai.apprentice.local.DownloadException e) {
                throw new UsageException(e.getMessage(), e);
            } catch (IOException e) { // a download that broke off: the same prefix as every other failure of the CLI
                cli.err.println("apprentice: " + e.getMessage());
                return ExitCodes.RUN_FAILED;
            }
        }
    }

    @Command(name = "list", description = "The models downloaded here; --available adds the catalogue.")
    static final class ListModels implements Callable<Integer> {
        private final Cli cli;
        @Option(names = "--available", description = "Also list the catalogue of models to pull.") boolean available;
        @Option(names = "--json", description = "Print JSON.") boolean json;

        ListModels(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws IOException {
            var store = cli.models().store();
            var installed = store.list();
            if (json) {
                var out = Json.object();
                var arr = out.putArray("installed");
                for (var m : installed) arr.addObject().put("name", m.name()).put("file", m.file().toString()).put("bytes", m.bytes())
                        .put("sha256", m.sha256()).put("verified", m.verified()).put("url", m.url());
                if (available) {
                    var cat = out.putArray("catalogue");
                    for (var e : Catalog.entries()) cat.addObject().put("name", e.name()).put("url", e.url()).put("approx_bytes", e.approxBytes())
                            .put("licence", e.licence()).put("description", e.description());
                }
                cli.out.println(out.toPrettyString());
                return 0;
            }
            if (installed.isEmpty()) cli.out.println("No models in " + store.dir() + ". Pull one: apprentice model pull " + Catalog.DEFAULT);
            for (var m : installed) cli.out.printf("%-28s %8s  %s%n", m.name(), Catalog.size(m.bytes()), m.url() == null ? m.file() : m.url());
            if (available) {
                cli.out.println();
                cli.out.println("Catalogue (Q4_K_M, for a laptop CPU):");
                for (var e : Catalog.entries()) {
                    cli.out.printf("  %-24s ~%-7s %-30s %s%s%n", e.name(), Catalog.size(e.approxBytes()), e.licence(), e.description(),
                            e.name().equals(Catalog.DEFAULT) ? " [default]" : "");
                }
            }
            return 0;
        }
    }

    @Command(name = "info", description = "What a model file says about itself (GGUF metadata), and where it came from.")
    static final class Info implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "NAME|PATH") String what;
        @Option(names = "--json", description = "Print all metadata as JSON.") boolean json;

        Info(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws IOException {
            var store = cli.models().store();
            Path file;
            ModelStore.Installed installed = null;
            if (ai.apprentice.local.ModelStore.isPath(what)) {
                file = Path.of(what).toAbsolutePath();
            } else {
                installed = store.find(what).orElseThrow(() -> new UsageException("No model '" + what + "' in " + store.dir()
                        + ("; it is in the catalogue: apprentice model pull " + what).repeat(Catalog.find(what).isPresent() ? 1 : 0)));
                file = installed.file();
            }
            if (!Files.isRegularFile(file)) throw new UsageException("No such file: " + file);
            Gguf.Info info;
            try {
                info = Gguf.readMetadata(file);
            } catch (IOException e) {
                throw new UsageException(e.getMessage(), e);
            }
            if (json) {
                cli.out.println(Json.MAPPER.valueToTree(info.metadata()).toPrettyString());
                return 0;
            }
            var arch = info.string("general.architecture");
            row("file", file + " (" + Catalog.size(Files.size(file)) + ")");
            row("name", info.string("general.name"));
            row("architecture", arch);
            row("quantisation", fileType(info.number("general.file_type", -1)));
            row("context", info.number(arch + ".context_length", -1) + " tokens (trained)");
            row("layers", String.valueOf(info.number(arch + ".block_count", -1)));
            row("embedding", String.valueOf(info.number(arch + ".embedding_length", -1)));
            row("vocabulary", String.valueOf(info.metadata().get("tokenizer.ggml.tokens")));
            row("chat template", info.metadata().containsKey("tokenizer.chat_template") ? "yes" : "no (a generic one is used)");
            row("licence", info.string("general.license"));
            row("tensors", String.valueOf(info.tensors()));
            if (installed != null) {
                row("source", installed.url());
                row("sha256", installed.sha256() + (installed.verified() ? " (verified at download)" : ""));
                row("pulled", String.valueOf(installed.pulledAt()));
            }
            return 0;
        }

        private void row(String key, String value) {
            if (value != null) cli.out.printf("%-14s %s%n", key, value);
        }

        /** llama.cpp's file types (llama_ftype) for the common quantisations. */
        static String fileType(long t) {
            return switch ((int) t) {
                case -1 -> null;
                case 0 -> "F32";
                case 1 -> "F16";
                case 2 -> "Q4_0";
                case 3 -> "Q4_1";
                case 7 -> "Q8_0";
                case 8 -> "Q5_0";
                case 9 -> "Q5_1";
                case 10 -> "Q2_K";
                case 12 -> "Q3_K_M";
                case 14 -> "Q4_K_S";
                case 15 -> "Q4_K_M";
                case 16 -> "Q5_K_S";
                case 17 -> "Q5_K_M";
                case 18 -> "Q6_K";
                case 32 -> "BF16";
                default -> "type " + t;
            };
        }
    }

    @Command(name = "rm", description = "Delete a downloaded model (and any unfinished download of it).")
    static final class Remove implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "NAME") String name;

        Remove(Cli cli) { this.cli = cli; }

        @Override
        public Integer call() throws IOException {
            try {
                ModelStore.checkName(name);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), e);
            }
            if (!cli.models().store().remove(name)) throw new UsageException("No model '" + name + "' to remove; 'apprentice model list' shows them");
            cli.out.println("Removed " + name);
            return 0;
        }
    }
}
