package ai.apprentice.memory;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.memory.MemoryStore.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(180)
@org.junit.jupiter.params.ParameterizedClass
@org.junit.jupiter.params.provider.EnumSource(Backend.class)
class ImporterTest {
    @TempDir Path home;
    @TempDir Path files;
    @org.junit.jupiter.params.Parameter Backend backend;
    private Backend.Place place;

    private Backend.Place place() {
        if (place == null) place = new Backend.Place(backend, home);
        return place;
    }

    @org.junit.jupiter.api.AfterEach
    void closePools() {
        if (place != null) place.close();
    }

    @Test
    void chatLogsAndDocumentsOfEveryFormatBecomeMemoriesOnce() throws Exception {
        Files.writeString(files.resolve("plain.txt"), """
                Alice: Are we still on for the climbing gym on Saturday?
                Bob: Yes, and I booked the 10am slot.
                this line is noise
                Alice: Great, I will bring the rope.
                """);
        Files.writeString(files.resolve("timed.log"), """
                [2024-03-01 09:15] Alice: The invoice for March is due on the 15th.
                [2024-03-01 09:16] Bob: I will pay it from the company account.
                """);
        Files.writeString(files.resolve("wechat.txt"), """
                2024-05-01 21:03:11 小明
                明天我们去爬山吧
                2024-05-01 21:04:02 Li Lei
                好的，早上八点在地铁站见
                """);
        Files.writeString(files.resolve("chat.json"), """
                {"messages": [{"sender": "Carol", "text": "My sister's name is Dana.", "timestamp": "2024-01-02"},
                              {"sender": "Dave", "content": "Nice to know!"}, {"sender": "Eve"}]}""");
        Files.writeString(files.resolve("notes.md"), "# Project Falcon\n\nFalcon ships the billing service in Rust.\n\n## Owners\n\nMaria owns the deploy pipeline.\n");
        Files.writeString(files.resolve("page.html"), "<html><body><h1>Garden</h1><p>The tomatoes need water every two days.</p></body></html>");
        try (var doc = new PDDocument()) {
            var page = new PDPage();
            doc.addPage(page);
            try (var cs = new PDPageContentStream(doc, page)) {
                cs.beginText();
                cs.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
                cs.newLineAtOffset(50, 700);
                cs.showText("The warranty of the dishwasher ends in June 2027.");
                cs.endText();
            }
            doc.save(files.resolve("manual.pdf").toFile());
        }
        Files.write(files.resolve("photo.txt"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 1, 2});
        Files.writeString(files.resolve("data.csv"), "a,b\n1,2\n");
        Files.createDirectories(files.resolve(".git"));
        Files.writeString(files.resolve(".git/config"), "[core]\n");

        try (var store = place().open(new OnnxEmbedder())) {
            var importer = new Importer(store, Memory.USER);
            var results = importer.importPaths(List.of(files), null);
            Map<String, Importer.FileResult> byName = results.stream().collect(Collectors.toMap(r -> r.file().getFileName().toString(), Function.identity()));
            assertThat(byName).doesNotContainKey("config"); // hidden folders are skipped
            assertThat(byName.get("plain.txt").format()).isEqualTo("plain chat");
            assertThat(byName.get("plain.txt").added()).isEqualTo(3);
            assertThat(byName.get("plain.txt").unparsedLines()).containsExactly(3);
            assertThat(byName.get("timed.log").format()).isEqualTo("timestamped");
            assertThat(byName.get("wechat.txt").format()).isEqualTo("wechat");
            assertThat(byName.get("wechat.txt").added()).isEqualTo(2);
            assertThat(byName.get("chat.json").added()).isEqualTo(2);
            assertThat(byName.get("chat.json").unparsedLines()).containsExactly(3);
            assertThat(byName.get("notes.md").format()).isEqualTo("markdown");
            assertThat(byName.get("page.html").added()).isEqualTo(1);
            assertThat(byName.get("manual.pdf").added()).isEqualTo(1);
            assertThat(byName.get("photo.txt").skipped()).contains("binary");
            assertThat(byName.get("data.csv").skipped()).contains("unsupported file type .csv");
            assertThat(store.segments()).isEqualTo(1); // an import ends with the index merged

            var bob = store.recall("when is the climbing session booked", 3, null, Method.HYBRID);
            assertThat(bob.getFirst().memory().text()).isEqualTo("Bob: Yes, and I booked the 10am slot.");
            assertThat(bob.getFirst().memory().source()).endsWith("plain.txt");
            assertThat(bob.getFirst().memory().context()).startsWith("Alice: Are we still on");
            assertThat(store.recall("dishwasher warranty", 1, null, Method.HYBRID).getFirst().memory().kind()).isEqualTo(Memory.Kind.DOCUMENT);
            assertThat(store.recall("爬山", 3, null, Method.LEXICAL)).isNotEmpty();
            int before = store.count();

            var again = importer.importPaths(List.of(files), null);
            assertThat(again).allMatch(r -> r.added() == 0);
            assertThat(store.count()).isEqualTo(before);
        }
    }

    @Test
    void hugeFilesAreSkippedWithTheReason() throws Exception {
        var big = files.resolve("big.txt");
        try (var ch = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {'x'}), Importer.MAX_BYTES + 10); // sparse: no 20 MB written
        }
        try (var store = place().open(new OnnxEmbedder())) {
            var r = new Importer(store, Memory.USER).importPaths(List.of(big), null).getFirst();
            assertThat(r.skipped()).startsWith("too large (21.0 MB; the limit is 20 MB)");
            assertThat(store.count()).isZero();
        }
    }

    @Test
    void deeplyNestedJsonIsSkippedWithTheReason() throws Exception {
        var deep = files.resolve("deep.json");
        java.nio.file.Files.writeString(deep, "[".repeat(5000) + "]".repeat(5000));
        try (var store = place().open(MemoryToolsTest.LETTERS)) {
            var r = new Importer(store, Memory.USER).importPaths(List.of(deep), null).getFirst();
            assertThat(r.skipped()).contains("not valid JSON").contains("nesting depth");
            assertThat(store.count()).isZero();
        }
    }

    /** Assignments the old pattern missed: its \\b failed after an underscore (DB_PASSWORD, aws_secret_access_key). */
    @Test
    void secretsInImportedNotesAreRedactedBeforeStoring() throws Exception {
        Files.writeString(files.resolve("setup.md"), """
                # Deploy setup

                The staging database uses DB_PASSWORD=Tr0ub4dor-staging and the bucket
                aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY for uploads.

                Payments use STRIPE_SECRET_KEY=sk_live_51HaBcDeFgHiJkLmNoPqRs in production.
                """);
        try (var store = place().open(new OnnxEmbedder())) {
            new Importer(store, Memory.USER).importPaths(List.of(files), null);
            var all = String.join("\n", store.list(null, true, 100).stream().map(Memory::text).toList());
            assertThat(all).contains("Deploy setup").contains("[REDACTED:")
                    .doesNotContain("Tr0ub4dor").doesNotContain("wJalrXUtnFEMI").doesNotContain("sk_live_51Ha");
        }
    }
}
