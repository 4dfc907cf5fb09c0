package ai.apprentice.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.memory.Memory.Kind;
import ai.apprentice.memory.MemoryStore.Method;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory database's versioned schema: old databases are recognised, new ones get the latest, newer ones are refused. */
class MemorySchemaTest {
    @TempDir Path dir;

    /** A stand-in model: a unit vector from the text's letters, enough for storing and reopening. */
    private final Embedder embedder = new Embedder() {
        @Override
        public String id() {
            return "test-letters";
        }

        @Override
        public int dimension() {
            return 26;
        }

        @Override
        public float[] embed(String text) {
            var v = new float[26];
            for (char c : text.toLowerCase().toCharArray()) if (c >= 'a' && c <= 'z') v[c - 'a']++;
            double norm = 0;
            for (float x : v) norm += x * x;
            for (int i = 0; i < v.length; i++) v[i] /= (float) Math.sqrt(Math.max(norm, 1));
            return v;
        }
    };

    private int userVersion() throws Exception {
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("memory.db")); var st = db.createStatement();
             var rs = st.executeQuery("PRAGMA user_version")) {
            return rs.getInt(1);
        }
    }

    private List<String> tables() throws Exception {
        var out = new ArrayList<String>();
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("memory.db")); var st = db.createStatement();
             var rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    @Test
    void aDatabaseFromBeforeVersioningOpensAndKeepsItsMemories() throws Exception {
        // Made as MemoryStore made it before the schema had versions (user_version 0): its SQL, verbatim.
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("memory.db")); var st = db.createStatement()) {
            st.execute("PRAGMA busy_timeout = 30000");
            st.execute("PRAGMA journal_mode = WAL");
            st.execute("PRAGMA synchronous = NORMAL");
            st.execute("""
                    CREATE TABLE IF NOT EXISTS memories (
                      id TEXT PRIMARY KEY, text TEXT NOT NULL, context TEXT, kind TEXT NOT NULL, scope TEXT NOT NULL,
                      source TEXT, source_seq INTEGER, hash TEXT NOT NULL, confidence REAL NOT NULL, weight REAL NOT NULL DEFAULT 1,
                      recalls INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, last_recalled_at TEXT,
                      superseded_by TEXT, forgotten INTEGER NOT NULL DEFAULT 0,
                      embedder TEXT, vector BLOB, context_vector BLOB)""");
            st.execute("CREATE INDEX IF NOT EXISTS memories_hash ON memories(scope, hash)");
            st.execute("CREATE INDEX IF NOT EXISTS memories_source ON memories(source, source_seq)");
            st.execute("""
                    CREATE TABLE IF NOT EXISTS changes (
                      seq INTEGER PRIMARY KEY AUTOINCREMENT, batch TEXT NOT NULL, at TEXT NOT NULL, op TEXT NOT NULL,
                      memory_id TEXT NOT NULL, text TEXT, before TEXT, reason TEXT, undone INTEGER NOT NULL DEFAULT 0)""");
            st.execute("CREATE INDEX IF NOT EXISTS changes_batch ON changes(batch)");
            st.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            st.execute("INSERT INTO memories(id, text, kind, scope, hash, confidence, created_at) VALUES "
                    + "('m-old', 'The garage door code is kept in the blue notebook.', 'fact', 'user', 'h', 1.0, '2026-11-01T00:00:00Z')");
            st.execute("INSERT INTO changes(batch, at, op, memory_id, text) VALUES ('b-old', '2026-11-01T00:00:00Z', 'add', 'm-old', 'x')");
            st.execute("INSERT INTO meta(key, value) VALUES ('last_consolidation', '2026-11-02T00:00:00Z')");
        }
        assertThat(userVersion()).isZero();

        try (var store = MemoryStore.open(dir, embedder)) {
            assertThat(store.count()).isEqualTo(1);
            assertThat(store.get("m-old").text()).isEqualTo("The garage door code is kept in the blue notebook.");
            assertThat(store.history("b-old", 10)).extracting(Memory.Change::op).containsExactly("add");
            assertThat(store.lastConsolidated()).contains(java.time.Instant.parse("2026-11-02T00:00:00Z"));
            assertThat(store.recall("garage door code", 1, null, Method.LEXICAL).getFirst().memory().id()).isEqualTo("m-old");
            store.add(Memory.New.of("The bins go out on Wednesday night.", Kind.FACT, Memory.USER), "t");
        }
        assertThat(userVersion()).isEqualTo(MemorySchema.STEPS.size());
        try (var store = MemoryStore.open(dir, embedder)) { // and opens again at its recorded version
            assertThat(store.count()).isEqualTo(2);
        }
    }

    @Test
    void aNewDatabaseGetsTheLatestVersion() throws Exception {
        try (var store = MemoryStore.open(dir, embedder)) {
            assertThat(store.count()).isZero();
        }
        assertThat(userVersion()).isEqualTo(MemorySchema.STEPS.size());
        assertThat(tables()).containsExactly("changes", "memories", "meta");
    }

    @Test
    void aDatabaseNewerThanThisCodeIsRefusedAndLeftAlone() throws Exception {
        int newer = MemorySchema.STEPS.size() + 1;
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("memory.db")); var st = db.createStatement()) {
            st.execute("PRAGMA user_version = " + newer);
        }
        assertThatThrownBy(() -> MemoryStore.open(dir, embedder))
                .isInstanceOf(MemoryException.class)
                .hasMessageContaining(dir.resolve("memory.db").toAbsolutePath().toString())
                .hasMessageContaining("schema version " + newer + ", newer than this apprentice understands");
        assertThat(userVersion()).isEqualTo(newer);
        assertThat(tables()).isEmpty();
    }
}
