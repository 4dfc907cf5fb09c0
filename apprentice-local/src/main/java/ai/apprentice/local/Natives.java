package ai.apprentice.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Puts llama.cpp's native library where java-llama.cpp will load it from, before its first use. Its own
 * loader extracts to a fixed name in the shared temporary folder (two processes race on it, another user
 * could replace it) and prints to standard output (which would corrupt {@code --json}); so we extract it
 * into the user's cache, atomically, check it byte for byte before each load, and point
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
        // In the user's own cache, not a shared temporary folder where another user could plant a library.
        var dir = Path.of(System.getProperty("user.home"), ".cache", "apprentice", "jllama-" + VERSION);
        var lib = dir.resolve("libjllama.so");
        try (var in = de.kherud.llama.LlamaModel.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("llama.cpp natives for Linux x86-64 are missing from the classpath (" + resource + ")");
            var bytes = in.readAllBytes();
            if (!Files.isRegularFile(lib) || !java.util.Arrays.equals(Files.readAllBytes(lib), bytes)) {
                Files.createDirectories(dir);
                var tmp = Files.createTempFile(dir, "libjllama", ".tmp");
                try {
                    Files.write(tmp, bytes);
                    Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot extract llama.cpp's native library to " + dir + ": " + e.getMessage(), e);
        }
        System.setProperty("de.kherud.llama.lib.path", dir.toString());
        ready = true;
    }
}
