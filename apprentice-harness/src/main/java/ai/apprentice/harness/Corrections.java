package ai.apprentice.harness;

import ai.apprentice.json.Json;
import ai.apprentice.model.ToolCall;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunHook;
import ai.apprentice.store.WrittenFiles;
import ai.apprentice.tool.ToolResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Human corrections as data: every file the agent writes is recorded with its hash, and when a person later
 * changes or deletes it, the next run (or REPL line) in that workspace records a {@code feedback} event with the
 * diff on the run that wrote it. Those events are what the learning loop learns from.
 */
final class Corrections implements RunHook {
    private static final Set<String> WRITES = Set.of("write_file", "edit_file");

    private final WrittenFiles written;

    Corrections(WrittenFiles written) {
        this.written = written;
    }

    @Override
    public void afterToolCall(Turn turn, ToolCall call, ToolResult result) {
        var tool = Session.ALIASES.getOrDefault(call.name(), call.name());
        if (result.error() || !WRITES.contains(tool)) return;
        var args = Json.tree(call.arguments());
        var given = args.hasNonNull("path") ? args.get("path").asText() : args.path("file_path").asText(null);
        if (given == null) return;
        var workspace = turn.workspace().toAbsolutePath().normalize();
        var file = workspace.resolve(given).normalize();
        if (!file.startsWith(workspace) || !Files.isRegularFile(file)) return;
        try {
            written.recordWrite(workspace, workspace.relativize(file).toString(), turn.runId(), Files.readAllBytes(file));
        } catch (IOException e) {
            // unreadable right after the write: nothing to compare later, so nothing is recorded
        }
    }

    /** The corrections people made in {@code workspace} since the agent wrote there, recorded on the runs that wrote. */
    static List<Event.Feedback> detect(Harness harness, Path workspace) {
        var author = harness.env().getOrDefault("USER", harness.env().getOrDefault("LOGNAME", "person"));
        var found = new WrittenFiles(harness.store()).detectCorrections(workspace, author);
        for (var f : found) harness.err().println("(" + f.correction() + "; recorded as feedback on that run)");
        return found;
    }
}
