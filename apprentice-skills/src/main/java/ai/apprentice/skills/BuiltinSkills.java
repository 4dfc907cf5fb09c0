package ai.apprentice.skills;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The skills that ship with apprentice (code-review, write-tests, research-report, writing-pipeline,
 * skill-creator), packaged as resources and unpacked once into a folder named after their content hash,
 * so that scripts can run and files can be read like any other skill's.
 */
public final class BuiltinSkills {
    private static final String ROOT = "/builtin-skills/";

    private BuiltinSkills() {}

    /** Unpacks the built-in skills under {@code parent} (if not there already) and returns their folder. */
    public static synchronized Path unpack(Path parent) {
        try {
            var files = new LinkedHashMap<String, byte[]>();
            var index = read("index.txt");
            for (var name : new String(index, StandardCharsets.UTF_8).split("\n")) {
                if (!name.isBlank()) files.put(name.strip(), read(name.strip()));
            }
            var dir = parent.resolve(hash(files));
            if (Files.isDirectory(dir)) return dir;
            Files.createDirectories(parent);
            var tmp = Files.createTempDirectory(parent, ".unpacking");
            for (var e : files.entrySet()) {
                var target = tmp.resolve(e.getKey());
                Files.createDirectories(target.getParent());
                Files.write(target, e.getValue());
                if (e.getKey().contains("/scripts/")) target.toFile().setExecutable(true);
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                if (!Files.isDirectory(dir)) throw raced; // another process unpacked the same content first
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot unpack the built-in skills into " + parent + ": " + e.getMessage(), e);
        }
    }

    private static byte[] read(String name) throws IOException {
        try (var in = BuiltinSkills.class.getResourceAsStream(ROOT + name)) {
            if (in == null) throw new IOException("missing resource " + ROOT + name);
            return in.readAllBytes();
        }
    }

    private static String hash(Map<String, byte[]> files) {
        var sb = new StringBuilder();
        files.forEach((k, v) -> sb.append(k).append('=').append(WorkflowState.sha256(v)).append('\n'));
        return WorkflowState.sha256(sb.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 12);
    }
}
