package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.ToolCall;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What running a call twice does, per standard tool, and what the policy does with a call that must not run twice. */
class ToolEffectsTest {
    @TempDir Path root;

    @Test
    void theStandardToolsSayWhatRunningThemTwiceDoes() {
        var tools = StandardTools.create(new Workspace(root), ShellTool.Settings.defaults(), new FetchTool(List.of("127.0.0.1")));
        Map<String, Tool.Effect> effects = tools.stream().collect(Collectors.toMap(Tool::name, Tool::effect));
        assertThat(effects).containsEntry("read_file", Tool.Effect.READ_ONLY).containsEntry("list_files", Tool.Effect.READ_ONLY)
                .containsEntry("search_files", Tool.Effect.READ_ONLY).containsEntry("fetch_url", Tool.Effect.READ_ONLY)
                .containsEntry("write_file", Tool.Effect.IDEMPOTENT)
                .containsEntry("edit_file", Tool.Effect.AT_LEAST_ONCE).containsEntry("run_shell", Tool.Effect.AT_LEAST_ONCE);
    }

    @Test
    void writingTheSameContentAgainLeavesTheFileAsItIs() throws Exception {
        var write = new FileTools(new Workspace(root)).writeFile();
        var args = Json.MAPPER.readTree("{\"path\":\"a/notes.txt\",\"content\":\"one\\ntwo\\n\"}");
        var first = write.execute(args, null);
        assertThat(first.content()).startsWith("Created");
        var file = root.resolve("a/notes.txt");
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_000_000_000_000L));
        var inode = Files.readAttributes(file, BasicFileAttributes.class).fileKey();

        var again = write.execute(args, null);
        assertThat(again.error()).isFalse();
        assertThat(again.content()).startsWith("Unchanged").contains("already has this content");
        assertThat(Files.getLastModifiedTime(file).toMillis()).isEqualTo(1_000_000_000_000L);
        assertThat(Files.readAttributes(file, BasicFileAttributes.class).fileKey()).isEqualTo(inode);

        var other = write.execute(Json.MAPPER.readTree("{\"path\":\"a/notes.txt\",\"content\":\"one\\nTWO\\n\"}"), null);
        assertThat(other.content()).startsWith("Overwrote");
        assertThat(Files.readString(file)).isEqualTo("one\nTWO\n");
    }

    private final ToolCall pay = new ToolCall("c1", "pay", "{\"to\":\"bob\"}");

    @Test
    void inAskModeACallThatMustNotRunTwiceAsksThePersonAgain() throws Exception {
        var asked = new AtomicInteger();
        var gate = new PolicyGate(PermissionRules.of(List.of(), List.of(), List.of()), ApprovalMode.ASK, (tool, subject, arguments) -> {
            asked.incrementAndGet();
            assertThat(subject).startsWith("again after a crash");
            return asked.get() == 1 ? PolicyGate.Approver.Answer.DENY : PolicyGate.Approver.Answer.ONCE;
        }, false, root);
        var context = new ToolContext("r", 1, root);
        var no = gate.recheck(pay, Json.MAPPER.readTree(pay.arguments()), context);
        assertThat(no.allowed()).isFalse();
        assertThat(no.reason()).contains("must not run twice", "declined");
        var yes = gate.recheck(pay, Json.MAPPER.readTree(pay.arguments()), context);
        assertThat(yes.allowed()).isTrue();
        assertThat(yes.decidedBy()).contains("again after a crash");
        assertThat(asked).hasValue(2);
    }

    @Test
    void withNobodyToAskACallThatMustNotRunTwiceIsRefused() throws Exception {
        for (var mode : List.of(ApprovalMode.AUTO, ApprovalMode.ALL)) {
            var gate = new PolicyGate(PermissionRules.of(List.of(), List.of(), List.of()), mode, null, false, root);
            var d = gate.recheck(pay, Json.MAPPER.readTree(pay.arguments()), new ToolContext("r", 1, root));
            assertThat(d.allowed()).as(mode.name()).isFalse();
            assertThat(d.decidedBy()).isEqualTo("not_twice");
        }
    }
}
