package ai.apprentice.cli;

import ai.apprentice.redact.Visible;
import ai.apprentice.runtime.Event;
import ai.apprentice.store.RunRecord;
import java.util.List;

/**
 * A run as a Markdown transcript a person can read: the task, each step's text, tool calls and results. Events come
 * redacted from the store; every piece of content has its control characters shown as text ({@link #c}), because
 * a transcript is printed to terminals and opened in viewers.
 */
final class Transcript {
    private static final int MAX_RESULT = 4000;

    private Transcript() {}

    static String markdown(RunRecord run, List<Event> events) {
        var sb = new StringBuilder();
        sb.append("# Run ").append(run.id()).append("\n\n");
        sb.append("- **Task:** ").append(c(run.task())).append('\n');
        sb.append("- **Model:** ").append(c(run.model())).append('\n');
        sb.append("- **Status:** ").append(run.status().wireName());
        if (run.stopReason() != null) sb.append(" (").append(run.stopReason()).append(')');
        sb.append('\n');
        sb.append("- **Steps:** ").append(run.steps()).append(", **tokens:** ").append(run.inputTokens()).append(" in / ")
                .append(run.outputTokens()).append(" out, **cost:** $").append(String.format("%.4f", run.costUsd())).append('\n');
        sb.append("- **Started:** ").append(run.startedAt()).append('\n');
        if (run.parentId() != null) sb.append("- **Parent run:** ").append(run.parentId()).append('\n');
        for (var e : events) {
            switch (e) {
                case Event.StepCompleted s -> {
                    sb.append("\n## Step ").append(s.step()).append("\n\n");
                    for (var m : s.messages()) {
                        switch (m.role()) {
                            case ASSISTANT -> {
                                if (!m.text().isBlank()) sb.append(c(m.text().strip())).append("\n\n");
                                for (var t : m.toolCalls()) {
                                    sb.append("**Tool call** `").append(c(t.name())).append("`\n\n```json\n")
                                            .append(c(t.arguments())).append("\n```\n\n");
                                }
                            }
                            case TOOL -> sb.append("**Result** of `").append(c(m.toolName())).append("`\n\n```\n")
                                    .append(c(clip(m.text()))).append("\n```\n\n");
                            case USER -> sb.append("> ").append(c(m.text()).replace("\n", "\n> ")).append("\n\n");
                            case SYSTEM -> { }
                        }
                    }
                }
                case Event.ModelRetry r -> sb.append("_Model call retried (attempt ").append(r.attempt()).append(", waited ")
                        .append(r.waitMs()).append(" ms): ").append(c(r.reason())).append("_\n\n");
                case Event.ErrorEvent err -> sb.append("**Error:** ").append(c(err.message())).append("\n\n");
                case Event.RunResumed r -> sb.append("_Resumed after step ").append(r.fromStep()).append(" at ").append(r.at()).append("_\n\n");
                case Event.RunFinished f -> {
                    sb.append("\n## Outcome\n\n").append(f.status().wireName()).append(" (").append(f.stopReason()).append(")\n");
                    if (f.answer() != null) sb.append("\n").append(c(f.answer().strip())).append('\n');
                }
                default -> { }
            }
        }
        return sb.toString();
    }

    /** Content: newlines and tabs kept, every other control visible. */
    private static String c(String s) {
        return Visible.escapeText(s);
    }

    private static String clip(String s) {
        return s.length() <= MAX_RESULT ? s : s.substring(0, MAX_RESULT) + "\n[... " + (s.length() - MAX_RESULT) + " more characters]";
    }
}
