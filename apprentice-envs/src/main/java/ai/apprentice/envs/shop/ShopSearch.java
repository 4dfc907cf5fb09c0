package ai.apprentice.envs.shop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * BM25 search over the catalogue with Lucene (its default similarity): titles count twice as much as
 * descriptions, English stemming makes "shirts" find "shirt". The index lives in memory; it is built once
 * per catalogue and then only read, from any number of threads.
 */
final class ShopSearch {
    /** At most this many query terms count; the rest of a runaway query is ignored. */
    static final int MAX_TERMS = 64;

    private final Analyzer analyzer = new EnglishAnalyzer();
    private final IndexSearcher searcher;
    /** Lucene doc id to catalogue index, read once: stored-field lookups per hit cost more than the search. */
    private final int[] catalogueIndex;

    ShopSearch(Catalogue catalogue) {
        var dir = new ByteBuffersDirectory();
        try (var writer = new IndexWriter(dir, new IndexWriterConfig(analyzer))) {
            for (int i = 0; i < catalogue.products().size(); i++) {
                var p = catalogue.products().get(i);
                var doc = new Document();
                doc.add(new StoredField("index", i));
                doc.add(new TextField("title", p.title(), Field.Store.NO));
                doc.add(new TextField("body", p.description() + " " + p.category(), Field.Store.NO));
                writer.addDocument(doc);
            }
            writer.forceMerge(1);
            writer.commit();
            searcher = new IndexSearcher(DirectoryReader.open(dir));
            catalogueIndex = new int[searcher.getIndexReader().maxDoc()];
            var stored = searcher.storedFields();
            for (int d = 0; d < catalogueIndex.length; d++) catalogueIndex[d] = stored.document(d).getField("index").numericValue().intValue();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the shop's search index", e);
        }
    }

    /** Catalogue indexes of the best {@code limit} matches, best first; ties keep catalogue order. */
    List<Integer> search(String query, int limit) {
        var terms = terms(query);
        if (terms.isEmpty()) return List.of();
        var q = new BooleanQuery.Builder();
        for (var t : terms) {
            q.add(new BoostQuery(new TermQuery(new Term("title", t)), 2f), BooleanClause.Occur.SHOULD);
            q.add(new TermQuery(new Term("body", t)), BooleanClause.Occur.SHOULD);
        }
        try {
            var hits = searcher.search(q.build(), limit).scoreDocs;
            var out = new ArrayList<Integer>(hits.length);
            for (var h : hits) out.add(catalogueIndex[h.doc]);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> terms(String text) {
        var out = new LinkedHashSet<String>();
        try (var ts = analyzer.tokenStream("title", text)) {
            var term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken() && out.size() < MAX_TERMS) out.add(term.toString());
            ts.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(out);
    }
}
