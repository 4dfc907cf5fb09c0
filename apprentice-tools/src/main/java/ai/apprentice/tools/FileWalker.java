package ai.apprentice.tools;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Lists the regular files under a directory as {@code git} would show them: {@code .git} skipped, and every
 * {@code .gitignore} on the way (from the workspace root down) respected. Links are not followed.
 */
final class FileWalker {
    private record Scope(Path dir, GitIgnore rules) {}

    private static final long MAX_GITIGNORE_BYTES = 1024 * 1024;

    private FileWalker() {}

    static List<Path> files(Path workspaceRoot, Path start) throws IOException {
        var result = new ArrayList<Path>();
        Deque<Scope> scopes = new ArrayDeque<>();
        // .gitignore files of the directories above the start (within the workspace) still apply.
        if (!start.equals(workspaceRoot) && start.startsWith(workspaceRoot)) {
            for (Path d = workspaceRoot; !d.equals(start); d = d.resolve(start.getName(d.getNameCount()))) {
                push(scopes, d);
            }
        }
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(start) && (dir.getFileName().toString().equals(".git") || ignored(scopes, dir, true))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                push(scopes, dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && !ignored(scopes, file, false)) result.add(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                return FileVisitResult.CONTINUE; // unreadable entries are skipped, not fatal
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
                if (!scopes.isEmpty() && scopes.peek().dir.equals(dir)) scopes.pop();
                return FileVisitResult.CONTINUE;
            }
        });
        return result;
    }

    private static void push(Deque<Scope> scopes, Path dir) throws IOException {
        var file = dir.resolve(".gitignore");
        // Not through a link, not a FIFO (it would block), not a file too big to be a real .gitignore.
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            attrs = null;
        }
        boolean usable = attrs != null && attrs.isRegularFile() && attrs.size() <= MAX_GITIGNORE_BYTES;
        scopes.push(new Scope(dir, usable ? GitIgnore.load(file) : null));
    }

    private static boolean ignored(Deque<Scope> scopes, Path p, boolean isDir) {
        // Deeper .gitignore files override shallower ones: check from the innermost scope out.
        for (var scope : scopes) {
            if (scope.rules == null || !p.startsWith(scope.dir)) continue;
            Boolean verdict = scope.rules.ignored(scope.dir.relativize(p).toString().replace('\\', '/'), isDir);
            if (verdict != null) return verdict;
        }
        return false;
    }
}
