package ai.apprentice.tools;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.Charset;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The directory an agent works in, and the only place its file tools reach. Every path is resolved against
 * the root; {@code ..}, absolute paths and symbolic links that lead outside are refused unless they fall
 * under an extra root a rule allowed. Links are checked on the real path of the longest existing prefix, so
 * a link inside the workspace that points out cannot be used to read or write outside it.
 *
 * <p>That check is on paths; the file tools then {@link #open} the file so that what was checked is what is
 * used: one directory at a time from the root, never letting the kernel follow a link (see {@link Handle}).
 * Protected paths ({@link #protect}) can be read but never written or created by the tools.
 */
public final class Workspace {
    private final Path root;
    private final Path realRoot;
    private final List<Path> extraRoots = new ArrayList<>();
    private final List<Path> readOnlyRoots = new ArrayList<>();
    /** Which files listing and searching may show (path as {@link #display} gives it); set from the read denials of the rules. */
    private volatile java.util.function.Predicate<String> readable = p -> true;
    private final List<Protected> protectedPaths = new ArrayList<>();

    private record Protected(Path path, Path real, String why) {}

    /** How a file is opened: to read it, to replace an existing one, or to create it (and missing parents). */
    public enum Access { READ, WRITE, CREATE }

    /** Links followed while resolving one path before giving up (as the kernel's ELOOP limit). */
    private static final int MAX_LINKS = 40;

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
            Path p = parse(given);
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

    /**
     * Declares a path (a file or a directory with everything below it) the file tools may read but never
     * write or create, so that the agent cannot widen its own rules. Symbolic links are resolved now and at
     * each write; names are compared exactly (case included).
     */
    public Workspace protect(Path path, String why) {
        Path p = path.toAbsolutePath().normalize();
        if (within(p, root) && root != realRoot) p = realRoot.resolve(root.relativize(p));
        Path real;
        try {
            real = realOfExistingPrefix(p);
        } catch (ToolException e) {
            real = p;
        }
        protectedPaths.add(new Protected(p, real, why));
        return this;
    }

    /** Refuses a write to {@code p} (a normalized absolute path) when it is or is below a protected path. */
    void checkWritable(Path p, String given) throws ToolException {
        for (var pp : protectedPaths) {
            if (within(p, pp.path) || within(p, pp.real)) {
                throw new ToolException("'" + given + "' is protected (" + display(pp.path) + ": " + pp.why + "). The file "
                        + "tools may read it but not write or create it; a person can change it themselves if it should change.");
            }
        }
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
        Path p = parse(given);
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

    /**
     * The given path against the root. File names are bytes encoded with {@code sun.jnu.encoding} (from the
     * locale); when that is ASCII (LANG unset) a non-ASCII name cannot be represented, and we say so rather
     * than let it fail obscurely or land under another name.
     */
    private Path parse(String given) throws ToolException {
        try {
            return realRoot.resolve(given).normalize();
        } catch (InvalidPathException e) {
            var enc = System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name());
            throw new ToolException("'" + given + "' cannot be used as a file name here: this process encodes file names as "
                    + enc + ", which cannot represent all its characters (start it with a UTF-8 locale, e.g. LANG=C.UTF-8)");
        }
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

    /**
     * Opens a path that {@link #resolve} or {@link #resolveForRead} accepted. Directories are opened one at a
     * time from the root with {@code NOFOLLOW_LINKS}, each relative to the one before (a {@link
     * SecureDirectoryStream}: openat(2) with O_NOFOLLOW), so swapping a link while we work cannot redirect us. A
     * link met on the way is read and its target checked and walked again the same way: links that stay inside
     * may still be used, but the kernel never follows one for us. Writes also refuse protected paths.
     */
    public Handle open(Path p, String given, Access access) throws ToolException, IOException {
        return open(p, given, access, null);
    }

    /**
     * Directories opened for one batch of reads (a search), each opened once and shared by the reads below it. A
     * shared directory is the one that was checked when it was opened (a descriptor, not a path), so later swaps
     * of links along its path cannot redirect the reads that use it.
     */
    public static final class Directories implements Closeable {
        private final java.util.concurrent.ConcurrentHashMap<Path, SecureDirectoryStream<Path>> open = new java.util.concurrent.ConcurrentHashMap<>();

        SecureDirectoryStream<Path> share(Path path, SecureDirectoryStream<Path> opened) throws IOException {
            var earlier = open.putIfAbsent(path, opened);
            if (earlier == null) return opened;
            opened.close(); // another read opened it first
            return earlier;
        }

        @Override
        public void close() throws IOException {
            for (var d : open.values()) d.close();
            open.clear();
        }
    }

    /** As {@link #open(Path, String, Access)}, reading through directories shared in {@code shared} (null: none). */
    public Handle open(Path p, String given, Access access, Directories shared) throws ToolException, IOException {
        if (shared != null && access != Access.READ) throw new IllegalArgumentException("shared directories are for reading");
        if (access != Access.READ) checkWritable(p, given);
        for (int links = 0; ; ) {
            Path start = rootOf(p, access);
            if (start == null) {
                throw new ToolException("'" + given + "' leads outside the workspace through a symbolic link (to " + p + ")");
            }
            Deque<String> names = new ArrayDeque<>();
            for (var n : start.relativize(p)) names.add(n.toString());
            if (names.isEmpty() || names.peekFirst().isEmpty()) throw new ToolException("'" + given + "' is a directory");
            var cached = shared == null ? null : shared.open.get(start);
            var stream = cached != null ? cached : Files.newDirectoryStream(start);
            if (!(stream instanceof SecureDirectoryStream<Path> dir)) {
                // No openat on this platform (Windows): the path checks above are all there is.
                stream.close();
                return new Handle(null, p, access, false);
            }
            if (shared != null && cached == null) dir = shared.share(start, dir);
            boolean dirShared = shared != null; // a shared directory is closed with the batch, not here
            Path at = start;
            try {
                while (true) {
                    String name = names.removeFirst();
                    Path here = at.resolve(name);
                    if (access != Access.READ) checkWritable(here, given);
                    var known = shared == null || names.isEmpty() ? null : shared.open.get(here);
                    if (known != null) { // a directory of this batch, checked when it was opened
                        dir = known;
                        at = here;
                        continue;
                    }
                    var attrs = attributes(dir, name);
                    if (attrs != null && attrs.isSymbolicLink()) {
                        if (++links > MAX_LINKS) throw new ToolException("'" + given + "': too many symbolic links");
                        Path target;
                        try {
                            target = Files.readSymbolicLink(here);
                        } catch (NotLinkException changed) {
                            names.addFirst(name); // replaced meanwhile: look again
                            continue;
                        }
                        Path next = at.resolve(target).normalize();
                        for (var rest : names) next = next.resolve(rest);
                        p = next.normalize();
                        break; // walk the link's target from its root
                    }
                    if (names.isEmpty()) {
                        var handle = new Handle(dir, here, access, dirShared);
                        dir = null; // the handle owns it now (or the batch does)
                        return handle;
                    }
                    if (attrs == null) {
                        if (access != Access.CREATE) throw new ToolException("'" + given + "' does not exist (no " + display(here) + ")");
                        // No mkdirat in the JDK: made by path, then opened relative to `dir` without following
                        // links, so a swap in between can at worst leave an empty directory elsewhere.
                        try {
                            Files.createDirectory(here, DIR_MODE);
                        } catch (FileAlreadyExistsException raced) {
                            // made meanwhile: open (and check) it below
                        }
                    } else if (!attrs.isDirectory()) {
                        throw new ToolException("'" + given + "': " + display(here) + " is not a directory");
                    }
                    var child = shared == null ? null : shared.open.get(here);
                    if (child == null) {
                        child = dir.newDirectoryStream(Path.of(name), LinkOption.NOFOLLOW_LINKS);
                        if (shared != null) child = shared.share(here, child);
                    }
                    if (!dirShared) dir.close();
                    dir = child;
                    at = here;
                }
            } finally {
                if (dir != null && !dirShared) dir.close();
            }
        }
    }

    private static final java.util.concurrent.ScheduledExecutorService UNBLOCKER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("fifo-release").factory());

    private static final FileAttribute<Set<PosixFilePermission>> DIR_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"));
    /** New files are 0644 less the umask (a temporary file from Files.createTempFile would be 0600). */
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));

    /** The root {@code p} is under, for this access; null if none. */
    private Path rootOf(Path p, Access access) {
        if (within(p, realRoot)) return realRoot;
        var extra = extraRootOf(p);
        if (extra != null) return extra;
        if (access == Access.READ) for (var r : readOnlyRoots) if (within(p, r)) return r;
        return null;
    }

    private static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, String name) throws IOException {
        try {
            return dir.getFileAttributeView(Path.of(name), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * A file reached by {@link #open}: its directory held open and its name in it. Everything done through it
     * happens to that entry of that directory, and never through a link (a link swapped in makes it fail).
     */
    public static final class Handle implements Closeable {
        private final SecureDirectoryStream<Path> dir;
        private final Path path;
        private final Path name;
        private final boolean sharedDir;

        private Handle(SecureDirectoryStream<Path> dir, Path path, Access access, boolean sharedDir) {
            this.dir = dir;
            this.path = path;
            this.name = path.getFileName();
            this.sharedDir = sharedDir;
        }

        /** The real path of the file. */
        public Path path() {
            return path;
        }

        /** Its attributes, not following a link; null when it does not exist. */
        public BasicFileAttributes attributes() throws IOException {
            if (dir != null) return Workspace.attributes(dir, name.toString());
            try {
                return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        /**
         * Opens the file to read. Callers check it is a regular file first, but one swapped for a FIFO since
         * would block open(2) until a writer came: if the open takes long, we become that writer ourselves
         * (same directory, no link followed, nothing written) to release it, and the type is checked again after.
         */
        public SeekableByteChannel openRead() throws IOException {
            var options = Set.<OpenOption>of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            if (dir == null) return Files.newByteChannel(path, options);
            var release = UNBLOCKER.schedule(() -> {
                try (var w = dir.newByteChannel(name, Set.of(StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS))) {
                    // opening is enough
                } catch (IOException | RuntimeException ignored) {
                    // not a FIFO after all, or gone
                }
            }, 1, TimeUnit.SECONDS);
            SeekableByteChannel ch;
            try {
                ch = dir.newByteChannel(name, options);
            } finally {
                release.cancel(false);
            }
            var attrs = attributes();
            if (attrs == null || !attrs.isRegularFile()) {
                ch.close();
                throw new IOException(path + " is not a regular file (it was replaced while being opened)");
            }
            return ch;
        }

        /**
         * Replaces the file's content atomically: a temporary file in the same directory, then a rename over the
         * file. A new file gets 0644 less the umask; an existing one keeps its permissions.
         */
        public void write(byte[] content) throws IOException {
            if (dir == null) {
                AtomicFiles.write(path, content);
                return;
            }
            var old = attributes();
            Set<PosixFilePermission> keep = old == null ? null
                    : dir.getFileAttributeView(name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes().permissions();
            var tmp = Path.of("." + name + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            var options = Set.<OpenOption>of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            boolean moved = false;
            try {
                try (var ch = dir.newByteChannel(tmp, options, FILE_MODE)) {
                    var buf = java.nio.ByteBuffer.wrap(content);
                    while (buf.hasRemaining()) ch.write(buf);
                }
                if (keep != null) dir.getFileAttributeView(tmp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setPermissions(keep);
                dir.move(tmp, dir, name); // renameat: replaces the entry itself, never what a link points to
                moved = true;
            } finally {
                if (!moved) {
                    try {
                        dir.deleteFile(tmp);
                    } catch (IOException ignored) {
                        // nothing was left behind, or it cannot be removed either
                    }
                }
            }
        }

        @Override
        public void close() throws IOException {
            if (dir != null && !sharedDir) dir.close();
        }
    }
}
