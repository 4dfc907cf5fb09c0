package ai.apprentice.memory;

import ai.apprentice.memory.Memory.Change;
import ai.apprentice.redact.Redactor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * Every change to memories, each logged in a batch, and the undo that reverses a batch (what each does is
 * documented on {@link MemoryStore}). The index is left to catch up from the log afterwards.
 */
final class Batches {
    private final MemoryDb db;
    private final Embedder embedder;

    Batches(MemoryDb db, Embedder embedder) {
        this.db = db;
        this.embedder = embedder;
    }

    List<Memory.Added> add(List<Memory.New> items, String reason, String batchOrNull) {
        if (items.isEmpty()) return List.of();
        String batch = batchOrNull != null ? batchOrNull : newBatch();
        // Embed before the transaction: it is the slow part, and it must not hold the database lock.
        // Every memory (added, imported, extracted, remembered by the agent) passes here: no secret is stored.
        var scrubbed = items.stream().map(n -> Redactor.standard().scan(n.text())).toList();
        var texts = scrubbed.stream().map(Redactor.Result::text).toList();
        // Each memory is embedded in its text's space (its language's model), its context alongside.
        var spaces = texts.stream().map(embedder::spaceFor).toList();
        var vectors = embedder.embedEach(spaces, texts);
        var contexts = items.stream().map(n -> n.context() == null ? null : Redactor.standard().redact(n.context())).toList();
        // The memories in context are embedded in one batch too; null where a memory has no context.
        var withContext = new ArrayList<Integer>();
        for (int i = 0; i < items.size(); i++) if (contexts.get(i) != null) withContext.add(i);
        var embedded = embedder.embedEach(withContext.stream().map(spaces::get).toList(),
                withContext.stream().map(i -> contexts.get(i) + "\n" + texts.get(i)).toList());
        var contextVectors = new ArrayList<float[]>(Collections.nCopies(items.size(), (float[]) null));
        for (int j = 0; j < withContext.size(); j++) contextVectors.set(withContext.get(j), embedded.get(j));

        var out = new ArrayList<Memory.Added>();
        db.inTransaction(() -> {
            for (int i = 0; i < items.size(); i++) {
                var n = items.get(i);
                String text = texts.get(i);
                String hash = hash(n.kind().label() + "\u0000" + text);
                var existing = db.sameIn(n.scope(), hash);
                if (existing != null) {
                    out.add(new Memory.Added(existing, true, scrubbed.get(i).kinds(), batch));
                    continue;
                }
                String id = "m-" + UUID.randomUUID().toString().substring(0, 13);
                db.insert(id, n, text, contexts.get(i), hash, spaces.get(i), vectors.get(i), contextVectors.get(i));
                db.log(batch, "add", id, text, null, reason);
                if (n.supersedes() != null) {
                    var old = db.get(n.supersedes());
                    if (old == null) throw new IllegalArgumentException("no memory " + n.supersedes() + " to supersede");
                    db.setSupersededBy(old.id(), id);
                    db.log(batch, "supersede", old.id(), old.text(), null, "superseded by " + id);
                }
                out.add(new Memory.Added(db.get(id), false, scrubbed.get(i).kinds(), batch));
            }
        });
        return out;
    }

    /** False when there is no such memory. */
    boolean forget(String id, boolean hard, String reason) {
        var m = db.get(id);
        if (m == null) return false;
        String batch = newBatch();
        db.inTransaction(() -> {
            if (hard) {
                db.erase(id);
                db.log(batch, "forget-hard", id, null, null, reason);
            } else {
                db.setForgotten(id, true);
                db.log(batch, "forget", id, m.text(), null, reason);
            }
        });
        return true;
    }

    String supersede(Collection<String> ids, String byId, String batchOrNull, String reason) {
        var by = db.get(byId);
        if (by == null || !by.active()) throw new IllegalArgumentException("no active memory " + byId);
        var targets = ids.stream().filter(id -> !id.equals(byId)).map(db::get).filter(m -> m != null && m.active()).toList();
        if (targets.isEmpty()) return null;
        String batch = batchOrNull != null ? batchOrNull : newBatch();
        db.inTransaction(() -> {
            for (var m : targets) {
                db.setSupersededBy(m.id(), byId);
                db.log(batch, "supersede", m.id(), m.text(), null, reason + " (superseded by " + byId + ")");
            }
        });
        return batch;
    }

    List<Change> undo(String batch, String reason) {
        var changes = db.history(batch, Integer.MAX_VALUE);
        if (changes.isEmpty()) throw new IllegalArgumentException("no changes in batch " + batch + "; see `apprentice memory history`");
        String undoBatch = newBatch();
        var reversed = new ArrayList<Change>();
        db.inTransaction(() -> {
            for (var c : changes) {
                if (c.undone()) continue;
                switch (c.op()) {
                    case "add" -> db.setForgotten(c.memoryId(), true);
                    case "forget" -> db.setForgotten(c.memoryId(), false);
                    case "supersede" -> db.setSupersededBy(c.memoryId(), null);
                    case "weight" -> db.setWeight(c.memoryId(), Double.parseDouble(c.before()));
                    case "forget-hard" -> throw new IllegalArgumentException("batch " + batch + " forgot " + c.memoryId() + " for good (--hard); it cannot be undone");
                    default -> {
                        continue; // undo records are not undone themselves; undo the original again instead
                    }
                }
                db.markUndone(c);
                db.log(undoBatch, "undo-" + c.op(), c.memoryId(), c.text(), null, reason == null ? "undo of " + batch : reason);
                reversed.add(c);
            }
        });
        return reversed;
    }

    static String newBatch() {
        return "b-" + Instant.now().toString().replaceAll("[^0-9]", "").substring(0, 14) + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    static String hash(String text) {
        try {
            var md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.strip().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JVM has SHA-256
        }
    }
}
