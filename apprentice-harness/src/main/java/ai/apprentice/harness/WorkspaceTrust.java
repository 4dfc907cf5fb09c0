package ai.apprentice.harness;

import ai.apprentice.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Which workspace config files a person has trusted, by path and by the SHA-256 of their content, in
 * {@code $APPRENTICE_HOME/trusted-workspaces.json}. A trusted file that changes (by anyone, the agent included) is
 * untrusted again until a person says otherwise, so a rewritten {@code approve: all} never takes effect by itself.
 */
public final class WorkspaceTrust {
    private final Path file;

    public WorkspaceTrust(Path home) {
        this.file = home.resolve("trusted-workspaces.json");
    }

    public synchronized boolean trusted(Path configFile, String sha256) {
        return sha256 != null && sha256.equals(read().path(key(configFile)).asText(null));
    }

    /** Records the file's current content as trusted. */
    public synchronized void trust(Path configFile, String sha256) {
        var all = read();
        all.put(key(configFile), sha256);
        try {
            Files.createDirectories(file.getParent());
            var tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, all.toPrettyString());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new HarnessException("Cannot record the trust in " + file + ": " + e.getMessage(), e);
        }
    }

    private static String key(Path configFile) {
        return configFile.toAbsolutePath().normalize().toString();
    }

    private com.fasterxml.jackson.databind.node.ObjectNode read() {
        if (!Files.isRegularFile(file)) return Json.object();
        try {
            return Json.tree(Files.readString(file)) instanceof com.fasterxml.jackson.databind.node.ObjectNode o ? o : Json.object();
        } catch (IOException | RuntimeException e) {
            // An unreadable record trusts nothing: the safe side, and the person is asked again.
            return Json.object();
        }
    }
}
