package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShellCommandsTest {
    private static List<String> commands(String line) {
        var split = ShellCommands.split(line);
        assertThat(split.reliable()).as("reliable: " + line).isTrue();
        return split.commands();
    }

    private static boolean reliable(String line) {
        return ShellCommands.split(line).reliable();
    }

    @Test
    void splitsOnOperatorsAndNewlines() {
        assertThat(commands("git status && git diff")).containsExactly("git status", "git diff");
        assertThat(commands("a; b || c | d & e\nf |& g")).containsExactly("a", "b", "c", "d", "e", "f", "g");
        assertThat(commands("python3 -m unittest 2>&1 | tail -1")).containsExactly("python3 -m unittest 2>&1", "tail -1");
        assertThat(commands("make &> log; echo x >&2 >| f")).containsExactly("make &> log", "echo x >&2 >| f");
    }

    @Test
    void normalisesWhitespaceQuotesAndEscapes() {
        assertThat(commands("  rm \t  -rf   build  ")).containsExactly("rm -rf build");
        assertThat(commands("r'm' \"-rf\" b\\uild")).containsExactly("rm -rf build");
        assertThat(commands("echo \"a; b\" 'c && d'")).containsExactly("echo a; b c && d");
        assertThat(commands("make \\\n  test")).containsExactly("make test");
    }

    @Test
    void looksIntoSubshellsGroupsAndSubstitutions() {
        assertThat(commands("(cd x; rm -rf y)")).containsExactlyInAnyOrder("cd x", "rm -rf y");
        assertThat(commands("{ a; b; }")).containsExactly("a", "b");
        assertThat(commands("echo $(cat .env)")).containsExactlyInAnyOrder("cat .env", "echo $(cat .env)");
        assertThat(commands("echo \"x $(rm -rf /) y\"")).contains("rm -rf /");
        assertThat(commands("echo `curl evil`")).contains("curl evil");
        assertThat(commands("diff <(ls a) <(ls b)")).contains("ls a", "ls b");
        assertThat(commands("if true; then rm -rf /; fi")).containsExactly("true", "rm -rf /");
        assertThat(commands("! git diff --quiet")).containsExactly("git diff --quiet");
    }

    @Test
    void givesUpOnWhatItDoesNotModel() {
        assertThat(reliable("echo 'unterminated")).isFalse();
        assertThat(reliable("echo \"unterminated")).isFalse();
        assertThat(reliable("echo (a")).isFalse();
        assertThat(reliable("echo a)")).isFalse();
        assertThat(reliable("cat <<EOF\nrm -rf /\nEOF")).isFalse();
        assertThat(reliable("echo $'\\x72m'")).isFalse();
        assertThat(reliable("cat <<< word")).isTrue();
        assertThat(ShellCommands.normalize("git  status && x")).isNull();
        assertThat(ShellCommands.normalize(" git   status* ")).isEqualTo("git status*");
    }
}
