package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspaceTest {
    @TempDir Path root;
    @TempDir Path outside;

    @Test
    void resolvesInsideAndRefusesEscapes() throws Exception {
        var ws = new Workspace(root);
        assertThat(ws.resolve("a/b.txt")).isEqualTo(root.toRealPath().resolve("a/b.txt"));
        assertThat(ws.resolve("a/../b.txt")).isEqualTo(root.toRealPath().resolve("b.txt"));
        assertThat(ws.resolve(root.toRealPath().resolve("x").toString())).isEqualTo(root.toRealPath().resolve("x"));
        assertThatThrownBy(() -> ws.resolve("../x")).isInstanceOf(ToolException.class).hasMessageContaining("outside the workspace");
        assertThatThrownBy(() -> ws.resolve("/etc/passwd")).hasMessageContaining("outside the workspace");
        assertThatThrownBy(() -> ws.resolve("a/../../x")).hasMessageContaining("outside");
        assertThatThrownBy(() -> ws.resolve("")).hasMessageContaining("empty");
    }

    @Test
    void refusesSymlinksThatLeadOut() throws Exception {
        Files.writeString(outside.resolve("secret.txt"), "s3cret");
        Files.createSymbolicLink(root.resolve("link-dir"), outside);
        Files.createSymbolicLink(root.resolve("link-file"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("dangling"), outside.resolve("nope/new.txt"));
        Files.createDirectories(root.resolve("in"));
        Files.createSymbolicLink(root.resolve("inner-link"), root.resolve("in"));
        var ws = new Workspace(root);
        assertThatThrownBy(() -> ws.resolve("link-dir/secret.txt")).hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> ws.resolve("link-file")).hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> ws.resolve("link-dir/new/deeper.txt")).hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> ws.resolve("dangling")).isInstanceOf(ToolException.class);
        assertThat(ws.resolve("inner-link/ok.txt")).isNotNull(); // links that stay inside are fine
    }

    @Test
    void aRuleCanAllowAnotherDirectory() throws Exception {
        var ws = new Workspace(root).allow(outside);
        assertThat(ws.resolve(outside.resolve("f.txt").toString())).isEqualTo(outside.resolve("f.txt"));
    }

    @Test
    void aWorkspaceThatIsItselfASymlinkWorks() throws Exception {
        var link = outside.resolve("ws-link");
        Files.createSymbolicLink(link, root);
        var ws = new Workspace(link);
        assertThat(ws.resolve("a.txt")).isEqualTo(root.toRealPath().resolve("a.txt"));
        assertThat(ws.resolve(link.resolve("b.txt").toString())).isEqualTo(root.toRealPath().resolve("b.txt"));
    }

    @Test
    void readOnlyFoldersCanBeReadButNotWritten() throws Exception {
        Files.writeString(outside.resolve("SKILL.md"), "---\nname: x\n---\n");
        var ws = new Workspace(root).allowRead(outside);
        var tools = new FileTools(ws);
        assertThat(tools.read(outside.resolve("SKILL.md").toString(), 1, 10)).contains("name: x");
        assertThatThrownBy(() -> ws.resolve(outside.resolve("SKILL.md").toString())).hasMessageContaining("outside the workspace");
        assertThatThrownBy(() -> tools.replace(outside.resolve("SKILL.md").toString(), "x", "y", false))
                .hasMessageContaining("outside the workspace");
        assertThat(Files.readString(outside.resolve("SKILL.md"))).contains("name: x");
    }
}
