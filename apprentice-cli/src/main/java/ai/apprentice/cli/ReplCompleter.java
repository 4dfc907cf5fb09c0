package ai.apprentice.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * What Tab completes at the REPL prompt: the slash commands and the user-invocable skills (as {@code /name}) in the
 * first word, workspace paths after an {@code @} anywhere.
 */
final class ReplCompleter implements Completer {
    private final Path workspace;
    private final Supplier<List<String>> skills;

    /** {@code skills}: names of the skills a person may start as {@code /name}, asked for at each Tab (they may change). */
    ReplCompleter(Path workspace, Supplier<List<String>> skills) {
        this.workspace = workspace;
        this.skills = skills;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        var word = line.word();
        if (word.startsWith("@")) {
            for (var path : Mentions.complete(workspace, word.substring(1))) {
                // A folder is not complete: Tab goes on into it rather than ending the word.
                candidates.add(new Candidate("@" + path, path, null, null, null, null, !path.endsWith("/")));
            }
            return;
        }
        if (line.wordIndex() != 0) return;
        for (var command : Repl.COMMANDS) candidates.add(new Candidate(command));
        List<String> names;
        try {
            names = skills.get();
        } catch (RuntimeException e) {
            names = List.of(); // a broken skill folder must not break typing; /skills says what is wrong
        }
        for (var name : names) {
            if (!Repl.COMMANDS.contains("/" + name)) candidates.add(new Candidate("/" + name, "/" + name, "skills", null, null, null, true));
        }
    }
}
