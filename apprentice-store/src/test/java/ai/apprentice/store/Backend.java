package ai.apprentice.store;

import ai.apprentice.redact.Redactor;
import ai.apprentice.testkit.PostgresFixture;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The database a store test runs on: the test classes are parameterised over both ({@code @ParameterizedClass
 * @EnumSource(Backend.class)}), so each body runs on SQLite and on PostgreSQL. On PostgreSQL each test gets a
 * database of its own ({@link PostgresFixture}).
 */
enum Backend {
    SQLITE,
    POSTGRESQL;

    /** One test's database: opened on first use, the same for every store the test opens. */
    static final class Place implements AutoCloseable {
        private final Backend backend;
        private final Path file;
        private PostgresFixture.Db pg;
        private final List<Database> pools = new ArrayList<>();

        Place(Backend backend, Path dir) {
            this.backend = backend;
            this.file = dir.resolve("apprentice.db");
        }

        Dialect dialect() {
            return backend == SQLITE ? Dialect.SQLITE : Dialect.POSTGRESQL;
        }

        private PostgresFixture.Db pg() {
            if (pg == null) pg = PostgresFixture.newDatabase();
            return pg;
        }

        RunStore open() {
            return open(Redactor.standard());
        }

        RunStore open(Redactor redactor) {
            if (backend == SQLITE) return RunStore.open(file, redactor);
            var db = database();
            return RunStore.open(db, redactor);
        }

        /** A pool on this test's PostgreSQL database, closed with the place. */
        Database database() {
            var db = Database.connect(pg().url(), pg().password(), "store");
            synchronized (pools) {
                pools.add(db);
            }
            return db;
        }

        /** A connection of its own, for checks with SQL that do not go through the store. */
        Connection raw() throws SQLException {
            return backend == SQLITE ? DriverManager.getConnection("jdbc:sqlite:" + file) : pg().connect();
        }

        /** What a child process passes to {@link StoreWriterMain}: the file or the URL. */
        String location() {
            return backend == SQLITE ? file.toString() : pg().url();
        }

        /** The environment a child process needs to reach the database (the password). */
        Map<String, String> childEnv() {
            return backend == SQLITE ? Map.of() : Map.of("PGPASSWORD", pg().password());
        }

        /** Makes the stored schema claim {@code version}, as a newer apprentice would have left it. */
        void forceSchemaVersion(int version) throws SQLException {
            try (var c = raw(); var st = c.createStatement()) {
                if (backend == SQLITE) st.execute("PRAGMA user_version = " + version);
                else PgSchema.force(c, "runs", version);
            }
        }

        /** The schema version stored. */
        int schemaVersion() throws SQLException {
            try (var c = raw(); var st = c.createStatement();
                 var rs = st.executeQuery(backend == SQLITE ? "PRAGMA user_version" : "SELECT version FROM apprentice_schema WHERE component = 'runs'")) {
                rs.next();
                return rs.getInt(1);
            }
        }

        /** The migrations of this database, version for version. */
        List<String> steps() {
            return backend == SQLITE ? Migrations.STEPS : Migrations.POSTGRESQL_STEPS;
        }

        @Override
        public void close() {
            synchronized (pools) {
                pools.forEach(Database::close);
                pools.clear();
            }
        }
    }
}
