package ai.apprentice.harness;

import ai.apprentice.harness.config.Settings;
import ai.apprentice.model.Model;
import ai.apprentice.model.RetryPolicy;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.providers.ProviderSettings;
import ai.apprentice.providers.Providers;
import ai.apprentice.json.Json;
import ai.apprentice.local.Catalog;
import ai.apprentice.local.Downloader;
import ai.apprentice.local.LocalModel;
import ai.apprentice.local.ModelStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which model a session uses, and why: the {@code --model} flag or configured model, else a reachable
 * Ollama (its first model), else the local default model, which is downloaded on first use once the user
 * agrees (a prompt on a terminal, {@code --yes} or {@code local.auto_pull} otherwise). Local models stay
 * loaded for the next session of the same process.
 */
public final class ModelResolver {
    public record Choice(String spec, String reason) {}

    private final Harness cli; // where the environment, home and prompts come from
    private final Map<String, LocalModel> loaded = new ConcurrentHashMap<>();
    private java.util.Optional<String> probedOllama;

    ModelResolver(Harness harness) {
        this.cli = harness;
    }

    /** The model the settings name, built, or a {@link HarnessException} explaining how to configure one. */
    public Model model(Settings config, Path workspace) {
        return model(choose(config).spec(), config, workspace);
    }

    /** The model {@code spec} (PROVIDER:MODEL) names, built with the settings' provider options. */
    public Model model(String spec, Settings config, Path workspace) {
        int colon = spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new HarnessException("Model '" + spec + "' is not of the form PROVIDER:MODEL (e.g. openai:gpt-4.1-mini). "
                    + "Run 'apprentice models' to see the providers.");
        }
        if (spec.startsWith("scripted:")) {
            var file = workspace.resolve(spec.substring("scripted:".length()));
            try {
                return ScriptedModel.load(file);
            } catch (IOException e) {
                throw new HarnessException("Cannot read the script " + file + ": " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new HarnessException(e.getMessage(), e);
            }
        }
        if (spec.startsWith("local:")) {
            try {
                return local(spec, config);
            } catch (IllegalArgumentException e) {
                throw new HarnessException(e.getMessage(), e);
            }
        }
        var retry = new RetryPolicy(config.retryMaxAttempts(), config.retryInitialBackoff(), config.retryMaxBackoff());
        var provider = new ProviderSettings(config.baseUrl().orElse(null), null, retry, null, config.requestTimeout(), Map.of());
        try {
            return Providers.resolve(spec, provider, cli.env()::get);
        } catch (IllegalArgumentException e) {
            throw new HarnessException(e.getMessage(), e);
        }
    }

    public synchronized Choice choose(Settings config) {
        var configured = config.model();
        if (configured.isPresent()) return new Choice(configured.get(), "from " + config.sourceOf("model"));
        var base = ollamaBase();
        if (probedOllama == null) probedOllama = java.util.Optional.ofNullable(ollamaModel(base)); // once per command
        var ollama = probedOllama.orElse(null);
        if (ollama != null) return new Choice("ollama:" + ollama, "no model configured; Ollama answers at " + base + " and has " + ollama);
        return new Choice("local:" + config.localDefaultModel(), "no model configured and no Ollama at " + base
                + ": the built-in local model (runs on this CPU, no key needed)");
    }

    private String ollamaBase() {
        var url = cli.env().getOrDefault("OLLAMA_BASE_URL", "http://localhost:11434");
        return url.replaceFirst("/+$", "").replaceFirst("/v1$", "");
    }

    /** The first model a running Ollama lists (GET /api/tags), or null when none answers within half a second. */
    private static String ollamaModel(String base) {
        try {
            var http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
            var response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/tags")).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) return null;
            var models = Json.tree(response.body()).path("models");
            return models.isArray() && !models.isEmpty() ? models.get(0).path("name").asText(null) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    public ModelStore store() {
        return new ModelStore(cli.home().resolve("models"));
    }

    /** The model for {@code local:NAME-or-PATH}; a catalogue model that is missing is pulled if the user agrees. */
    public LocalModel local(String spec, Settings config) {
        var name = spec.substring("local:".length());
        return loaded.computeIfAbsent(name + "|" + config.localSettings(), k -> new LocalModel(spec, fileFor(name, config), config.localSettings()));
    }

    private Path fileFor(String name, Settings config) {
        if (ModelStore.isPath(name)) {
            var path = Path.of(name).toAbsolutePath().normalize();
            if (!Files.isRegularFile(path)) throw new HarnessException("The model file " + path + " does not exist");
            return path;
        }
        var store = store();
        try {
            ModelStore.checkName(name);
            var installed = store.find(name);
            if (installed.isPresent()) return installed.get().file();
        } catch (IllegalArgumentException | IOException e) {
            throw new HarnessException(e.getMessage(), e);
        }
        var entry = Catalog.find(name).orElseThrow(() -> new HarnessException("No local model '" + name + "' in " + store.dir()
                + ". Pull one: 'apprentice model pull NAME|URL' (catalogue: " + Catalog.names() + "), or give a path to a .gguf file."));
        var offer = entry.name() + " (about " + Catalog.size(entry.approxBytes()) + ", licence " + entry.licence() + ") into " + store.dir();
        if (!config.localAutoPull()) {
            if (!cli.interactive()) {
                throw new HarnessException("The local model " + entry.name() + " is not downloaded yet (about " + Catalog.size(entry.approxBytes())
                        + "). Run 'apprentice model pull " + entry.name() + "', or pass --yes (or set local.auto_pull: true) to download it now."
                        + " Or use a hosted model, e.g. --model openai:gpt-4.1-mini with OPENAI_API_KEY set ('apprentice models' lists the providers).");
            }
            if (!cli.prompter().confirm("Download " + offer + "? [y/N] ")) throw new HarnessException("Not downloaded. Choose another model with --model, or run 'apprentice model pull " + entry.name() + "'.");
        } else {
            cli.err().println("Downloading " + offer + " (first use).");
        }
        try {
            return pull(entry.name(), URI.create(entry.url(cli.env().get("HF_ENDPOINT"))), null).file();
        } catch (IOException e) {
            throw new HarnessException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HarnessException("Download interrupted; run the same command again to resume it.", e);
        }
    }

    /** Downloads into the models folder with a progress bar on standard error, and records where it came from. */
    public Downloader.Result pull(String name, URI url, String sha256) throws IOException, InterruptedException {
        var store = store();
        try {
            var result = new Downloader(cli.env().get("HF_TOKEN"), cli.env().get("HF_ENDPOINT")).pull(url, store.fileFor(name), sha256, new PullProgress(cli.err(), cli.interactive()));
            store.record(name, url, result);
            return result;
        } catch (ai.apprentice.local.UnreachableException e) {
            throw new HarnessException(offline(e, name), e);
        }
    }

    /** No network, most likely: what can be done instead, once, rather than half a minute of retries. */
    static String offline(ai.apprentice.local.UnreachableException e, String name) {
        return e.getMessage() + ", so the model " + name + " was not downloaded (nothing was written). Without it: "
                + "try the scripted demo (apprentice run --model scripted:FILE, see the README); "
                + "use a hosted provider with --model, e.g. --model openai:gpt-4.1-mini with OPENAI_API_KEY set ('apprentice models' lists them); "
                + "start Ollama (apprentice uses it when it answers at localhost:11434, or OLLAMA_BASE_URL); "
                + "set HF_ENDPOINT to a reachable Hugging Face mirror; "
                + "or fetch the .gguf another way and 'apprentice model pull URL' (or --model local:FILE.gguf).";
    }

    /** A progress bar redrawn in place on a terminal, and a line per tenth elsewhere (CI logs). */
    public static final class PullProgress implements Downloader.Progress {
        private final java.io.PrintStream err;
        private final boolean terminal;
        private long startNanos, startBytes, lastDraw;
        private int lastTenth = -1;

        public PullProgress(java.io.PrintStream err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        @Override
        public void started(long total, long resumedFrom) {
            startNanos = System.nanoTime();
            startBytes = resumedFrom;
            if (resumedFrom > 0) err.println("Resuming at " + Catalog.size(resumedFrom) + (total > 0 ? " of " + Catalog.size(total) : ""));
        }

        @Override
        public void advanced(long done, long total) {
            long now = System.nanoTime();
            int tenth = total > 0 ? (int) (done * 10 / total) : -1;
            if (terminal ? now - lastDraw < 100_000_000L && done < total : tenth == lastTenth) return;
            lastDraw = now;
            lastTenth = tenth;
            double seconds = Math.max(1e-3, (now - startNanos) / 1e9);
            double rate = (done - startBytes) / seconds;
            var line = total > 0
                    ? String.format(java.util.Locale.ROOT, "%3d%% %s / %s  %.1f MB/s  ETA %ds", done * 100 / total, Catalog.size(done),
                            Catalog.size(total), rate / 1e6, rate > 0 ? (long) ((total - done) / rate) : 0)
                    : String.format(java.util.Locale.ROOT, "%s  %.1f MB/s", Catalog.size(done), rate / 1e6);
            if (terminal) {
                int width = 30, filled = total > 0 ? (int) (done * width / total) : 0;
                err.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + line + (done >= total && total > 0 ? "\n" : ""));
            } else {
                err.println(line);
            }
            err.flush();
        }

        @Override
        public void retrying(int attempt, String reason) {
            err.println((terminal ? "\n" : "") + "Connection problem (" + reason + "); trying again, attempt " + (attempt + 1));
        }

        @Override
        public void verifying() {
            err.println("Checking the SHA-256...");
        }
    }
}
