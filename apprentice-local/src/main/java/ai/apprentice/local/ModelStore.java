package ai.apprentice.local;

import ai.apprentice.json.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The models in {@code $APPRENTICE_HOME/models}: {@code NAME.gguf} with {@code NAME.json} beside it saying where
 * it came from, its SHA-256 and when it was pulled. A {@code .part} file is an unfinished download and is
 * never taken for a model.
 */
public final class ModelStore {
    private final Path dir;

    public ModelStore(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public record Installed(String name, Path file, long bytes, String url, String sha256, boolean verified, Instant pulledAt) {}

    public Path fileFor(String name) {
        return dir.resolve(name + ".gguf");
    }

    /** Whether {@code local:X} names a file rather than a stored model: it has a slash or ends in .gguf. */
    public static boolean isPath(String nameOrPath) {
        return nameOrPath.contains("/") || nameOrPath.endsWith(".gguf");
    }

    /** A name the store can use as a file name: letters, digits, dots, dashes and underscores. */
    public static String checkName(String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,100}")) {
            throw new IllegalArgumentException("'" + name + "' is not a model name: use letters, digits, '.', '-' and '_'");
        }
        return name;
    }

    /** The name a URL's model gets: its file name without {@code .gguf}, lower-cased. */
    public static String nameFromUrl(URI url) {
        var path = url.getPath();
        var file = path.substring(path.lastIndexOf('/') + 1).replaceFirst("(?i)\\.gguf$", "");
        return checkName(file.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9._-]", "-"));
    }

    public Optional<Installed> find(String name) throws IOException {
        var file = fileFor(name);
        if (!Files.isRegularFile(file)) return Optional.empty();
        var manifest = dir.resolve(name + ".json");
        String url = null, sha = null;
        boolean verified = false;
        Instant at = Files.getLastModifiedTime(file).toInstant();
        if (Files.isRegularFile(manifest)) {
            try {
                var m = Json.tree(Files.readString(manifest));
                url = m.path("url").asText(null);
                sha = m.path("sha256").asText(null);
                verified = m.path("verified").asBoolean(false);
                if (m.hasNonNull("pulled_at")) at = Instant.parse(m.get("pulled_at").asText());
            } catch (RuntimeException e) {
                // a damaged manifest only loses the provenance; the model itself is fine
            }
        }
        return Optional.of(new Installed(name, file, Files.size(file), url, sha, verified, at));
    }

    public List<Installed> list() throws IOException {
        var out = new ArrayList<Installed>();
        if (!Files.isDirectory(dir)) return out;
        try (var files = Files.list(dir)) {
            for (var f : files.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList()) {
                find(f.getFileName().toString().replaceFirst("\\.gguf$", "")).ifPresent(out::add);
            }
        }
        return out;
    }

    /** Records a finished download. */
    public void record(String name, URI url, Downloader.Result result) throws IOException {
        var m = Json.object().put("name", name).put("url", url.toString()).put("sha256", result.sha256())
                .put("verified", result.verified()).put("bytes", result.bytes()).put("pulled_at", Instant.now().toString());
        var tmp = dir.resolve(name + ".json.tmp");
        Files.writeString(tmp, m.toPrettyString());
        Files.move(tmp, dir.resolve(name + ".json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Removes a model, its manifest and any unfinished download of it; false when there was nothing. */
    public boolean remove(String name) throws IOException {
        var file = fileFor(name);
        boolean any = Files.deleteIfExists(file);
        any |= Files.deleteIfExists(dir.resolve(name + ".json"));
        any |= Files.deleteIfExists(Downloader.partOf(file));
        return any;
    }
}
