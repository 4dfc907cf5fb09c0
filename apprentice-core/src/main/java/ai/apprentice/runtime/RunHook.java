package ai.apprentice.runtime;

import ai.apprentice.model.Message;
import ai.apprentice.model.ToolCall;
import ai.apprentice.tool.ToolResult;
import java.nio.file.Path;
import java.util.List;

/**
 * Code that takes part in every run of an agent (memory, reminders, bookkeeping), registered with
 * {@link Agent.Builder#hook}. All methods are optional and are called on the run's thread, in the order the
 * hooks were registered; they run for started, continued and resumed runs alike. A hook that throws is
 * reported as an {@code error} event and is otherwise ignored: it never changes how the run goes or ends.
 */
public interface RunHook {
    /**
     * Before each model call. Text returned (null or blank: none) is added to this call's request only, as a
     * system message right after the agent's instructions (the first system message). It is never written into
     * the history, the instructions or the events' history, so it is fresh on every call.
     */
    default String contextForTurn(Turn turn) throws InterruptedException { return null; }

    /** After each tool call completes (allowed or denied), in call order. */
    default void afterToolCall(Turn turn, ToolCall call, ToolResult result) {}

    /**
     * Once at the end of a run, after its outcome is decided and before {@code run_finished} is emitted, so the
     * events this hook emits (e.g. {@code memory_updated}) come before it.
     */
    default void onRunEnd(Turn turn, RunResult result) throws InterruptedException {}

    /** What a hook sees of the run. */
    interface Turn {
        String runId();

        /** The parent run's id, or null. */
        String parentId();

        /** The current step (1-based), or the last one at the end of the run. */
        int step();

        /** The task: the last user message, the one that started this run. */
        String task();

        /** A read-only view of the run's history as it is now. */
        List<Message> history();

        Path workspace();

        /** Delivers an event to the run's listeners (the store first), on the run's thread. */
        void emit(Event event);
    }
}
