package ai.apprentice.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The directory an agent works in, and the only place its file tools reach. Every path is resolved against
 * the root; {@code ..}, absolute paths and symbolic links that lead outside are refused unless they fall
 * under an extra root a rule allowed. Links are checked on the real path of the longest existing prefix, so
 * a link inside the workspace that points out cannot be used to read or write outside it.
 */
public final class Workspace {
    private final Path root;
    private final Path realRoot;
    private final List<Path> extraRoots = new ArrayList<>();
    private final List<Path> readOnlyRoots = new ArrayList<>();
    /** Which files listing and searching may show (path as {@link #display} gives it); set from the read denials of the rules. */
    private volatile java.util.function.Predicate<String> readable = p -> true;

    public Workspace(Path root) {
        this.root = root.toAbsolutePath().normalize();
        try {
            this.realRoot = this.root.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("Workspace " + root + " does not exist or cannot be read: " + e.getMessage(), e);
        }
    }

    /** Lets tools reach {@code dir} too (from an explicit permission rule). */
    public Workspace allow(Path dir) {
        extraRoots.add(dir.toAbsolutePath().normalize());
        return this;
    }

    /** Lets read-only tools reach {@code dir} too (skill folders outside the workspace). */
    public Workspace allowRead(Path dir) {
        readOnlyRoots.add(dir.toAbsolutePath().normalize());
        return this;
    }

    /** Resolves a path for reading: inside the workspace, an allowed folder, or a read-only folder. */
    public Path resolveForRead(String given) throws ToolException {
        try {
            return resolve(given);
        } catch (ToolException outside) {
            Path p = realRoot.resolve(given).normalize();
            for (var r : readOnlyRoots) {
                if (!within(p, r)) continue;
                Path real = realOfExistingPrefix(p);
                for (var rr : readOnlyRoots) {
                    try {
                        if (within(real, rr.toRealPath())) return p;
                    } catch (IOException ignored) {
                        // a read-only root that does not exist admits nothing
                    }
                }
            }
            throw outside;
        }
    }

    /** Hides files from list_files and search_files, e.g. those a {@code read_file} deny rule covers. */
    public Workspace readable(java.util.function.Predicate<String> filter) {
        this.readable = filter;
        return this;
    }

    public boolean readable(Path p) {
        return readable.test(display(p));
    }

    public List<Path> readOnlyRoots() {
        return List.copyOf(readOnlyRoots);
    }

    public Path root() {
        return realRoot;
    }

    /** Resolves a path the model gave; refuses one that leaves the workspace. */
    public Path resolve(String given) throws ToolException {
        if (given == null || given.isBlank()) throw new ToolException("path is empty");
        if (given.indexOf('\0') >= 0) throw new ToolException("path contains a NUL character");
        Path p = realRoot.resolve(given).normalize();
        Path lexicalRoot = within(p, realRoot) ? realRoot : within(p, root) ? root : extraRootOf(p);
        if (lexicalRoot == null) {
            throw new ToolException("'" + given + "' is outside the workspace " + realRoot
                    + "; paths must stay inside it (relative paths are resolved against it)");
        }
        if (lexicalRoot == root && root != realRoot) p = realRoot.resolve(root.relativize(p));
        Path real = realOfExistingPrefix(p);
        if (!within(real, realRoot) && extraRootOf(real) == null) {
            throw new ToolException("'" + given + "' leads outside the workspace through a symbolic link (to " + real + ")");
        }
        return p;
    }

    /** The path as the model should see it: relative to the root when inside it. */
    public String display(Path p) {
        return within(p, realRoot) ? (p.equals(realRoot) ? "." : realRoot.relativize(p).toString()) : p.toString();
    }

    private Path extraRootOf(Path p) {
        for (var r : extraRoots) if (within(p, r)) return r;
        return null;
    }

    private static boolean within(Path p, Path dir) {
        return p.equals(dir) || p.startsWith(dir);
    }

    /** The real path of {@code p}: the longest existing prefix with links resolved, plus the rest. */
    private static Path realOfExistingPrefix(Path p) throws ToolException {
        Path existing = p;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) existing = existing.getParent();
        if (existing == null) return p;
        try {
            Path real = existing.toRealPath();
            return real.resolve(existing.relativize(p)).normalize();
        } catch (IOException e) {
            // A dangling link: refuse, since we cannot tell where a write through it would land.
            throw new ToolException("cannot resolve '" + existing + "': " + e.getMessage() + " (a broken symbolic link?)");
        }
    }
}
