package ai.apprentice.envs;

import ai.apprentice.tool.Tool;
import ai.apprentice.tools.FileTools;
import ai.apprentice.tools.Sandbox;
import ai.apprentice.tools.ShellTool;
import ai.apprentice.tools.Workspace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What the environments whose agent works on files share (repo, and a folder of a person's own tasks): a
 * private folder per episode under a per-user scratch folder, the file tools and a sandboxed shell confined to
 * it, copying files in, and deleting the folder when the episode is closed.
 */
public final class EpisodeFolders {
    private EpisodeFolders() {}

    /**
     * {@code $TMPDIR/apprentice-KIND-USER}: one folder per user, since a folder another user made first in the
     * shared {@code /tmp} would not be ours to write.
     */
    public static Path scratch(String kind) {
        return Path.of(System.getProperty("java.io.tmpdir"), "apprentice-" + kind + "-" + System.getProperty("user.name"));
    }

    /** Throws, saying why and {@code otherwise}, when the shell sandbox cannot be used here. */
    public static void requireSandbox(String what, String otherwise) {
        var sandbox = Sandbox.probe();
        if (!sandbox.available()) {
            throw new IllegalStateException(what + " runs the agent's commands and needs the shell sandbox: " + sandbox.reason()
                    + (otherwise == null || otherwise.isEmpty() ? "" : "; " + otherwise));
        }
    }

    /**
     * The process environment of an episode's shell: apprentice's own (the shell tool removes secret-looking
     * variables), the JDK that runs apprentice first on the {@code PATH}, and no Python bytecode files.
     */
    public static Map<String, String> shellEnvironment() {
        var env = new HashMap<>(System.getenv());
        // Nothing that says where apprentice keeps its state, or where the process was started.
        env.keySet().removeIf(k -> k.startsWith("APPRENTICE_") || k.equals("PWD") || k.equals("OLDPWD"));
        String jdkBin = Path.of(System.getProperty("java.home"), "bin").toString();
        env.put("PATH", jdkBin + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        return env;
    }

    /**
     * No network, no secrets, the environment of {@link #shellEnvironment()}; in the sandbox when {@code sandbox}, which
     * also hides apprentice's home (its run store holds earlier trials, held-out ones included).
     */
    public static ShellTool.Settings shellSettings(boolean sandbox, int timeoutSeconds) {
        return new ShellTool.Settings(sandbox, false, timeoutSeconds, 30_000, name -> false, Map.copyOf(shellEnvironment()))
                .withHiddenPaths(existing(List.of(apprenticeHome())));
    }

    /** {@code $APPRENTICE_HOME}, else {@code ~/.apprentice}: where the harness keeps runs, evaluations and what it learned. */
    public static Path apprenticeHome() {
        var configured = System.getenv("APPRENTICE_HOME");
        return (configured != null && !configured.isBlank() ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".apprentice"))
                .toAbsolutePath().normalize();
    }

    /**
     * What an episode's shell must not read about a folder of tasks: the folder itself and the {@code .git} of every
     * repository it lies in (whose history holds the same files), as real paths (bwrap mounts over real paths only).
     */
    public static List<Path> hiddenAround(Path folder) {
        var out = new ArrayList<Path>();
        try {
            var real = folder.toRealPath();
            out.add(real);
            for (var a = real.getParent(); a != null; a = a.getParent()) {
                if (Files.exists(a.resolve(".git"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) out.add(a.resolve(".git"));
            }
        } catch (IOException e) {
            out.add(folder.toAbsolutePath().normalize());
        }
        return out;
    }

    private static List<Path> existing(List<Path> paths) {
        var out = new ArrayList<Path>();
        for (var p : paths) {
            try {
                if (Files.exists(p)) out.add(p.toRealPath());
            } catch (IOException e) {
                // not there to hide
            }
        }
        return out;
    }

    /** {@code read_file}, {@code write_file}, {@code edit_file}, {@code list_files}, {@code search_files} and {@code run_shell}, confined to {@code dir}. */
    public static List<Tool> tools(Path dir, ShellTool.Settings shell) {
        var workspace = new Workspace(dir);
        var all = new ArrayList<>(new FileTools(workspace).all());
        all.add(new ShellTool(workspace, shell).tool());
        return List.copyOf(all);
    }

    /**
     * Copies the tree {@code from} into {@code to} (made if missing), keeping file permissions; a path relative
     * to {@code from} (with {@code /}) that {@code skip} accepts is left out, with everything below it. Symbolic
     * links are left out, since a copied link could point out of the copy.
     */
    public static void copy(Path from, Path to, Predicate<String> skip) throws IOException {
        Files.createDirectories(to);
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            private String rel(Path p) {
                return from.relativize(p).toString().replace(java.io.File.separatorChar, '/');
            }

            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                var rel = rel(dir);
                if (rel.isEmpty()) return FileVisitResult.CONTINUE;
                if (skip.test(rel)) return FileVisitResult.SKIP_SUBTREE;
                Files.createDirectories(to.resolve(rel));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                var rel = rel(file);
                if (attrs.isSymbolicLink() || skip.test(rel)) return FileVisitResult.CONTINUE;
                Files.copy(file, to.resolve(rel), StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Deletes {@code root} and everything below it, if it exists; links are deleted, not followed. */
    public static void delete(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        try (var walk = Files.walk(root)) {
            for (var p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the episode's folder " + root, e);
        }
    }
}
