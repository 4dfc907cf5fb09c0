package ai.apprentice.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * OAuth tokens and client registrations of MCP servers, one file per server ({@code mcp-tokens/NAME.json} in
 * apprentice's home), readable by the owner only (0600, the folder 0700). A file made for another URL is ignored,
 * so re-pointing a server name never sends its old token elsewhere.
 */
public final class McpTokenStore {
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private final Path dir;

    public McpTokenStore(Path dir) {
        this.dir = dir.toAbsolutePath();
    }

    public Path dir() {
        return dir;
    }

    Path file(String server) {
        return dir.resolve(server + ".json");
    }

    /** What is stored for this server at this URL; an empty object when nothing (or something unreadable) is. */
    synchronized ObjectNode load(String server, String url) {
        var f = file(server);
        try {
            if (Files.isRegularFile(f) && PLAIN.readTree(f.toFile()) instanceof ObjectNode o && url.equals(o.path("url").asText())) return o;
        } catch (IOException e) {
            // unreadable: treated as not signed in, and overwritten at the next sign-in
        }
        return PLAIN.createObjectNode().put("url", url);
    }

    /** Replaces the server's file atomically, created with mode 0600 before anything is written to it. */
    synchronized void save(String server, ObjectNode state) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                trySetMode(dir, "rwx------");
            }
            var tmp = dir.resolve("." + server + ".json.tmp");
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp);
            }
            Files.writeString(tmp, PLAIN.writerWithDefaultPrettyPrinter().writeValueAsString(state));
            Files.move(tmp, file(server), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not store the MCP sign-in of '" + server + "' in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void trySetMode(Path p, String mode) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }
}
