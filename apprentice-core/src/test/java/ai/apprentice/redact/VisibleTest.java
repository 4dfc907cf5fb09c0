package ai.apprentice.redact;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import org.junit.jupiter.api.Test;

class VisibleTest {
    /** The attack: move to column 1, erase the line, and print a harmless-looking command over the real one. */
    static final String ATTACK = "echo pwned > ~/.bashrc \u001b[1G\u001b[Kgit status";

    @Test
    void escapesAreShownNotInterpreted() {
        assertThat(Visible.escape(ATTACK)).isEqualTo("echo pwned > ~/.bashrc \\x1b[1G\\x1b[Kgit status");
        assertThat(Visible.escape("a\rb\u0000c\u007fd\u009be")).isEqualTo("a\\rb\\x00c\\x7fd\\u009be");
        assertThat(Visible.escape("evil\u202eexe.txt \u2066x\u2069")).isEqualTo("evil\\u202eexe.txt \\u2066x\\u2069");
        assertThat(Visible.escape("one\ntwo\tthree")).isEqualTo("one\\ntwo\\tthree");
        assertThat(Visible.escapeText("one\ntwo\tthree\r")).isEqualTo("one\ntwo\tthree\\r");
    }

    @Test
    void plainTextIsTheSameInstanceAndJsonStaysJson() {
        String plain = "héllo wörld — 你好 \\x1b";
        assertThat(Visible.escape(plain)).isSameAs(plain);
        String json = Json.write(java.util.Map.of("s", "a\u001b[2Jb\u202ec\u0085"));
        assertThat(Json.tree(Visible.escape(json)).get("s").asText()).isEqualTo("a\u001b[2Jb\u202ec\u0085");
        assertThat(Visible.escape(json)).doesNotContain("\u202e").doesNotContain("\u001b");
    }
}
