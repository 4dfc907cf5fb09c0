package ai.apprentice.learn;

import ai.apprentice.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.TreeMap;

/**
 * A skill folder as a learned artifact: its files as one JSON text (what the learned store versions), and back.
 * Only text files of a skill are kept (SKILL.md, scripts, references); a folder over 1 MB is refused.
 */
final class LearnedSkills {
    static final long MAX_BYTES = 1 << 20;

    private LearnedSkills() {}

    static String artifact(String skillName) {
        return "skill:" + skillName;
    }

    /** The folder's files as JSON ({@code {"files": {"SKILL.md": "..."}}}), or null when there is no folder. */
    static String snapshot(Path dir) {
        if (!Files.isDirectory(dir)) return null;
        var files = new TreeMap<String, String>();
        long[] total = {0};
        try (var walk = Files.walk(dir)) {
            for (var p : walk.filter(Files::isRegularFile).sorted().toList()) {
                var bytes = Files.readAllBytes(p);
                total[0] += bytes.length;
                if (total[0] > MAX_BYTES) throw new IllegalArgumentException("the skill folder " + dir + " is over 1 MB; a learned skill is text");
                var text = new String(bytes, StandardCharsets.UTF_8);
                if (!java.util.Arrays.equals(text.getBytes(StandardCharsets.UTF_8), bytes)) {
                    throw new IllegalArgumentException(dir.relativize(p) + " in " + dir + " is not UTF-8 text; a learned skill holds only text files");
                }
                files.put(dir.relativize(p).toString().replace('\\', '/'), text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the skill folder " + dir + ": " + e.getMessage(), e);
        }
        var o = Json.object();
        o.set("files", Json.MAPPER.valueToTree(files));
        return o.toPrettyString() + "\n";
    }

    /** Makes {@code dir} hold exactly the snapshot's files (no folder when the snapshot is null). */
    static void restore(String snapshot, Path dir) {
        try {
            if (Files.isDirectory(dir)) {
                try (var walk = Files.walk(dir)) {
                    for (var p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
                }
            }
            if (snapshot == null) return;
            var files = Json.MAPPER.readTree(snapshot).path("files");
            var it = files.fields();
            while (it.hasNext()) {
                var e = it.next();
                var target = dir.resolve(e.getKey()).normalize();
                if (!target.startsWith(dir)) throw new IllegalArgumentException("a learned skill's file " + e.getKey() + " lies outside its folder");
                Files.createDirectories(target.getParent());
                Files.writeString(target, e.getValue().asText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the skill folder " + dir + ": " + e.getMessage(), e);
        }
    }
}
