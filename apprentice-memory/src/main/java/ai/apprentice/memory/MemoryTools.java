package ai.apprentice.memory;

import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolResult;
import ai.apprentice.tool.Tools;
import java.util.List;
import java.util.Locale;

/**
 * The agent's hands on long-term memory: {@code remember}, {@code recall} and {@code forget}, within the
 * scopes this agent may see (the user's, its workspace's). What it stores lands in the same history as
 * everything else, so the user can list and undo it.
 */
public final class MemoryTools {
    private final MemoryStore store;
    private final String writeScope;
    private final List<String> readScopes;
    private final String origin;

    /** {@code origin} names where the agent's memories come from in their provenance (a run id, say). */
    public MemoryTools(MemoryStore store, String writeScope, List<String> readScopes, String origin) {
        this.store = store;
        this.writeScope = writeScope;
        this.readScopes = List.copyOf(readScopes);
        this.origin = origin;
    }

    public List<Tool> all() {
        return List.of(
                Tools.builder("remember")
                        .description("Store something worth knowing in later sessions: a fact, a preference of the user, a lesson learned. "
                                + "One self-contained sentence. If it replaces an older memory, pass that memory's id as replaces.")
                        .param("text", "string", "what to remember, self-contained")
                        .optionalParam("kind", "string", "fact, preference, episode or lesson (default fact)")
                        .optionalParam("replaces", "string", "the id of an older memory this one supersedes")
                        .execute((a, c) -> {
                            var kind = Memory.Kind.parse(a.path("kind").asText("fact"));
                            String replaces = a.hasNonNull("replaces") && !a.get("replaces").asText().isBlank() ? a.get("replaces").asText() : null;
                            if (replaces != null) {
                                // The same scope rule as forget: superseding is forgetting the old memory.
                                var old = store.get(replaces);
                                if (old == null || !readScopes.contains(old.scope())) {
                                    return ToolResult.error("No memory " + replaces + " here to replace; recall shows the ids. Nothing was stored.");
                                }
                            }
                            var added = store.add(new Memory.New(a.get("text").asText(), null, kind, writeScope, origin, null, 0.9, replaces), "remembered by the agent");
                            var m = added.memory();
                            String note = added.secretsRemoved().isEmpty() ? "" : " (secrets were removed before storing: " + String.join(", ", added.secretsRemoved()) + ")";
                            return ToolResult.ok((added.duplicate() ? "Already remembered as " : "Remembered as ") + m.id() + note + ".");
                        }),
                Tools.builder("recall")
                        .description("Search long-term memory (the user's and this workspace's) and see the best matches with why each came up.")
                        .param("query", "string", "what to look for, in words")
                        .optionalParam("limit", "integer", "how many (default 5, at most 20)")
                        .execute((a, c) -> {
                            int k = Math.max(1, Math.min(20, a.path("limit").asInt(5)));
                            var hits = store.recall(a.get("query").asText(), k, readScopes, MemoryStore.Method.HYBRID);
                            if (hits.isEmpty()) return ToolResult.ok("No memories match.");
                            store.markRecalled(hits.stream().map(h -> h.memory().id()).toList());
                            return ToolResult.ok(format(hits));
                        }),
                Tools.builder("forget")
                        .description("Forget a memory that is wrong or no longer true (it stays in history, where the user can undo this).")
                        .param("id", "string", "the memory's id, as recall shows it")
                        .execute((a, c) -> {
                            String id = a.get("id").asText();
                            var m = store.get(id);
                            if (m == null || !readScopes.contains(m.scope())) return ToolResult.error("No memory " + id + " here; recall shows the ids.");
                            store.forget(id, false, "forgotten by the agent");
                            return ToolResult.ok("Forgot " + id + ".");
                        }));
    }

    /** One line per memory: id, kind, date, text, and why it was recalled. */
    public static String format(List<Memory.Recalled> hits) {
        var sb = new StringBuilder();
        for (var h : hits) {
            var m = h.memory();
            sb.append(String.format(Locale.ROOT, "[%s] (%s, %s) %s%n    why: %s%n", m.id(), m.kind().label(), m.createdAt().toString().substring(0, 10),
                    m.text().replace('\n', ' '), String.join(", ", h.why())));
        }
        return sb.toString().stripTrailing();
    }
}
