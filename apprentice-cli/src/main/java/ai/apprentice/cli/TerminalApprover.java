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
    private final boolean color;

    /** {@code readLine} shows a prompt and returns the answer, or null at end of input. */
    TerminalApprover(PrintStream out, Function<String, String> readLine) {
        this(out, readLine, false);
    }

    /** {@code color}: diffs of edits in colour (a terminal that allows it). */
    TerminalApprover(PrintStream out, Function<String, String> readLine, boolean color) {
        this.out = out;
        this.readLine = readLine;
        this.color = color;
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
    public Answer ask(String tool, String subject, String arguments) {
        return decide(tool, subject, arguments).answer();
    }

    /** As {@link #ask}; "d REASON" (or "deny: REASON") denies and tells the model why. */
    @Override
    public synchronized Verdict decide(String tool, String subject, String arguments) {
        out.println();
        // Exactly what will run, whole and on one line: controls shown as text (an escape sequence must not redraw
        // the line into something harmless), nothing cut off, and not redacted (a "secret" could hide a command).
        out.println("apprentice wants to run " + Visible.escape(tool) + ": " + Visible.escape(subject.isEmpty() ? arguments : subject));
        var diff = Diffs.of(tool, arguments);
        if (!diff.isEmpty()) out.print(Diffs.render(diff, color));
        var always = tool.equals("run_shell") ? "this exact command" : "every " + Visible.escape(tool) + " call";
        while (true) {
            var answer = readLine.apply("Allow? [o]nce, [a]lways (" + always + ", until this session ends), [d]eny (d REASON tells the model why): ");
            if (answer == null) return new Verdict(Answer.DENY, null);
            var words = answer.strip().split("[\\s:]+", 2);
            var reason = words.length > 1 ? words[1].strip() : null;
            switch (words[0].toLowerCase(Locale.ROOT)) {
                case "o", "once", "y", "yes" -> { return new Verdict(Answer.ONCE, null); }
                case "a", "always" -> { return new Verdict(Answer.ALWAYS, null); }
                case "d", "deny", "n", "no" -> { return new Verdict(Answer.DENY, reason); }
                default -> out.println("Please answer o, a or d (optionally followed by a reason).");
            }
        }
    }
}
