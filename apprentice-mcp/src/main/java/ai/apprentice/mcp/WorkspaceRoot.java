package ai.apprentice.mcp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The directory a served apprentice may work in. A caller names a workspace relative to it (or absolute, inside it);
 * anything that resolves outside, through {@code ..} or a symbolic link, is refused, so an MCP client cannot point an
 * agent in auto mode at the rest of the machine.
 */
public final class WorkspaceRoot {
    private final Path root;

    public WorkspaceRoot(Path root) {
        try {
            this.root = root.toAbsolutePath().normalize().toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("The workspace root " + root + " does not exist", e);
        }
    }

    public Path path() {
        return root;
    }

    /** The workspace {@code requested} names (the root itself when null or blank). */
    public Path resolve(String requested) {
        if (requested == null || requested.isBlank()) return root;
        var p = root.resolve(requested).normalize();
        Path real;
        try {
            real = Files.exists(p) ? p.toRealPath() : p;
        } catch (IOException e) {
            throw new IllegalArgumentException("workspace '" + requested + "' cannot be read: " + e.getMessage());
        }
        if (!real.startsWith(root)) {
            throw new IllegalArgumentException("workspace '" + requested + "' is outside the served root " + root);
        }
        if (!Files.isDirectory(real)) throw new IllegalArgumentException("workspace '" + requested + "' is not a directory under " + root);
        return real;
    }
}
