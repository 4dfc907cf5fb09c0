package ai.apprentice.harness;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A folder of skill folders as JSON and back: how a candidate skill, which exists only on the learner's disk, reaches
 * the workers that evaluate it. Text files only (a skill is instructions and scripts), bounded in size; the unpacked
 * copy is named by the content's hash, so a worker seeing the same skills again reuses it, and a half-written copy
 * is never used (it is written aside, then moved into place).
 */
final class SkillFolders {
    static final int MAX_FILES = 1_000;
    static final long MAX_FILE_BYTES = 1 << 20;
    static final long MAX_TOTAL_BYTES = 4L << 20;

    private SkillFolders() {}

    /** {@code {"sha256": ..., "files": {"RELATIVE/PATH": "text", ...}}} of the regular files under {@code root}. */
    static ObjectNode pack(Path root) {
        var files = new TreeMap<String, String>();
        long[] total = {0};
        try (var walk = Files.walk(root)) {
            for (var file : (Iterable<Path>) walk::iterator) {
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) continue; // links are not followed out of the folder
                var rel = root.relativize(file).toString().replace('\\', '/');
                long size = Files.size(file);
                if (size > MAX_FILE_BYTES) throw new IllegalArgumentException("skill file " + file + " is " + size + " bytes; at most " + MAX_FILE_BYTES + " travel to workers");
                total[0] += size;
                if (total[0] > MAX_TOTAL_BYTES) throw new IllegalArgumentException("the skills in " + root + " are over " + MAX_TOTAL_BYTES + " bytes: too many to send to workers");
                if (files.size() >= MAX_FILES) throw new IllegalArgumentException("the skills in " + root + " have over " + MAX_FILES + " files: too many to send to workers");
                files.put(rel, text(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the skills in " + root + ": " + e.getMessage(), e);
        }
        var o = Json.object().put("sha256", hash(files));
        o.set("files", Json.MAPPER.valueToTree(files));
        return o;
    }

    /** The folder {@code packed} describes, under {@code scratch}: made once per content. */
    static Path unpack(JsonNode packed, Path scratch) {
        if (packed == null || !packed.path("files").isObject()) throw new IllegalArgumentException("a packed skill folder has \"files\", got " + packed);
        var files = new TreeMap<String, String>();
        packed.path("files").fields().forEachRemaining(e -> files.put(checked(e.getKey()), e.getValue().asText()));
        var hash = hash(files);
        var target = scratch.resolve(hash.substring(0, 32));
        if (Files.isDirectory(target)) return target;
        try {
            Files.createDirectories(scratch);
            var aside = Files.createTempDirectory(scratch, ".unpacking-");
            for (var f : files.entrySet()) {
                var file = aside.resolve(f.getKey());
                Files.createDirectories(file.getParent());
                Files.writeString(file, f.getValue(), StandardCharsets.UTF_8);
            }
            try {
                Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException | AtomicMoveNotSupportedException raced) {
                deleteQuietly(aside); // another trial unpacked the same skills first
                if (!Files.isDirectory(target)) throw raced;
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot unpack skills into " + scratch + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover aside folder is harmless: it is never used
        }
    }

    /** A relative path inside the folder: no absolute path, no {@code ..}, nothing empty. */
    private static String checked(String rel) {
        if (rel.isEmpty() || rel.startsWith("/") || rel.contains("\\") || rel.contains("\0")) throw new IllegalArgumentException("not a relative skill file path: " + rel);
        for (var part : rel.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) throw new IllegalArgumentException("not a relative skill file path: " + rel);
        }
        return rel;
    }

    private static String text(Path file) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("skill file " + file + " is not UTF-8 text: only text files travel to workers", e);
        }
    }

    private static String hash(Map<String, String> files) {
        try {
            var digest = MessageDigest.getInstance("SHA-256");
            for (var f : files.entrySet()) {
                digest.update(f.getKey().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(f.getValue().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
