package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.Candidate;
import org.jline.reader.impl.DefaultParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** @file mentions: the file's content follows the task; only workspace files, capped, with clear errors; Tab completes them. */
class MentionsTest {
    @TempDir Path ws;
    @TempDir Path elsewhere;

    @Test
    void aMentionedFileFollowsTheLineAsTyped() throws Exception {
        Files.createDirectories(ws.resolve("src"));
        Files.writeString(ws.resolve("src/calc.py"), "def add(a, b):\n    return a - b\n");
        Files.writeString(ws.resolve("notes.md"), "no newline at end");
        var a = Mentions.attach("why does @src/calc.py fail? see @notes.md, and @src/calc.py again; mail me at x@y.example", ws);
        assertThat(a.files()).containsExactly("src/calc.py", "notes.md");
        assertThat(a.task()).isEqualTo("why does @src/calc.py fail? see @notes.md, and @src/calc.py again; mail me at x@y.example"
                + "\n\n<file path=\"src/calc.py\">\ndef add(a, b):\n    return a - b\n</file>"
                + "\n\n<file path=\"notes.md\">\nno newline at end\n</file>");
        var none = Mentions.attach("no files here, \\@Override stays", ws);
        assertThat(none.files()).isEmpty();
        assertThat(none.task()).isEqualTo("no files here, @Override stays");
    }

    @Test
    void missingOutsideFolderTooLargeOrBinaryIsAClearError() throws Exception {
        Files.writeString(elsewhere.resolve("secret.txt"), "not yours");
        Files.createSymbolicLink(ws.resolve("link.txt"), elsewhere.resolve("secret.txt"));
        Files.createDirectories(ws.resolve("dir"));
        Files.writeString(ws.resolve("big.log"), "x".repeat(Mentions.MAX_BYTES + 1));
        Files.write(ws.resolve("blob.bin"), new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        assertThat(Mentions.attach("why does @Override fail here, ask @team", ws).task()).as("words that are not paths stay text")
                .isEqualTo("why does @Override fail here, ask @team");
        assertThatThrownBy(() -> Mentions.attach("read @nope.txt", ws)).hasMessageStartingWith("@nope.txt: no such file in ")
                .hasMessageContaining("nothing was sent");
        assertThatThrownBy(() -> Mentions.attach("read @../" + elsewhere.getFileName() + "/secret.txt", ws)).hasMessageContaining("outside the workspace");
        assertThatThrownBy(() -> Mentions.attach("read @link.txt", ws)).as("a link out of it").hasMessageStartingWith("@link.txt: outside the workspace");
        assertThatThrownBy(() -> Mentions.attach("read @dir", ws)).hasMessageStartingWith("@dir: a folder");
        assertThatThrownBy(() -> Mentions.attach("read @big.log", ws)).hasMessageStartingWith("@big.log: 100,001 bytes, more than the 100,000");
        assertThatThrownBy(() -> Mentions.attach("read @blob.bin", ws)).hasMessageStartingWith("@blob.bin: not UTF-8 text");
    }

    @Test
    void tabCompletesPathsAfterAnAtAndCommandsAndSkillsFirst() throws Exception {
        Files.createDirectories(ws.resolve("src/main"));
        Files.writeString(ws.resolve("src/calc.py"), "");
        Files.writeString(ws.resolve("setup.cfg"), "");
        Files.writeString(ws.resolve(".hidden"), "");
        var completer = new ReplCompleter(ws, () -> List.of("review-pr", "help"));
        assertThat(complete(completer, "look at @s")).containsExactly("@setup.cfg", "@src/");
        assertThat(complete(completer, "look at @src/")).containsExactly("@src/calc.py", "@src/main/");
        assertThat(complete(completer, "look at @../")).as("nothing outside").isEmpty();
        assertThat(complete(completer, "/re")).contains("/resume", "/review-pr").doesNotHaveDuplicates();
        assertThat(complete(completer, "/help")).containsOnlyOnce("/help");
        assertThat(complete(completer, "fix /re")).as("commands only as the first word").isEmpty();
    }

    /** The candidates JLine would offer for the line so far, filtered by the word typed as JLine filters them. */
    private static List<String> complete(ReplCompleter completer, String typed) {
        var parsed = new DefaultParser().parse(typed, typed.length());
        var candidates = new ArrayList<Candidate>();
        completer.complete(null, parsed, candidates);
        return candidates.stream().map(Candidate::value).filter(v -> v.startsWith(parsed.word())).toList();
    }
}
