package ai.apprentice.skills;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * What each subagent step of a file-based workflow produced, kept in {@code .apprentice/workflow-state.json}
 * in the workspace: for every output file, the hash of the step's definition (instructions, skill, input
 * file contents) and of the output as written. This makes workflows resumable and editable by a person:
 * a step whose output is there and whose inputs are unchanged is skipped; an output a person edited is kept
 * (and the edit recorded); a step whose inputs a person edited runs again from the edited files.
 */
final class WorkflowState {
    /** What to do about one step. */
    enum Decision { RUN, SKIP_DONE, SKIP_EDITED_OUTPUT }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    WorkflowState(Path workspace) {
        this.file = workspace.resolve(".apprentice").resolve("workflow-state.json");
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hashFile(Path p) throws IOException {
        return Files.isRegularFile(p) ? sha256(Files.readAllBytes(p)) : "missing";
    }

    /** The definition of a step: what it was asked and the exact contents of its inputs. */
    static String stepHash(String instructions, String skill, Map<String, String> inputHashes) {
        var sb = new StringBuilder(instructions).append('\u0000').append(skill == null ? "" : skill);
        new TreeMap<>(inputHashes).forEach((k, v) -> sb.append('\u0000').append(k).append('=').append(v));
        return sha256(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    synchronized Decision decide(String output, Path outputFile, String stepHash) throws IOException {
        var entry = read().path(output);
        if (entry.isMissingNode() || !Files.isRegularFile(outputFile)) return Decision.RUN;
        if (!entry.path("step").asText().equals(stepHash)) return Decision.RUN; // inputs or instructions changed
        return entry.path("output").asText().equals(hashFile(outputFile)) ? Decision.SKIP_DONE : Decision.SKIP_EDITED_OUTPUT;
    }

    /** The input files whose contents differ from what the last run of this step read: edits by a person. */
    synchronized java.util.List<String> changedInputs(String output, Map<String, String> inputHashes) throws IOException {
        var seen = read().path(output).path("inputs");
        if (seen.isMissingNode()) return java.util.List.of();
        return inputHashes.entrySet().stream()
                .filter(e -> seen.has(e.getKey()) && !seen.get(e.getKey()).asText().equals(e.getValue()))
                .map(Map.Entry::getKey).sorted().toList();
    }

    synchronized void record(String output, String stepHash, Map<String, String> inputHashes, String outputHash, String runId,
                             boolean humanEdit) throws IOException {
        var root = read();
        var entry = root.putObject(output);
        entry.put("step", stepHash).put("output", outputHash).put("run_id", runId);
        var inputs = entry.putObject("inputs");
        inputHashes.forEach(inputs::put);
        if (humanEdit) entry.put("human_edit", true);
        write(root);
    }

    private ObjectNode read() throws IOException {
        if (!Files.isRegularFile(file)) return JSON.createObjectNode();
        var node = JSON.readTree(file.toFile());
        return node instanceof ObjectNode o ? o : JSON.createObjectNode();
    }

    private void write(ObjectNode root) throws IOException {
        Files.createDirectories(file.getParent());
        var tmp = Files.createTempFile(file.getParent(), ".workflow-state", ".tmp");
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
