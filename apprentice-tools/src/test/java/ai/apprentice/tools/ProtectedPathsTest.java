package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Protected paths can be read but not written or created by the file tools, however the path is spelt. */
class ProtectedPathsTest {
    @TempDir Path root;
    @TempDir Path outside;
    Workspace ws;
    FileTools tools;

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(root.resolve(".apprentice"));
        Files.writeString(root.resolve(".apprentice/config.yaml"), "approval: ask\n");
        Files.createDirectories(root.resolve(".git/hooks"));
        Files.writeString(root.resolve(".git/config"), "[core]\n");
        Files.writeString(root.resolve(".git/HEAD"), "ref: refs/heads/main\n");
        ws = new Workspace(root).protect(root.resolve(".apprentice"), "the agent's own settings")
                .protect(root.resolve(".git/hooks"), "git hooks run code").protect(root.resolve(".git/config"), "git settings")
                .protect(root.resolve(".claude"), "another agent's settings");
        tools = new FileTools(ws);
    }

    private void refused(ThrowingWrite write, String protectedName) {
        assertThatThrownBy(write::run).isInstanceOf(ToolException.class).hasMessageContaining("is protected (" + protectedName)
                .hasMessageContaining("a person can change it themselves");
    }

    interface ThrowingWrite {
        void run() throws Exception;
    }

    @Test
    void writesAndEditsOfAProtectedFileAreRefusedButReadsWork() throws Exception {
        assertThat(tools.read(".apprentice/config.yaml", 1, 10)).contains("approval: ask");
        refused(() -> tools.write(".apprentice/config.yaml", "approval: all\n"), ".apprentice: the agent's own settings");
        refused(() -> tools.replace(".apprentice/config.yaml", "ask", "all", false), ".apprentice");
        refused(() -> tools.applyPatch(".apprentice/config.yaml", "@@ -1,1 +1,1 @@\n-approval: ask\n+approval: all\n"), ".apprentice");
        refused(() -> tools.replace(".git/config", "[core]", "[core]\n\thooksPath = /tmp", false), ".git/config: git settings");
        refused(() -> tools.write(".git/hooks/pre-commit", "#!/bin/sh\n"), ".git/hooks");
        assertThat(Files.readString(root.resolve(".apprentice/config.yaml"))).isEqualTo("approval: ask\n");
        assertThat(root.resolve(".git/hooks/pre-commit")).doesNotExist();
        tools.write(".git/HEAD", "ref: refs/heads/other\n"); // not protected
    }

    @Test
    void everySpellingIsNormalisedFirst() throws Exception {
        refused(() -> tools.write("./.apprentice/../.apprentice/config.yaml", "x"), ".apprentice");
        refused(() -> tools.write(".apprentice/./config.yaml", "x"), ".apprentice");
        refused(() -> tools.write("src/../.apprentice/config.yaml", "x"), ".apprentice");
        refused(() -> tools.write(root.resolve(".apprentice/config.yaml").toString(), "x"), ".apprentice");
        refused(() -> tools.write(root.toRealPath().resolve(".apprentice//config.yaml").toString(), "x"), ".apprentice");
        refused(() -> tools.write(".apprentice", "x"), ".apprentice");
        assertThat(root.resolve("src")).doesNotExist();
    }

    @Test
    void newFilesAndDirectoriesBelowAProtectedPathAreRefused() throws Exception {
        refused(() -> tools.write(".apprentice/skills/evil/SKILL.md", "x"), ".apprentice");
        refused(() -> tools.write(".claude/settings.json", "{}"), ".claude"); // protected before it exists
        assertThat(root.resolve(".apprentice/skills")).doesNotExist();
        assertThat(root.resolve(".claude")).doesNotExist();
    }

    @Test
    void linksIntoAProtectedPathAreRefused() throws Exception {
        Files.createSymbolicLink(root.resolve("settings-dir"), root.resolve(".apprentice"));
        Files.createSymbolicLink(root.resolve("cfg"), root.resolve(".apprentice/config.yaml"));
        Files.createSymbolicLink(root.resolve("relative-cfg"), Path.of(".apprentice/config.yaml"));
        Files.createSymbolicLink(root.resolve("hooks"), Path.of(".git/hooks"));
        refused(() -> tools.write("settings-dir/config.yaml", "x"), ".apprentice");
        refused(() -> tools.write("cfg", "x"), ".apprentice");
        refused(() -> tools.replace("relative-cfg", "ask", "all", false), ".apprentice");
        refused(() -> tools.write("hooks/post-checkout", "x"), ".git/hooks");
        assertThat(Files.readString(root.resolve(".apprentice/config.yaml"))).isEqualTo("approval: ask\n");
        assertThat(Files.isSymbolicLink(root.resolve("cfg"))).isTrue();
    }

    @Test
    void namesAreComparedExactly() throws Exception {
        // Linux file names are case-sensitive: .Apprentice is another directory, not the protected one.
        tools.write(".Apprentice/notes.md", "x");
        tools.write(".apprentice-notes.md", "x");
        assertThat(root.resolve(".Apprentice/notes.md")).exists();
    }

    @Test
    void aProtectedHomeOutsideAndAWorkspaceReachedThroughALink() throws Exception {
        var home = Files.createDirectories(outside.resolve("home"));
        var link = Files.createSymbolicLink(outside.resolve("ws-link"), root);
        var viaLink = new Workspace(link).allow(outside).protect(home, "apprentice home").protect(link.resolve(".apprentice"), "settings");
        var t = new FileTools(viaLink);
        refused(() -> t.write(home.resolve("config.yaml").toString(), "x"), home.toString());
        refused(() -> t.write(".apprentice/config.yaml", "x"), ".apprentice");
        refused(() -> t.write(link.resolve(".apprentice/config.yaml").toString(), "x"), ".apprentice");
        t.write(outside.resolve("elsewhere.txt").toString(), "ok");
    }
}
