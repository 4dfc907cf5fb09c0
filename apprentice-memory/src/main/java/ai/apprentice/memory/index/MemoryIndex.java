package ai.apprentice.memory.index;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexNotFoundException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.SleepingLockWrapper;

/**
 * Memories in Lucene, as a cache of the SQLite store: each memory's text and its text in context are indexed
 * for BM25 (English stemming and stop words) and as vectors in HNSW graphs, with keyword fields to filter on.
 * The writer is opened for one batch and closed again, waiting for Lucene's write lock, so that several
 * processes can keep one index up to date; each commit records the store change it is in step with.
 */
public final class MemoryIndex implements Closeable {
    public static final String ID = "id", TEXT = "text", CONTEXT = "context", VECTOR = "vector", CONTEXT_VECTOR = "context_vector", SCOPE = "scope";
    /** BM25 queries keep at most this many distinct terms. */
    static final int MAX_QUERY_TERMS = 64;
    /** How long a writer waits for another process's batch. */
    static final long LOCK_WAIT_MS = 30_000;

    public record Hit(String id, int rank, float score) {}

    /** What a write batch can do. */
    public interface Batch {
        /** {@code fieldSuffix} names the embedding space of the vectors: "" for the primary model's. */
        void put(String id, String text, String context, float[] vector, float[] contextVector, String scope, String fieldSuffix) throws IOException;

        void delete(String id) throws IOException;

        void deleteAll() throws IOException;
    }

    public interface Work {
        void apply(Batch batch) throws IOException;
    }

    private final Analyzer analyzer = new EnglishAndCjkAnalyzer();

    /**
     * English analysis (possessives, lower case, stop words, Porter stems) that also indexes Chinese, Japanese
     * and Korean as overlapping bigrams plus single characters: the standard tokenizer cuts Han text into
     * single characters, and bigrams are what make BM25 useful on it without a dictionary. English terms are
     * exactly those of Lucene's EnglishAnalyzer.
     */
    static final class EnglishAndCjkAnalyzer extends Analyzer {
        @Override
        protected TokenStreamComponents createComponents(String field) {
            var source = new org.apache.lucene.analysis.standard.StandardTokenizer();
            org.apache.lucene.analysis.TokenStream t = new org.apache.lucene.analysis.en.EnglishPossessiveFilter(source);
            t = new org.apache.lucene.analysis.cjk.CJKWidthFilter(t);
            t = new org.apache.lucene.analysis.LowerCaseFilter(t);
            t = new org.apache.lucene.analysis.StopFilter(t, EnglishAnalyzer.ENGLISH_STOP_WORDS_SET);
            t = new org.apache.lucene.analysis.cjk.CJKBigramFilter(t, org.apache.lucene.analysis.cjk.CJKBigramFilter.HAN
                    | org.apache.lucene.analysis.cjk.CJKBigramFilter.HIRAGANA | org.apache.lucene.analysis.cjk.CJKBigramFilter.KATAKANA
                    | org.apache.lucene.analysis.cjk.CJKBigramFilter.HANGUL, true);
            t = new org.apache.lucene.analysis.en.PorterStemFilter(t);
            return new TokenStreamComponents(source, t);
        }

        @Override
        protected org.apache.lucene.analysis.TokenStream normalize(String field, org.apache.lucene.analysis.TokenStream in) {
            return new org.apache.lucene.analysis.LowerCaseFilter(new org.apache.lucene.analysis.cjk.CJKWidthFilter(in));
        }
    }
    private final Directory dir;
    private DirectoryReader reader;

    public MemoryIndex(Directory dir) {
        this.dir = dir;
    }

    /** The store change the index last caught up with, or null when there is no index yet. */
    public String marker() throws IOException {
        try {
            return SegmentInfos.readLatestCommit(dir).getUserData().get("marker");
        } catch (IndexNotFoundException e) {
            return null;
        }
    }

    /** Applies {@code work} and commits it with {@code marker}, holding the write lock meanwhile. */
    public void write(String marker, Work work) throws IOException {
        write(marker, false, work);
    }

    /** As {@link #write(String, Work)}; {@code fresh} starts a new index whatever is on disk (for rebuilds). */
    public synchronized void write(String marker, boolean fresh, Work work) throws IOException {
        if (fresh) {
            // Even in CREATE mode the writer reads the old commit; an unreadable one must go first. Under the
            // write lock: another process may be committing (two first opens at once both rebuild).
            try (var lock = new SleepingLockWrapper(dir, LOCK_WAIT_MS).obtainLock(IndexWriter.WRITE_LOCK_NAME)) {
                for (var f : dir.listAll()) if (!f.equals(IndexWriter.WRITE_LOCK_NAME)) dir.deleteFile(f);
            }
        }
        var mode = fresh ? IndexWriterConfig.OpenMode.CREATE : IndexWriterConfig.OpenMode.CREATE_OR_APPEND;
        var config = new IndexWriterConfig(analyzer).setOpenMode(mode).setCommitOnClose(false);
        try (var writer = new IndexWriter(new SleepingLockWrapper(dir, LOCK_WAIT_MS), config)) {
            work.apply(new Batch() {
                @Override
                public void put(String id, String text, String context, float[] vector, float[] contextVector, String scope, String fieldSuffix) throws IOException {
                    var doc = new Document();
                    doc.add(new StringField(ID, id, Field.Store.YES));
                    doc.add(new TextField(TEXT, text, Field.Store.NO));
                    doc.add(new TextField(CONTEXT, context == null ? text : context + "\n" + text, Field.Store.NO));
                    if (vector != null) doc.add(new KnnFloatVectorField(VECTOR + fieldSuffix, vector, VectorSimilarityFunction.DOT_PRODUCT));
                    var cv = contextVector != null ? contextVector : vector;
                    if (cv != null) doc.add(new KnnFloatVectorField(CONTEXT_VECTOR + fieldSuffix, cv, VectorSimilarityFunction.DOT_PRODUCT));
                    doc.add(new StringField(SCOPE, scope, Field.Store.NO));
                    writer.updateDocument(new Term(ID, id), doc);
                }

                @Override
                public void delete(String id) throws IOException {
                    writer.deleteDocuments(new Term(ID, id));
                }

                @Override
                public void deleteAll() throws IOException {
                    writer.deleteAll();
                }
            });
            writer.setLiveCommitData(Map.of("marker", marker).entrySet());
            writer.commit();
        }
    }

    /** As {@link #reader()}, or null while there is no index yet. */
    private DirectoryReader readerOrNull() throws IOException {
        try {
            return reader();
        } catch (IndexNotFoundException e) {
            return null;
        }
    }

    /** Merges the index into at most {@code segments} segments: one HNSW graph to search instead of many. */
    public synchronized void merge(String marker, int segments) throws IOException {
        var config = new IndexWriterConfig(analyzer).setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND).setCommitOnClose(false);
        try (var writer = new IndexWriter(new SleepingLockWrapper(dir, LOCK_WAIT_MS), config)) {
            writer.forceMerge(segments);
            writer.setLiveCommitData(Map.of("marker", marker).entrySet());
            writer.commit();
        }
    }

    public int segments() throws IOException {
        var r = readerOrNull();
        if (r == null) return 0;
        try {
            return r.leaves().size();
        } finally {
            r.decRef();
        }
    }

    /** The current reader, reopened when another writer committed since. */
    private synchronized DirectoryReader reader() throws IOException {
        if (reader == null) {
            reader = DirectoryReader.open(dir);
        } else {
            var newer = DirectoryReader.openIfChanged(reader);
            if (newer != null) {
                reader.close();
                reader = newer;
            }
        }
        reader.incRef();
        return reader;
    }

    public int size() throws IOException {
        var r = readerOrNull();
        if (r == null) return 0;
        try {
            return r.numDocs();
        } finally {
            r.decRef();
        }
    }

    /** BM25 over {@link #TEXT} or {@link #CONTEXT}. */
    public List<Hit> lexical(String field, String query, int k, Query filter) throws IOException {
        var terms = terms(query);
        if (terms.isEmpty()) return List.of();
        var q = new BooleanQuery.Builder();
        for (var t : terms) q.add(new TermQuery(new Term(field, t)), BooleanClause.Occur.SHOULD);
        Query built = q.build();
        if (filter != null) built = new BooleanQuery.Builder().add(built, BooleanClause.Occur.MUST).add(filter, BooleanClause.Occur.FILTER).build();
        return search(built, k);
    }

    /** Nearest neighbours in the HNSW graph of {@link #VECTOR} or {@link #CONTEXT_VECTOR}. */
    public List<Hit> vector(String field, float[] query, int k, Query filter) throws IOException {
        return search(new KnnFloatVectorQuery(field, query, k, filter), k);
    }

    private List<Hit> search(Query q, int k) throws IOException {
        var r = readerOrNull();
        if (r == null) return List.of();
        try {
            var s = new IndexSearcher(r);
            var hits = s.search(q, k).scoreDocs;
            var stored = s.storedFields();
            var out = new ArrayList<Hit>(hits.length);
            for (int i = 0; i < hits.length; i++) out.add(new Hit(stored.document(hits[i].doc).get(ID), i + 1, hits[i].score));
            return out;
        } finally {
            r.decRef();
        }
    }

    /** The analysed terms of a text, as BM25 sees them. */
    public List<String> terms(String text) {
        var out = new LinkedHashSet<String>();
        try (var ts = analyzer.tokenStream(TEXT, text)) {
            var term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken() && out.size() < MAX_QUERY_TERMS) out.add(term.toString());
            ts.end();
        } catch (IOException e) { // analysing a string reads no file; should it fail all the same, say so
            throw new ai.apprentice.memory.MemoryException("cannot analyse a query for BM25: " + e.getMessage(), e);
        }
        return List.copyOf(out);
    }

    /**
     * Reciprocal rank fusion: each list adds {@code 1 / (c + rank)} to an id's score. It needs no calibration
     * between BM25 scores and cosine similarities, which is why hybrid search engines use it.
     */
    public static Map<String, Double> fuse(List<List<Hit>> lists, int c) {
        var scores = new HashMap<String, Double>();
        for (var list : lists) for (var h : list) scores.merge(h.id(), 1.0 / (c + h.rank()), Double::sum);
        return scores;
    }

    @Override
    public synchronized void close() throws IOException {
        if (reader != null) reader.close();
        reader = null;
    }
}
