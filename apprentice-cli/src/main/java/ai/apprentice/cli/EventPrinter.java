package ai.apprentice.cli;

import ai.apprentice.json.Json;
import ai.apprentice.redact.Redactor;
import ai.apprentice.redact.Visible;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.EventListener;
import java.io.PrintStream;

/**
 * Shows a run's events on the terminal: assistant text as it streams, tool calls and results one line
 * each, retries and errors on stderr. With {@code json}, one JSON event per line on stdout instead.
 * Content is redacted ({@link Redactor}) and its control characters shown as text ({@link Visible}), so that
 * a model, a tool or a file cannot print a secret or move the cursor; the printer's own escapes (dim, erase) stay.
 */
final class EventPrinter implements EventListener {
    private static final int PREVIEW = 160;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean json;
    private final boolean color;
    private boolean midLine;
    /** The last thing shown was the model's reasoning (dimmed), not its answer. */
    private boolean reasoning;
    private boolean unpricedShown;
    /** Streamed text of the current step since its last line break, as shown: what a retry can still erase in place. */
    private final StringBuilder lineSoFar = new StringBuilder();
    /** The same text as received, before redaction and escaping: a retry discards characters of this. */
    private final StringBuilder rawLine = new StringBuilder();

    EventPrinter(PrintStream out, PrintStream err, boolean json, boolean color) {
        this.out = out;
        this.err = err;
        this.json = json;
        this.color = color;
    }

    @Override
    public synchronized void onEvent(Event event) {
        if (json) {
            out.println(Visible.escapeText(Json.write(Redactor.standard().redact(event))));
            out.flush();
            return;
        }
        switch (event) {
            case Event.ReasoningDelta r -> { // dimmed, apart from the answer, which starts on a line of its own
                lineSoFar.setLength(0);
                rawLine.setLength(0);
                String shown = text(r.text());
                out.print(dim(shown));
                out.flush();
                midLine = !shown.endsWith("\n");
                reasoning = true;
            }
            case Event.ModelDelta d -> {
                if (reasoning) endLine();
                reasoning = false;
                String shown = text(d.text());
                out.print(shown);
                out.flush();
                midLine = !shown.endsWith("\n");
                int nl = shown.lastIndexOf('\n');
                if (nl >= 0) lineSoFar.setLength(0);
                lineSoFar.append(nl >= 0 ? shown.substring(nl + 1) : shown);
                int rawNl = d.text().lastIndexOf('\n');
                if (rawNl >= 0) rawLine.setLength(0);
                rawLine.append(rawNl >= 0 ? d.text().substring(rawNl + 1) : d.text());
            }
            case Event.UsageEvent u when u.unpriced() && !unpricedShown -> { // said once: its cost is unknown, not $0
                unpricedShown = true;
                endLine();
                err.println(dim("(no price known for this model: its cost is not counted; add it under 'prices' in the config)"));
            }
            case Event.ToolCallEvent c -> line(dim("→ " + preview(c.call().name()) + " " + preview(c.call().arguments())));
            case Event.ToolResultEvent r -> line(dim((r.error() ? "✗ " : "← ") + preview(r.content())));
            case Event.ModelRetry r -> {
                discard(r.discardChars());
                endLine();
                err.printf("(model call failed: %s; retry %d in %.1fs)%n", preview(r.reason()), r.attempt(), r.waitMs() / 1000.0);
            }
            case Event.ErrorEvent e -> {
                endLine();
                err.println("error: " + Visible.escapeText(Redactor.standard().redact(e.message())));
            }
            case Event.StepCompleted s -> endLine();
            case Event.RunFinished f -> endLine();
            case Event.MemoryRecalled m -> {
                endLine();
                err.println(dim("(recalled " + m.memoryIds().size() + " memor" + (m.memoryIds().size() == 1 ? "y" : "ies") + ": "
                        + String.join(", ", m.memoryIds()) + ")"));
            }
            case Event.MemoryUpdated m -> {
                endLine();
                err.println("memory updated: " + m.texts().size() + " stored (undo: apprentice memory undo " + m.batch() + ")");
                m.texts().forEach(t -> err.println("  + " + preview(t)));
            }
            case Event.Compacted c -> {
                endLine();
                err.printf("(context compacted: %,d -> %,d tokens of %,d; %d old tool results elided%s)%n", c.tokensBefore(), c.tokensAfter(),
                        c.window(), c.elided(), c.summarised() > 0 ? ", " + c.summarised() + " messages summarised" : "");
            }
            default -> { }
        }
    }

    /**
     * A retried call streams its answer again: the failed attempt's text must not stay on screen ("HelHello"). On a
     * terminal text still on the current line is erased in place; otherwise a line says that it is void.
     */
    private void discard(int chars) {
        if (chars <= 0) return;
        if (color && chars <= rawLine.length()) {
            // What stays, shown as it would have been; usually a prefix of what is shown, so only the tail is erased.
            rawLine.setLength(rawLine.length() - chars);
            String keep = text(rawLine.toString());
            int erase = keep.contentEquals(lineSoFar.subSequence(0, Math.min(keep.length(), lineSoFar.length())))
                    ? lineSoFar.length() - keep.length() : lineSoFar.length();
            if (erase > 0) out.print("\u001b[" + erase + "D\u001b[K");
            if (erase == lineSoFar.length()) out.print(keep);
            lineSoFar.setLength(0);
            lineSoFar.append(keep);
            midLine = !lineSoFar.isEmpty();
        } else {
            endLine();
            out.println(dim("(the answer above was cut off and starts again)"));
            lineSoFar.setLength(0);
            rawLine.setLength(0);
        }
        out.flush();
    }

    private void line(String s) {
        endLine();
        out.println(s);
        out.flush();
    }

    private void endLine() {
        lineSoFar.setLength(0);
        rawLine.setLength(0);
        if (midLine) {
            out.println();
            midLine = false;
        }
    }

    private String dim(String s) {
        return color ? "\u001b[2m" + s + "\u001b[0m" : s;
    }

    /** Model text as shown: redacted, and every control but newline and tab made visible. */
    private static String text(String s) {
        return Visible.escapeText(Redactor.standard().redact(s));
    }

    /** One line of content: redacted, whitespace runs as one space, other controls visible, at most 160 characters. */
    static String preview(String s) {
        if (s == null) return "";
        var one = Visible.escape(Redactor.standard().redact(s).replaceAll("[ \\t\\n\\x0B\\f]+", " ")).strip();
        return one.length() <= PREVIEW ? one : one.substring(0, PREVIEW) + "…";
    }
}
