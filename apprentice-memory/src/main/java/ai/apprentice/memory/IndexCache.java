package ai.apprentice.memory;

import ai.apprentice.memory.index.MemoryIndex;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.lucene.search.Query;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * The Lucene index as a cache of the database's change log. {@link #sync()} replays the changes since the
 * index's marker; an index that is missing, unreadable or ahead of the log is rebuilt from the rows, whose
 * stored vectors spare embedding again. Index problems come out as {@link MemoryException}s naming the index.
 */
final class IndexCache implements AutoCloseable {
    private final MemoryDb db;
    private final MemoryIndex index;
    private final Embedder embedder;
    private final String where;
    /** The change the index is known to include; while the log ends there, sync() reads nothing from disk. */
    private long synced = -1;

    IndexCache(MemoryDb db, Directory dir, Embedder embedder) {
        this.db = db;
        this.index = new MemoryIndex(dir);
        this.embedder = embedder;
        this.where = dir instanceof FSDirectory fs ? fs.getDirectory().toString() : "the in-memory index";
    }

    /** The index field {@code base} of an embedding space: the primary model's carry no suffix, another's its name. */
    String field(String base, String space) {
        return space.equals(embedder.id()) ? base : base + "@" + space;
    }

    List<MemoryIndex.Hit> lexical(String field, String query, int k, Query filter) {
        return io("memory search failed", () -> index.lexical(field, query, k, filter));
    }

    List<MemoryIndex.Hit> vector(String field, float[] query, int k, Query filter) {
        return io("memory search failed", () -> index.vector(field, query, k, filter));
    }

    /** Brings the index up to the last change: replays the log since its marker, or rebuilds it when unreadable. */
    void sync() {
        long last = db.lastSeq();
        if (last == synced) return;
        io("cannot update the memory index", () -> syncTo(last));
        synced = last;
    }

    private Void syncTo(long last) throws IOException {
        String marker;
        try {
            marker = index.marker();
        } catch (IOException e) {
            rebuild(last);
            return null;
        }
        if (marker != null && Long.parseLong(marker) == last) return null;
        if (marker == null || Long.parseLong(marker) > last) {
            rebuild(last);
            return null;
        }
        // Rows are read and embedded before the writer takes Lucene's lock; null: no longer active.
        var rows = new LinkedHashMap<String, IndexRow>();
        for (var id : db.changedBetween(Long.parseLong(marker), last)) {
            var s = db.active(id);
            rows.put(id, s == null ? null : indexRow(s));
        }
        index.write(String.valueOf(last), batch -> {
            for (var e : rows.entrySet()) {
                if (e.getValue() == null) batch.delete(e.getKey());
                else e.getValue().putInto(batch);
            }
        });
        return null;
    }

    /** Rebuilds the whole index from the rows; returns how many memories it holds. */
    int rebuild() {
        synced = -1;
        return io("cannot rebuild the memory index", () -> rebuild(db.lastSeq()));
    }

    private int rebuild(long last) throws IOException {
        var rows = db.active(true).stream().map(this::indexRow).toList();
        index.close();
        index.write(String.valueOf(last), true, batch -> {
            for (var r : rows) r.putInto(batch);
        });
        return rows.size();
    }

    /** Merges the index into one segment (one HNSW graph to search); returns the number of segments before. */
    int optimize() {
        sync();
        return io("cannot merge the memory index", () -> {
            int before = index.segments();
            if (before > 1) index.merge(String.valueOf(db.lastSeq()), 1);
            return before;
        });
    }

    int segments() {
        return io("cannot read the memory index", index::segments);
    }

    private record IndexRow(String id, String text, String context, String scope, float[] vector, float[] contextVector, String fieldSuffix) {
        void putInto(MemoryIndex.Batch batch) throws IOException {
            batch.put(id, text, context, vector, contextVector, scope, fieldSuffix);
        }
    }

    /** A row for the index; vectors of another embedding model (or none stored) are computed again. */
    private IndexRow indexRow(MemoryDb.Stored s) {
        var m = s.memory();
        String space = embedder.spaceFor(m.text());
        boolean sameModel = space.equals(s.embedder());
        float[] v = sameModel && s.vector() != null ? s.vector() : embedder.embedAllIn(space, List.of(m.text())).getFirst();
        float[] cv = m.context() == null ? null : sameModel && s.contextVector() != null ? s.contextVector()
                : embedder.embedAllIn(space, List.of(m.context() + "\n" + m.text())).getFirst();
        return new IndexRow(m.id(), m.text(), m.context(), m.scope(), v, cv, field("", space));
    }

    private interface Io<T> {
        T run() throws IOException;
    }

    private <T> T io(String what, Io<T> work) {
        try {
            return work.run();
        } catch (IOException e) {
            throw new MemoryException(what + " (" + where + "): " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        io("cannot close the memory index", () -> {
            index.close();
            return null;
        });
    }
}
