package ai.apprentice.harness;

import ai.apprentice.memory.playbook.Examples;
import ai.apprentice.runtime.RunHook;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shows a run the learned example most like its task, if any, as context for its model calls (a system message after
 * the instructions, never stored in the history). Chosen once per run, so the prompt prefix stays the same.
 */
final class ExamplesHook implements RunHook {
    static final String SECTION = "## A similar task done before\nA successful earlier attempt at a task like this one. Follow its approach where "
            + "it fits; its details (names, values) belong to that task, not to this one.\n";

    private final Examples examples;
    private final List<String> scopes;
    private final Map<String, String> chosen = new ConcurrentHashMap<>();

    ExamplesHook(Examples examples, List<String> scopes) {
        this.examples = examples;
        this.scopes = List.copyOf(scopes);
    }

    @Override
    public String contextForTurn(Turn turn) {
        if (turn.parentId() != null) return null;
        return chosen.computeIfAbsent(turn.runId(), id -> examples.best(scopes, turn.task())
                .map(e -> SECTION + "Task: " + e.task().strip() + "\n" + e.demonstration().strip()).orElse(""));
    }
}
