package ai.apprentice.cli;

import ai.apprentice.json.Json;
import ai.apprentice.redact.Redactor;
import ai.apprentice.redact.Visible;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.EventListener;
import java.io.PrintStream;
import java.util.List;

/**
 * Shows a run's events on the terminal: assistant text as it streams, tool calls one line each (edits with their
 * diff), results by their first lines, a spinner while nothing happens, retries and errors on stderr. With {@code json}, one JSON event per line on stdout instead.
 * Content is redacted ({@link Redactor}) and its control characters shown as text ({@link Visible}), so that
 * a model, a tool or a file cannot print a secret or move the cursor; the printer's own escapes (dim, erase) stay.
 */
final class EventPrinter implements EventListener {
    private static final int PREVIEW = 160;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean json;
    private final boolean terminal;
    private final boolean color;
    /**
     * Piped, the answer goes to stdout once, at the end: streamed text is held back, and shown here only when a tool
     * call follows it (then it was the model thinking aloud, not the answer).
     */
    private final boolean holdText;
    private final StringBuilder held = new StringBuilder();
    /** Diffs of edits called, by call id, until the permission for them is known. */
    private final java.util.Map<String, List<String>> pendingDiffs = new java.util.HashMap<>();
    /** Live output of the tool calls running, by call id: the line not yet complete. */
    private final java.util.Map<String, StringBuilder> liveOutput = new java.util.HashMap<>();
    private boolean midLine;
    /** The last thing shown was the model's reasoning (dimmed), not its answer. */
    private boolean reasoning;
    private boolean unpricedShown;
    /** Streamed text of the current step since its last line break, as shown: what a retry can still erase in place. */
    private final StringBuilder lineSoFar = new StringBuilder();
    /** The same text as received, before redaction and escaping: a retry discards characters of this. */
    private final StringBuilder rawLine = new StringBuilder();
    /** On a terminal, the answer's Markdown rendered line by line; null to show it as written. */
    private final MarkdownLines markdown;
    /** Columns of the terminal (0 unknown): how many rows a streamed line took, when it is redrawn rendered. */
    private final java.util.function.IntSupplier width;

    /** {@code terminal}: a terminal that takes cursor movement and colour. */
    EventPrinter(PrintStream out, PrintStream err, boolean json, boolean terminal) {
        this(out, err, json, terminal, terminal, false, false, () -> 0);
    }

    private EventPrinter(PrintStream out, PrintStream err, boolean json, boolean terminal, boolean color, boolean holdText,
            boolean renderMarkdown, java.util.function.IntSupplier width) {
        this.markdown = renderMarkdown ? new MarkdownLines(color) : null;
        this.width = width;
        this.out = out;
        this.err = err;
        this.json = json;
        this.terminal = terminal;
        this.color = color;
        this.holdText = holdText;
    }

    /** For a person at a terminal; {@code color} false when NO_COLOR asks for none (the cursor still moves). */
    static EventPrinter forTerminal(PrintStream out, PrintStream err, boolean color) {
        return forTerminal(out, err, color, () -> 0);
    }

    /**
     * The same, with the answer's Markdown rendered: each line streams as written and, once complete, is redrawn
     * rendered ({@code width} gives the terminal's columns, to know how many rows a long line took).
     */
    static EventPrinter forTerminal(PrintStream out, PrintStream err, boolean color, java.util.function.IntSupplier width) {
        return new EventPrinter(out, err, false, true, color, false, true, width);
    }

    /** Progress for a run whose answer is printed elsewhere (stdout, piped): tool calls and the text before them, no answer. */
    static EventPrinter progressOnly(PrintStream progress) {
        return new EventPrinter(progress, progress, false, false, false, true, false, () -> 0);
    }

    private static final String[] FRAMES = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
    /** Quiet this long, the spinner shows; output hides it at once. */
    private static final long SPINNER_AFTER_NANOS = 400_000_000L;
    private long startedNanos = System.nanoTime();
    private long lastOutputNanos = startedNanos;
    private long tokens;
    private boolean spinnerShown;
    private boolean paused;
    private int frame;

    /** While a question is asked (an approval), the spinner must not draw over it. */
    synchronized void pause(boolean pause) {
        paused = pause;
        if (pause) {
            hideSpinner();
            out.flush();
        }
        lastOutputNanos = System.nanoTime();
    }

    /**
     * On a terminal, a spinner with the elapsed time and tokens so far while the model or a tool is silent (so that a
     * 30-second wait is not a blank screen); closing it clears the line. Elsewhere it does nothing.
     */
    Spinner spinner() {
        if (!terminal || json || holdText) return Spinner.NONE;
        synchronized (this) {
            startedNanos = lastOutputNanos = System.nanoTime();
        }
        var task = SPINNER.scheduleAtFixedRate(() -> tick(System.nanoTime()), 100, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
        return () -> {
            task.cancel(false);
            synchronized (this) {
                hideSpinner();
                out.flush();
            }
        };
    }

    /** A spinner shown until closed. */
    interface Spinner extends AutoCloseable {
        Spinner NONE = () -> { };

        @Override
        void close();
    }

    private static final java.util.concurrent.ScheduledExecutorService SPINNER = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        var t = new Thread(r, "cli-spinner");
        t.setDaemon(true);
        return t;
    });

    /** One frame of the spinner at {@code now}; tests call it with their own clock. */
    synchronized void tick(long now) {
        if (!terminal || json || holdText || paused || midLine || now - lastOutputNanos < SPINNER_AFTER_NANOS) return;
        long seconds = (now - startedNanos) / 1_000_000_000L;
        var status = FRAMES[frame++ % FRAMES.length] + " working · " + (seconds >= 60 ? seconds / 60 + "m" + seconds % 60 + "s" : seconds + "s")
                + (tokens > 0 ? String.format(java.util.Locale.ROOT, " · %,d tokens", tokens) : "") + " · Ctrl-C cancels";
        out.print("\r\u001b[K" + dim(status));
        out.flush();
        spinnerShown = true;
    }

    private void hideSpinner() {
        if (spinnerShown) {
            out.print("\r\u001b[K");
            spinnerShown = false;
        }
    }

    @Override
    public synchronized void onEvent(Event event) {
        hideSpinner();
        lastOutputNanos = System.nanoTime();
        if (event instanceof Event.UsageEvent u) tokens = u.totalInputTokens() + u.totalOutputTokens();
        if (json) {
            out.println(Visible.escapeText(Json.write(Redactor.standard().redact(event))));
            out.flush();
            return;
        }
        switch (event) {
            case Event.ReasoningDelta r when holdText -> { } // piped, stdout gets the answer only; the reasoning is in the run's events
            case Event.ReasoningDelta r -> { // dimmed, apart from the answer, which starts on a line of its own
                lineSoFar.setLength(0);
                rawLine.setLength(0);
                String shown = text(r.text());
                out.print(dim(shown));
                out.flush();
                midLine = !shown.endsWith("\n");
                reasoning = true;
            }
            case Event.ModelDelta d when holdText -> held.append(d.text());
            case Event.ModelDelta d when markdown != null -> {
                if (reasoning) endLine();
                reasoning = false;
                streamMarkdown(d.text());
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
            case Event.ToolCallEvent c -> {
                showHeld();
                endLine();
                if (markdown != null) markdown.reset();
                line(dim("→ " + preview(c.call().name()) + " " + preview(c.call().arguments())));
                var diff = Diffs.of(c.call().name(), Redactor.standard().redact(c.call().arguments()));
                if (!diff.isEmpty()) pendingDiffs.put(c.call().id(), diff);
            }
            case Event.PermissionDecision p -> {
                // An edit's diff once: here when a rule or mode allowed it, in the question when a person was asked.
                var diff = pendingDiffs.remove(p.callId());
                if (diff != null && p.allowed() && (p.decidedBy() == null || !p.decidedBy().startsWith("user"))) {
                    endLine();
                    out.print(Diffs.render(diff, color));
                    out.flush();
                }
            }
            case Event.ToolOutputDelta o when !terminal || holdText -> { } // piped, the result's first lines are enough
            case Event.ToolOutputDelta o -> {
                var partial = liveOutput.computeIfAbsent(o.callId(), id -> new StringBuilder()).append(o.text());
                for (int nl = partial.indexOf("\n"); nl >= 0; nl = partial.indexOf("\n")) {
                    line(liveLine(partial.substring(0, nl)));
                    partial.delete(0, nl + 1);
                }
            }
            case Event.ToolResultEvent r -> {
                var partial = liveOutput.remove(r.callId());
                if (partial == null) {
                    line(dim(result(r.error(), r.content())));
                } else { // its output is on the screen already: the result's first line (the exit code) is what is new
                    if (!partial.isEmpty()) line(liveLine(partial.toString()));
                    var first = r.content() == null ? "" : r.content().strip().lines().findFirst().orElse("");
                    line(dim(result(r.error(), first)));
                }
            }
            case Event.ModelRetry r when holdText -> {
                held.setLength(Math.max(0, held.length() - r.discardChars()));
                err.printf("(model call failed: %s; retry %d in %.1fs)%n", preview(r.reason()), r.attempt(), r.waitMs() / 1000.0);
            }
            case Event.ModelRetry r -> {
                discard(r.discardChars());
                endLine();
                err.printf("(model call failed: %s; retry %d in %.1fs)%n", preview(r.reason()), r.attempt(), r.waitMs() / 1000.0);
            }
            case Event.ErrorEvent e -> {
                endLine();
                err.println("error: " + Visible.escapeText(Redactor.standard().redact(e.message())));
            }
            case Event.StepCompleted s -> {
                held.setLength(0); // a step without tool calls: its text is the answer (or a reply the loop nudges)
                endLine();
                if (markdown != null) markdown.reset();
            }
            case Event.RunFinished f -> {
                held.setLength(0);
                pendingDiffs.clear();
                liveOutput.clear();
                endLine();
            }
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
        if (terminal && chars <= rawLine.length()) {
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
            if (markdown != null) markdown.reset(); // the new attempt starts outside any code block the old one opened
            lineSoFar.setLength(0);
            rawLine.setLength(0);
        }
        out.flush();
    }

    /**
     * Streamed answer text on a terminal: the current line shows as it arrives (written as is), and each line, once
     * complete, is redrawn as Markdown renders it, unless rendering left it as it was.
     */
    private void streamMarkdown(String raw) {
        int from = 0;
        for (int nl = raw.indexOf('\n'); nl >= 0; nl = raw.indexOf('\n', from)) {
            rawLine.append(raw, from, nl);
            finishLine();
            from = nl + 1;
        }
        if (from < raw.length()) {
            var tail = raw.substring(from);
            var shown = text(tail);
            out.print(shown);
            lineSoFar.append(shown);
            rawLine.append(tail);
            midLine = true;
        }
        out.flush();
    }

    /** Ends the streamed line: rendered in place of what was shown of it (redacted as a whole line), then a line break. */
    private void finishLine() {
        var rendered = markdown.render(text(rawLine.toString()));
        var shown = lineSoFar.toString();
        if (rendered.startsWith(shown)) {
            out.print(rendered.substring(shown.length()));
        } else {
            out.print(erase(shown) + rendered);
        }
        out.println();
        lineSoFar.setLength(0);
        rawLine.setLength(0);
        midLine = false;
    }

    /** Moves back over {@code shown}, printed from the start of a row, and clears it (its rows when it wrapped). */
    private String erase(String shown) {
        int columns = width.getAsInt();
        int length = shown.codePointCount(0, shown.length());
        int rows = columns > 0 && length > 0 ? (length + columns - 1) / columns : 1;
        return "\r" + (rows > 1 ? "\u001b[" + (rows - 1) + "A" : "") + "\u001b[J";
    }

    private void showHeld() {
        var text = held.toString().strip();
        held.setLength(0);
        if (!text.isEmpty()) line(text(text));
    }

    private void line(String s) {
        endLine();
        out.println(s);
        out.flush();
    }

    private void endLine() {
        if (markdown != null && !rawLine.isEmpty()) {
            finishLine();
            return;
        }
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

    /** A line of live tool output, dimmed under its call: redacted, controls visible; after a carriage return only what overwrote it. */
    private String liveLine(String raw) {
        var line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw; // CRLF
        var last = line.substring(line.lastIndexOf('\r') + 1);
        return dim("  │ " + previewLine(Redactor.standard().redact(last)));
    }

    /** Lines of a tool result shown at most; the rest are counted. */
    static final int RESULT_LINES = 8;

    /**
     * A tool result as the person reads it: its first lines, each redacted, cut at 160 characters and with controls
     * visible, indented under the arrow; a one-line result stays on the arrow's line.
     */
    static String result(boolean error, String content) {
        var lines = content == null ? List.<String>of() : Redactor.standard().redact(content).strip().lines().toList();
        var mark = error ? "✗ " : "← ";
        if (lines.size() <= 1) return mark + preview(lines.isEmpty() ? "" : lines.get(0));
        var sb = new StringBuilder(mark).append(lines.size()).append(" lines");
        for (int i = 0; i < Math.min(RESULT_LINES, lines.size()); i++) sb.append("\n  ").append(previewLine(lines.get(i)));
        if (lines.size() > RESULT_LINES) sb.append("\n  … ").append(lines.size() - RESULT_LINES).append(" more lines");
        return sb.toString();
    }

    /** One line of already redacted text: tabs as spaces, controls visible, at most 160 characters. */
    private static String previewLine(String line) {
        var one = Visible.escape(line.replace('\t', ' ')).stripTrailing();
        return one.length() <= PREVIEW ? one : one.substring(0, PREVIEW) + "…";
    }

    /** One line of content: redacted, whitespace runs as one space, other controls visible, at most 160 characters. */
    static String preview(String s) {
        if (s == null) return "";
        var one = Visible.escape(Redactor.standard().redact(s).replaceAll("[ \\t\\n\\x0B\\f]+", " ")).strip();
        return one.length() <= PREVIEW ? one : one.substring(0, PREVIEW) + "…";
    }
}
