package ai.apprentice.memory;

import ai.apprentice.store.Database;
import ai.apprentice.testkit.PostgresFixture;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.store.FSDirectory;

/**
 * The database a memory test runs on: the classes are parameterised over both ({@code @ParameterizedClass
 * @EnumSource(Backend.class)}). On PostgreSQL each test gets a database of its own; the index stays in the test's
 * directory, as each node keeps its own.
 */
enum Backend {
    SQLITE,
    POSTGRESQL;

    /** One test's database, the same for every store the test opens. */
    static final class Place implements AutoCloseable {
        private final Backend backend;
        private final Path dir;
        private PostgresFixture.Db pg;
        private final List<Database> pools = new ArrayList<>();

        Place(Backend backend, Path dir) {
            this.backend = backend;
            this.dir = dir;
        }

        private PostgresFixture.Db pg() {
            if (pg == null) pg = PostgresFixture.newDatabase();
            return pg;
        }

        MemoryStore open(Embedder embedder) {
            return open(embedder, dir.resolve("index"));
        }

        /** A store with its index in {@code indexDir} (on PostgreSQL: as another node would have it). */
        MemoryStore open(Embedder embedder, Path indexDir) {
            if (backend == SQLITE) return MemoryStore.open(dir, embedder);
            return openPostgresql(location(), pg().password(), indexDir, embedder, pools);
        }

        static MemoryStore openPostgresql(String url, String password, Path indexDir, Embedder embedder, List<Database> pools) {
            var db = Database.connect(url, password, "store");
            pools.add(db);
            try {
                return MemoryStore.open(db, FSDirectory.open(indexDir), embedder);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        Connection raw() throws SQLException {
            return backend == SQLITE ? DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("memory.db")) : pg().connect();
        }

        /** What a child process opens: the store's directory, or the PostgreSQL URL. */
        String location() {
            return backend == SQLITE ? dir.toString() : pg().url();
        }

        Map<String, String> childEnv() {
            return backend == SQLITE ? Map.of() : Map.of("PGPASSWORD", pg().password());
        }

        @Override
        public void close() {
            pools.forEach(Database::close);
            pools.clear();
        }
    }
}
