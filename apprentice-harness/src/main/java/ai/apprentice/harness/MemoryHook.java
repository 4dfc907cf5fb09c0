package ai.apprentice.harness;

import ai.apprentice.memory.Memory;
import ai.apprentice.memory.MemoryExtractor;
import ai.apprentice.memory.MemoryStore;
import ai.apprentice.memory.MemoryTools;
import ai.apprentice.model.Message;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunHook;
import ai.apprentice.runtime.RunResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Long-term memory in the loop. Before a top-level run's model calls, the memories that best match its task are
 * added to that call's context (recalled once per run, so every step sees the same text and the prompt prefix
 * stays stable); each run, each REPL line included, recalls for its own task. After a successful run the model
 * may pick what to remember from it. Subagents recall nothing: they get file paths, not the parent's context.
 */
final class MemoryHook implements RunHook {
    private final Session session;
    private final boolean extract;
    private final Map<String, String> recalledByRun = new ConcurrentHashMap<>();

    MemoryHook(Session session, boolean extract) {
        this.session = session;
        this.extract = extract;
    }

    @Override
    public String contextForTurn(Turn turn) {
        if (turn.parentId() != null) return null;
        var known = recalledByRun.get(turn.runId());
        if (known != null) return known;
        var kept = recall(turn.task());
        var text = kept.isEmpty() ? "" : SECTION + MemoryTools.format(kept);
        recalledByRun.put(turn.runId(), text);
        if (!kept.isEmpty()) {
            turn.emit(new Event.MemoryRecalled(turn.runId(), Instant.now(), turn.step(), kept.stream().map(h -> h.memory().id()).toList(),
                    kept.stream().map(h -> h.memory().text()).toList()));
        }
        return text;
    }

    private static final String SECTION = "## What you remember\nLong-term memories that may bear on this task, best match first "
            + "(recall finds more; remember what will matter later; forget what proves wrong):\n";

    /**
     * The memories that best match the task, best first, as long as they fit the recall budget (tokens estimated
     * at four characters each); empty when memory holds nothing, so that no embedding model is loaded for nothing.
     */
    List<Memory.Recalled> recall(String task) {
        var store = session.harness().memory();
        if (store.count() == 0 || task == null || task.isBlank()) return List.of();
        var hits = store.recall(task, 10, session.memoryScopes(), MemoryStore.Method.HYBRID);
        var kept = new ArrayList<Memory.Recalled>();
        int budget = session.settings().memoryRecallTokens() * 4;
        for (var h : hits) {
            budget -= h.memory().text().length() + 40;
            if (budget < 0) break;
            kept.add(h);
        }
        if (!kept.isEmpty()) store.markRecalled(kept.stream().map(h -> h.memory().id()).toList());
        return kept;
    }

    @Override
    public void onRunEnd(Turn turn, RunResult result) throws InterruptedException {
        recalledByRun.remove(turn.runId());
        if (turn.parentId() != null) return;
        if (extract && result.succeeded()) {
            var event = extract(turn.runId(), turn.history());
            if (event != null) turn.emit(event);
        }
        consolidateIfDue(session);
    }

    /**
     * Lets the model pick what to keep from a conversation and stores it as one batch, returned as a
     * memory_updated event (null when nothing new). A failure never fails the run: it is reported and nothing
     * is stored. A scripted model replays its turns and has nothing to pick.
     */
    Event.MemoryUpdated extract(String runId, List<Message> conversation) throws InterruptedException {
        var model = session.model();
        if (model.id().startsWith("scripted")) return null;
        try {
            var store = session.harness().memory();
            var scopes = session.memoryScopes();
            String task = conversation.stream().filter(m -> m.role() == ai.apprentice.model.Role.USER).findFirst().map(Message::text).orElse("");
            var known = store.count() == 0 ? List.<Memory.Recalled>of() : store.recall(task, 8, scopes, MemoryStore.Method.HYBRID);
            var extracted = new MemoryExtractor(model).extract(conversation, known, scopes.get(0), "run " + runId);
            if (extracted.problem() != null) session.harness().err().println("(memory not updated: " + extracted.problem() + ")");
            if (extracted.memories().isEmpty()) return null;
            var added = store.add(extracted.memories(), "extracted from run " + runId).stream().filter(a -> !a.duplicate()).toList();
            if (added.isEmpty()) return null;
            return new Event.MemoryUpdated(runId, Instant.now(), added.getFirst().batch(),
                    added.stream().map(a -> a.memory().id()).toList(), added.stream().map(a -> a.memory().text()).toList());
        } catch (RuntimeException e) {
            session.harness().err().println("(memory not updated: " + e.getMessage() + ")");
            return null;
        }
    }

    /** The built-in schedule of 'memory consolidate' (memory.consolidate_every); a problem is reported, never fatal. */
    static void consolidateIfDue(Session session) {
        var every = session.settings().memoryConsolidateEvery();
        if (every.isEmpty() || !session.settings().memoryOn()) return;
        var err = session.harness().err();
        try {
            var store = session.harness().memory();
            if (store.count() == 0) return;
            store.consolidateIfDue(Instant.now(), every.get()).filter(c -> c.batch() != null).ifPresent(c ->
                    err.println("(memory consolidated on schedule: merged " + c.merged().size() + " near-duplicate(s), weakened " + c.weakened()
                            + "; undo with: apprentice memory undo " + c.batch() + ")"));
        } catch (RuntimeException e) {
            err.println("(memory not consolidated: " + e.getMessage() + ")");
        }
    }
}
