package ai.apprentice.cli;

import ai.apprentice.redact.Visible;
import ai.apprentice.tools.PolicyGate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Function;

/**
 * Asks the person at the terminal about a tool call: once, always for this session, or deny. Questions are
 * asked one at a time even when tool calls run in parallel.
 */
final class TerminalApprover implements PolicyGate.Approver {
    private final PrintStream out;
    private final Function<String, String> readLine;

    /** {@code readLine} shows a prompt and returns the answer, or null at end of input. */
    TerminalApprover(PrintStream out, Function<String, String> readLine) {
        this.out = out;
        this.readLine = readLine;
    }

    static TerminalApprover overStreams(PrintStream out, BufferedReader in) {
        return new TerminalApprover(out, prompt -> {
            out.print(prompt);
            out.flush();
            try {
                return in.readLine();
            } catch (IOException e) {
                return null;
            }
        });
    }

    @Override
    public synchronized Answer ask(String tool, String subject, String arguments) {
        out.println();
        // Exactly what will run, whole and on one line: controls shown as text (an escape sequence must not redraw
        // the line into something harmless), nothing cut off, and not redacted (a "secret" could hide a command).
        out.println("apprentice wants to run " + Visible.escape(tool) + ": " + Visible.escape(subject.isEmpty() ? arguments : subject));
        while (true) {
            var answer = readLine.apply("Allow? [o]nce, [a]lways this session, [d]eny: ");
            if (answer == null) return Answer.DENY;
            switch (answer.strip().toLowerCase(Locale.ROOT)) {
                case "o", "once", "y", "yes" -> { return Answer.ONCE; }
                case "a", "always" -> { return Answer.ALWAYS; }
                case "d", "deny", "n", "no" -> { return Answer.DENY; }
                default -> out.println("Please answer o, a or d.");
            }
        }
    }
}
