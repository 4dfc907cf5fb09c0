package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileToolsTest {
    @TempDir Path root;
    FileTools tools;

    @BeforeEach
    void setUp() {
        tools = new FileTools(new Workspace(root));
    }

    @Test
    void readShowsNumberedLinesInWindows() throws Exception {
        Files.writeString(root.resolve("big.txt"), IntStream.rangeClosed(1, 2500).mapToObj(i -> "line " + i).collect(Collectors.joining("\n")) + "\n");
        var first = tools.read("big.txt", 1, FileTools.DEFAULT_READ_LINES);
        assertThat(first).startsWith("     1\tline 1\n").contains("  2000\tline 2000").doesNotContain("line 2001")
                .contains("[lines 1-2000 of 2500; read on with offset=2001]");
        var window = tools.read("big.txt", 2499, 10);
        assertThat(window).contains("  2500\tline 2500").contains("[lines 2499-2500 of 2500]");
        assertThatThrownBy(() -> tools.read("big.txt", 3000, 10)).hasMessageContaining("past the end").hasMessageContaining("2500 lines");
    }

    @Test
    void readRecognisesBinaryAndMissingFiles() throws Exception {
        Files.write(root.resolve("img.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 1});
        Files.writeString(root.resolve("notes.md"), "x");
        assertThat(tools.read("img.png", 1, 10)).contains("binary file (7 bytes)");
        assertThatThrownBy(() -> tools.read("note.md", 1, 10)).hasMessageContaining("does not exist").hasMessageContaining("notes.md");
        assertThatThrownBy(() -> tools.read(".", 1, 10)).hasMessageContaining("is a directory");
    }

    @Test
    void writeCreatesParentsAndLeavesNoTemporaryFiles() throws Exception {
        var tool = tools.writeFile();
        var result = tool.execute(ai.apprentice.json.Json.tree("{\"path\":\"deep/er/a.txt\",\"content\":\"hello\\nworld\\n\"}"), null);
        assertThat(result.content()).contains("Created deep/er/a.txt").contains("2 lines");
        assertThat(Files.readString(root.resolve("deep/er/a.txt"))).isEqualTo("hello\nworld\n");
        try (var s = Files.list(root.resolve("deep/er"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("a.txt");
        }
    }

    @Test
    void editReplacesExactlyOnceOrExplains() throws Exception {
        Files.writeString(root.resolve("a.py"), "def f(x):\n    return x + 1\n\ndef g(x):\n    return x + 1\n");
        assertThatThrownBy(() -> tools.replace("a.py", "return x + 2", "y", false)).hasMessageContaining("not found");
        assertThatThrownBy(() -> tools.replace("a.py", "return x + 1", "return x - 1", false))
                .hasMessageContaining("matches 2 times").hasMessageContaining("lines 2, 5");
        var out = tools.replace("a.py", "def g(x):\n    return x + 1", "def g(x):\n    return x * 2", false);
        assertThat(out).contains("     5\t    return x * 2");
        assertThat(Files.readString(root.resolve("a.py"))).contains("return x * 2").contains("return x + 1");
        tools.replace("a.py", "x", "y", true);
        assertThat(Files.readString(root.resolve("a.py"))).doesNotContain("x");
    }

    @Test
    void editAppliesUnifiedDiffsOrLeavesTheFileAlone() throws Exception {
        Files.writeString(root.resolve("c.txt"), "one\ntwo\nthree\n");
        var patch = "--- a/c.txt\n+++ b/c.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n";
        assertThat(tools.applyPatch("c.txt", patch)).contains("Patched c.txt").contains("TWO");
        assertThat(Files.readString(root.resolve("c.txt"))).isEqualTo("one\nTWO\nthree\n");
        var bad = "--- a/c.txt\n+++ b/c.txt\n@@ -1,3 +1,3 @@\n uno\n-dos\n+DOS\n tres\n";
        assertThatThrownBy(() -> tools.applyPatch("c.txt", bad)).hasMessageContaining("does not apply");
        assertThat(Files.readString(root.resolve("c.txt"))).isEqualTo("one\nTWO\nthree\n");
        assertThatThrownBy(() -> tools.applyPatch("c.txt", "not a diff")).hasMessageContaining("no hunks");
    }

    @Test
    void listRespectsGitignore() throws Exception {
        Files.createDirectories(root.resolve("src/main"));
        Files.createDirectories(root.resolve("build/out"));
        Files.createDirectories(root.resolve(".git"));
        Files.writeString(root.resolve(".gitignore"), "build/\n*.log\n!keep.log\n");
        Files.writeString(root.resolve("src/.gitignore"), "secret.java\n");
        for (var f : new String[] {"src/main/A.java", "src/main/B.java", "src/secret.java", "build/out/C.java", "x.log", "keep.log", "Top.java", ".git/config"}) {
            Files.writeString(root.resolve(f), "x");
        }
        assertThat(tools.list("**/*.java", ".").split("\n")).containsExactly("Top.java", "src/main/A.java", "src/main/B.java");
        assertThat(tools.list("*.log", ".")).isEqualTo("keep.log");
        assertThat(tools.list("*.java", "src/main").split("\n")).containsExactly("src/main/A.java", "src/main/B.java");
        assertThat(tools.list("*.rs", ".")).contains("No files match");
    }

    @Test
    void searchReturnsSortedFileLineMatches() throws Exception {
        Files.createDirectories(root.resolve("b"));
        Files.writeString(root.resolve("b/z.txt"), "alpha\nTODO two\n");
        Files.writeString(root.resolve("a.txt"), "TODO one\nnothing\nTODO three TODO again\n");
        Files.write(root.resolve("bin.dat"), new byte[] {'T', 'O', 'D', 'O', 0});
        var out = tools.search("TODO", ".", null);
        assertThat(out.split("\n")).containsExactly("a.txt:1: TODO one", "a.txt:3: TODO three TODO again", "b/z.txt:2: TODO two");
        assertThat(tools.search("^TODO t", ".", "*.txt")).contains("a.txt:3").contains("b/z.txt:2").doesNotContain("a.txt:1");
        assertThatThrownBy(() -> tools.search("(unclosed", ".", null)).hasMessageContaining("bad regular expression");
        assertThat(tools.search("absent", ".", null)).contains("No matches");
    }

    @Test
    void searchLimitsItsOutput() throws Exception {
        Files.writeString(root.resolve("many.txt"), "hit\n".repeat(FileTools.MAX_MATCHES + 20));
        var out = tools.search("hit", ".", null);
        assertThat(out).contains("[showing " + FileTools.MAX_MATCHES + " of " + (FileTools.MAX_MATCHES + 20) + " matches");
    }
}
