package ai.apprentice.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Puts llama.cpp's native library where java-llama.cpp will load it from, before its first use. Its own
 * loader extracts to a fixed name in the temporary folder (two processes race on it) and prints to standard
 * output (which would corrupt {@code --json}); so we extract once per version, atomically, and point
 * {@code de.kherud.llama.lib.path} at it.
 */
final class Natives {
    static final String VERSION = "4.2.0";
    private static volatile boolean ready;

    private Natives() {}

    static synchronized void ensureLoaded() {
        if (ready || System.getProperty("de.kherud.llama.lib.path") != null) return;
        var resource = "/de/kherud/llama/Linux/x86_64/libjllama.so";
        if (!System.getProperty("os.name").startsWith("Linux") || !System.getProperty("os.arch").matches("amd64|x86_64")) {
            ready = true; // other platforms: the library's own loader finds its natives
            return;
        }
        var dir = Path.of(System.getProperty("java.io.tmpdir"), "apprentice-jllama-" + VERSION + "-" + System.getProperty("user.name"));
        var lib = dir.resolve("libjllama.so");
        try (var in = de.kherud.llama.LlamaModel.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("llama.cpp natives for Linux x86-64 are missing from the classpath (" + resource + ")");
            if (!Files.isRegularFile(lib)) {
                Files.createDirectories(dir);
                var tmp = Files.createTempFile(dir, "libjllama", ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot extract llama.cpp's native library to " + dir + ": " + e.getMessage(), e);
        }
        System.setProperty("de.kherud.llama.lib.path", dir.toString());
        ready = true;
    }
}
