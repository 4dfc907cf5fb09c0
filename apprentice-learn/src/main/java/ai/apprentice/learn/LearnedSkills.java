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
        if (Files.isSymbolicLink(dir)) throw new IllegalArgumentException("the skill folder " + dir + " is a symbolic link; learning only reads and writes real folders");
        if (!Files.isDirectory(dir)) return null;
        var files = new TreeMap<String, String>();
        long[] total = {0};
        try (var walk = Files.walk(dir)) {
            for (var p : walk.sorted().toList()) {
                if (Files.isSymbolicLink(p)) {
                    throw new IllegalArgumentException(dir.relativize(p) + " in " + dir + " is a symbolic link; a learned skill holds only real files");
                }
                if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
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

    /** What applying a skill changed: the artifact and its live versions before and after. */
    record Applied(String artifact, int before, int after) {}

    /**
     * Installs the candidate skill into {@code skillsDir} (the user's skills) and records it as a new live version; a
     * skill that was there before learning touched it becomes the version undo goes back to.
     */
    static Applied apply(ai.apprentice.memory.playbook.LearnedStore store, Path skillsDir, Path skill, String reason, String decisionId) {
        String name = skill.getFileName().toString();
        String artifact = artifact(name);
        var target = skillsDir.resolve(name);
        int before = store.liveVersion(artifact).map(ai.apprentice.memory.playbook.LearnedStore.Version::version).orElseGet(() -> {
            var current = snapshot(target);
            return current == null ? 0 : store.put(artifact, current, "as installed before learning changed it", null).version();
        });
        var content = snapshot(skill);
        int after = store.put(artifact, content, reason, decisionId).version();
        restore(content, target);
        return new Applied(artifact, before, after);
    }

    /** Whether installing {@code skill} would change nothing: the installed folder holds exactly its files. */
    static boolean same(Path skillsDir, Path skill) {
        return java.util.Objects.equals(snapshot(skillsDir.resolve(skill.getFileName().toString())), snapshot(skill));
    }

    /** A copy of a skill folder in a staging folder of its own: the root a session puts ahead of the installed skills. */
    static Path stage(Path skill) {
        if (!Files.isRegularFile(skill.resolve("SKILL.md"))) throw new IllegalArgumentException(skill + " has no SKILL.md");
        try {
            var root = Files.createTempDirectory("apprentice-candidate-");
            restore(snapshot(skill), root.resolve(skill.getFileName().toString()));
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot stage the candidate skill " + skill + ": " + e.getMessage(), e);
        }
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
