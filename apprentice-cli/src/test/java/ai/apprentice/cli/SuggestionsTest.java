package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Typos get a suggestion, 'help' follows a whole command path, the top-level help has examples, completion scripts work in bash. */
class SuggestionsTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void nearNamesAreSuggestedAndFarOnesAreNot() {
        var commands = List.of("run", "runs", "learn", "eval", "memory", "models", "model");
        assertThat(Suggestions.closest("rnu", commands)).startsWith("run");
        assertThat(Suggestions.closest("memroy", commands)).containsExactly("memory");
        assertThat(Suggestions.closest("mod", commands)).contains("model", "models");
        assertThat(Suggestions.closest("xyzzy", commands)).isEmpty();
        assertThat(Suggestions.distance("rnu", "run")).isEqualTo(1);
    }

    @Test
    void aMistypedCommandSubcommandOrOptionGetsADidYouMean() {
        var cli = new CliHarness(home, ws);
        var top = cli.run("rnu", "hello");
        assertThat(top.exit()).isEqualTo(2);
        assertThat(top.err()).contains("apprentice: unknown command 'rnu'. Did you mean 'run'").contains("See 'apprentice --help'.");
        assertThat(top.err()).doesNotContain("learn");

        var sub = cli.run("runs", "lsit");
        assertThat(sub.exit()).isEqualTo(2);
        assertThat(sub.err()).contains("unknown command 'lsit' for 'apprentice runs'. Did you mean 'list'?").contains("See 'apprentice runs --help'.");

        var option = cli.run("runs", "list", "--jsno");
        assertThat(option.exit()).isEqualTo(2);
        assertThat(option.err()).contains("unknown option '--jsno'. Did you mean '--json'?");
    }

    @Test
    void helpFollowsTheWholePathAndTheTopLevelHelpHasExamples() {
        var cli = new CliHarness(home, ws);
        var compare = cli.run("help", "eval", "compare");
        assertThat(compare.exit()).as(compare.err()).isZero();
        assertThat(compare.out()).contains("Usage: apprentice eval compare");

        var unknown = cli.run("help", "eval", "comapre");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown command 'comapre' for 'apprentice eval'. Did you mean 'compare'?");

        var top = cli.run("--help");
        assertThat(top.exit()).isZero();
        assertThat(top.out()).contains("Examples:").contains("apprentice run \"Summarise README.md\"").contains("completion bash");
    }

    /** The script is loaded into a real bash and asked what 'apprentice ru' and 'apprentice runs ' complete to. */
    @Test
    void theBashCompletionScriptCompletesCommandsAndSubcommands() throws Exception {
        var cli = new CliHarness(home, ws);
        var r = cli.run("completion", "bash");
        assertThat(r.exit()).as(r.err()).isZero();
        var script = ws.resolve("apprentice-completion.bash");
        Files.writeString(script, r.out());
        var probe = "source " + script + "\n"
                + "COMP_WORDS=(apprentice ru); COMP_CWORD=1; COMP_LINE='apprentice ru'; COMP_POINT=${#COMP_LINE}; _complete_apprentice apprentice; echo \"1:${COMPREPLY[*]}\"\n"
                + "COMP_WORDS=(apprentice runs ''); COMP_CWORD=2; COMP_LINE='apprentice runs '; COMP_POINT=${#COMP_LINE}; _complete_apprentice apprentice; echo \"2:${COMPREPLY[*]}\"\n";
        var p = new ProcessBuilder("bash", "--norc", "-c", probe).redirectErrorStream(true).start();
        var shown = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(shown).containsPattern("1:.*\\brun\\b").containsPattern("1:.*\\bruns\\b").doesNotContainPattern("1:.*\\beval\\b");
        assertThat(shown).containsPattern("2:.*\\blist\\b").containsPattern("2:.*\\bresume\\b");

        var zsh = cli.run("completion", "fish");
        assertThat(zsh.exit()).isEqualTo(2);
        assertThat(zsh.err()).contains("bash and zsh");
    }
}
