package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.json.Json;
import ai.apprentice.tool.ToolResult;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What an attacking model tried against the file tools: races, special files, huge inputs, modes. */
@Timeout(120)
class FileToolsSafetyTest {
    @TempDir Path root;
    @TempDir Path outside;
    FileTools tools;

    @BeforeEach
    void setUp() {
        tools = new FileTools(new Workspace(root));
    }

    private ToolResult call(ai.apprentice.tool.Tool tool, String json) {
        try {
            return tool.execute(Json.tree(json), null);
        } catch (Exception e) {
            return ToolResult.error(String.valueOf(e.getMessage()));
        }
    }

    /** Swaps {@code link} between two targets atomically (a rename over it), as fast as it can, until stopped. */
    private static Thread flipper(Path link, Path a, Path b, AtomicBoolean stop) {
        var t = new Thread(() -> {
            var tmp = link.resolveSibling(link.getFileName() + ".flip");
            for (long i = 0; !stop.get(); i++) {
                try {
                    Files.deleteIfExists(tmp);
                    Files.createSymbolicLink(tmp, i % 2 == 0 ? b : a);
                    Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (Exception ignored) {
                    // keep flipping
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void aLinkSwappedDuringReadsAndWritesNeverReachesOutside() throws Exception {
        var secret = Files.writeString(outside.resolve("outside-file"), "OUTSIDE");
        var inside = Files.writeString(root.resolve("inside.txt"), "INSIDE");
        Files.createSymbolicLink(root.resolve("link"), inside);
        Files.createDirectories(root.resolve("in-dir"));
        Files.writeString(root.resolve("in-dir/f.txt"), "INSIDE");
        Files.writeString(outside.resolve("f.txt"), "OUTSIDE");
        Files.createSymbolicLink(root.resolve("dir-link"), root.resolve("in-dir"));
        var stop = new AtomicBoolean();
        var flips = new Thread[] {flipper(root.resolve("link"), inside, secret, stop),
                flipper(root.resolve("dir-link"), root.resolve("in-dir"), outside, stop)};
        int[] leakedReads = new int[2], okReads = new int[2], okWrites = new int[2];
        try {
            for (int i = 0; i < 1000; i++) {
                for (int k = 0; k < 2; k++) {
                    var path = k == 0 ? "link" : "dir-link/f.txt";
                    var read = call(tools.readFile(), "{\"path\":\"" + path + "\"}");
                    if (read.content().contains("OUTSIDE")) leakedReads[k]++;
                    if (!read.error()) okReads[k]++;
                    var write = call(tools.writeFile(), "{\"path\":\"" + path + "\",\"content\":\"W" + i + "\"}");
                    if (!write.error()) okWrites[k]++;
                }
            }
        } finally {
            stop.set(true);
            for (var t : flips) t.join();
        }
        System.out.printf("race: file link %d/1000 reads and %d/1000 writes went through (inside), dir link %d and %d; "
                + "leaked reads %d and %d%n", okReads[0], okWrites[0], okReads[1], okWrites[1], leakedReads[0], leakedReads[1]);
        assertThat(leakedReads).containsExactly(0, 0);
        assertThat(Files.readString(secret)).isEqualTo("OUTSIDE");
        assertThat(Files.readString(outside.resolve("f.txt"))).isEqualTo("OUTSIDE");
        try (var s = Files.list(outside)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("outside-file", "f.txt");
        }
    }

    @Test
    @Timeout(20)
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        var fifo = root.resolve("pipe");
        var mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mk.waitFor()).isZero();
        Files.writeString(root.resolve("a.txt"), "needle\n");
        assertThatThrownBy(() -> tools.read("pipe", 1, 10)).isInstanceOf(ToolException.class)
                .hasMessageContaining("not a regular file");
        assertThatThrownBy(() -> tools.replace("pipe", "a", "b", false)).hasMessageContaining("not a regular file");
        assertThatThrownBy(() -> tools.write("pipe", "x")).hasMessageContaining("not a regular file");
        assertThat(tools.search("needle", ".", null)).contains("a.txt:1: needle");
        assertThat(tools.search("needle", "pipe", null)).contains("No matches");
        assertThatThrownBy(() -> tools.read("/dev/zero", 1, 10)).hasMessageContaining("outside the workspace");
        assertThatThrownBy(() -> tools.read("no/such/dir.txt", 1, 10)).isInstanceOf(ToolException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    @Timeout(20)
    void aFifoSwappedInAfterTheCheckDoesNotHangTheOpen() throws Exception {
        var file = Files.writeString(root.resolve("f.txt"), "x");
        var ws = new Workspace(root);
        try (var h = ws.open(ws.resolve("f.txt"), "f.txt", Workspace.Access.READ)) {
            assertThat(h.attributes().isRegularFile()).isTrue();
            Files.delete(file);
            assertThat(new ProcessBuilder("mkfifo", file.toString()).start().waitFor()).isZero();
            assertThatThrownBy(h::openRead).hasMessageContaining("not a regular file");
        }
    }

    @Test
    void aHugeSparseFileIsReadInABoundedWindowWithANotice() throws Exception {
        var big = root.resolve("big.log");
        Files.writeString(big, IntStream.rangeClosed(1, 3000).mapToObj(i -> "line " + i).collect(Collectors.joining("\n")) + "\n");
        long size = 3L * 1024 * 1024 * 1024;
        try (var f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(size);
        }
        long t0 = System.nanoTime();
        var out = tools.read("big.log", 1, FileTools.DEFAULT_READ_LINES);
        assertThat(out).startsWith("     1\tline 1\n").contains("  2000\tline 2000").doesNotContain("line 2001")
                .contains("of at least 3001; read on with offset=2001]").contains("the file has " + size + " bytes")
                .contains("only its first 64 MiB");
        var tail = tools.read("big.log", 3000, 5);
        assertThat(tail).contains("  3000\tline 3000").contains("  3001\t").contains("[line cut at " + FileTools.MAX_LINE_CHARS);
        assertThat(tools.search("line 2999$", ".", null)).contains("big.log:2999: line 2999").contains("first 8 MiB");
        System.out.printf("3 GB sparse file: two reads and a search in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void offsetAndLimitCannotOverflow() throws Exception {
        Files.writeString(root.resolve("s.txt"), "a\nb\nc\n");
        assertThat(tools.read("s.txt", 2, Integer.MAX_VALUE)).isEqualTo("     2\tb\n     3\tc\n[lines 2-3 of 3]");
        assertThatThrownBy(() -> tools.read("s.txt", Integer.MAX_VALUE, Integer.MAX_VALUE)).hasMessageContaining("past the end");
        assertThat(call(tools.readFile(), "{\"path\":\"s.txt\",\"offset\":2,\"limit\":2147483647}").content()).contains("     3\tc");
        // Even a huge limit on many lines gives one bounded observation.
        Files.writeString(root.resolve("many.txt"), "0123456789\n".repeat(100_000));
        var out = tools.read("many.txt", 1, Integer.MAX_VALUE);
        assertThat(out.length()).isLessThan(FileTools.MAX_READ_CHARS + 1000);
        assertThat(out).contains("of 100000; read on with offset=");
    }

    @Test
    void pathologicalRegexesEndWithANoticeNotACrashOrAHang() throws Exception {
        Files.writeString(root.resolve("long.txt"), "ab".repeat(100_000) + "\nabc here\n");
        var out = tools.search("(a|b)*c", ".", null);
        assertThat(out).contains("long.txt:2: abc here").contains("longer than " + Searcher.MAX_REGEX_LINE);
        Files.writeString(root.resolve("slow.txt"), "x".repeat(5000) + "\n");
        tools.searchTimeoutNanos = 1_000_000_000L;
        long t0 = System.nanoTime();
        var slow = tools.search("(x+x+)+y", "slow.txt", null);
        assertThat(slow).contains("the search was stopped after 1 s");
        assertThat(System.nanoTime() - t0).isLessThan(30_000_000_000L);
    }

    @Test
    void aDeepRecursionInTheRegexSkipsTheLine() throws Exception {
        // Alternation in a repeated group recurses once per character; a long enough line overflows the stack.
        Files.writeString(root.resolve("deep.txt"), "ab".repeat(Searcher.MAX_REGEX_LINE / 2) + "\nbc\n");
        var out = tools.search("(a|b)*c", ".", null);
        assertThat(out).contains("deep.txt:2: bc");
        System.out.println("deep regex: " + out.replace('\n', ' '));
    }

    private static int umask() throws Exception {
        var p = new ProcessBuilder("sh", "-c", "umask").start();
        return Integer.parseInt(new String(p.getInputStream().readAllBytes()).trim(), 8);
    }

    private static Set<PosixFilePermission> mode(int bits) {
        var s = new StringBuilder();
        for (int i = 8; i >= 0; i--) s.append((bits >> i & 1) == 0 ? '-' : "rwx".charAt((8 - i) % 3));
        return PosixFilePermissions.fromString(s.toString());
    }

    @Test
    void newFilesAre0644AndDirectories0755LessTheUmask() throws Exception {
        int umask = umask();
        tools.write("new/dir/a.txt", "x");
        assertThat(Files.getPosixFilePermissions(root.resolve("new/dir/a.txt"))).isEqualTo(mode(0644 & ~umask));
        assertThat(Files.getPosixFilePermissions(root.resolve("new/dir"))).isEqualTo(mode(0755 & ~umask));
        assertThat(Files.getPosixFilePermissions(root.resolve("new"))).isEqualTo(mode(0755 & ~umask));
        // An existing file keeps its mode through writes and edits.
        var secret = Files.writeString(root.resolve("secret.env"), "K=1\n");
        Files.setPosixFilePermissions(secret, mode(0600));
        tools.replace("secret.env", "K=1", "K=2", false);
        tools.write("secret.env", "K=3\n");
        assertThat(Files.getPosixFilePermissions(secret)).isEqualTo(mode(0600));
        var script = Files.writeString(root.resolve("run.sh"), "echo\n");
        Files.setPosixFilePermissions(script, mode(0755));
        tools.applyPatch("run.sh", "--- a/run.sh\n+++ b/run.sh\n@@ -1,1 +1,1 @@\n-echo\n+echo hi\n");
        assertThat(Files.getPosixFilePermissions(script)).isEqualTo(mode(0755));
        try (var s = Files.list(root)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void withoutAUtf8LocaleNonAsciiNamesAreRefusedWithAReasonNotCorrupted() throws Exception {
        Files.writeString(root.resolve("déjà.txt"), "x"); // made by this JVM; skipped below unless it has UTF-8 names
        org.junit.jupiter.api.Assumptions.assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")));
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), EncodingProbe.class.getName(), root.toString())
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_"));
        var p = pb.start();
        var out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("jnu=ANSI_X3.4-1968").contains("write refused: '").contains("read refused: '")
                .contains("cannot represent all its characters (start it with a UTF-8 locale, e.g. LANG=C.UTF-8)")
                .contains("could not be decoded: this process reads file names as ANSI_X3.4-1968");
        try (var s = Files.list(root)) {
            assertThat(s.map(f -> f.getFileName().toString())).containsExactly("déjà.txt"); // nothing written under a mangled name
        }
    }

    @Test
    void nonAsciiNamesRoundTrip() throws Exception {
        // With a UTF-8 sun.jnu.encoding (the test JVM's) names are kept exactly; without one the tools say why.
        org.junit.jupiter.api.Assumptions.assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")));
        tools.write("données/résumé-日本.txt", "ü\n");
        assertThat(tools.read("données/résumé-日本.txt", 1, 10)).contains("ü");
        assertThat(tools.list("**/*.txt", ".")).isEqualTo("données/résumé-日本.txt");
        assertThat(tools.search("ü", ".", null)).contains("données/résumé-日本.txt:1: ü");
    }
}
