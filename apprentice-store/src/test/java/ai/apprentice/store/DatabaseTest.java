package ai.apprentice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.testkit.PostgresFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A store: URL that is malformed, or a server that cannot be used, is an error naming the setting and what to do. */
@Timeout(120)
class DatabaseTest {
    @Test
    void malformedUrlsAreRefusedWithTheSettingNamed() {
        assertThatThrownBy(() -> Database.parse("mysql://a@h/db", "config.yaml:3: store")).hasMessage("config.yaml:3: store must start with postgresql://");
        assertThatThrownBy(() -> Database.parse("postgresql://h:5432/db", "store")).hasMessageContaining("has no user");
        assertThatThrownBy(() -> Database.parse("postgresql://a@h:5432/", "store")).hasMessageContaining("has no database name");
        assertThatThrownBy(() -> Database.parse("postgresql://a@h/db?colour=red", "store")).hasMessageContaining("unknown parameter 'colour'");
        assertThatThrownBy(() -> Database.parse("postgresql://a@h/db?pool_size=0", "store")).hasMessageContaining("pool_size=0");
        assertThatThrownBy(() -> Database.parse("postgresql://a:s3cret@h/db", "APPRENTICE_STORE"))
                .hasMessageContaining("holds a password").hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> Database.parse("postgresql://a@h/db?password=s3cret", "store"))
                .hasMessageContaining("holds a password").hasMessageNotContaining("s3cret");
        var url = Database.parse("postgres://ana@db.internal/runs?sslmode=require&pool_size=4", "store");
        assertThat(url).isEqualTo(new Database.Url("ana", "db.internal", 5432, "runs", java.util.Map.of("sslmode", "require"), 4));
        assertThat(url.toString()).isEqualTo("postgresql://ana@db.internal:5432/runs?sslmode=require");
        assertThat(url.jdbc()).isEqualTo("jdbc:postgresql://db.internal:5432/runs?sslmode=require");
    }

    @Test
    void anUnreachableServerIsExplained() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nobody listens there
        }
        int closed = port;
        assertThatThrownBy(() -> Database.connect("postgresql://ana@127.0.0.1:" + closed + "/db", "pw", "env APPRENTICE_STORE"))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("env APPRENTICE_STORE (postgresql://ana@127.0.0.1:" + closed + "/db): cannot reach PostgreSQL at 127.0.0.1:" + closed)
                .hasMessageContaining("Is the server running");
    }

    @Test
    void aWrongPasswordAndAMissingDatabaseAreExplainedWithoutThePassword() {
        var db = PostgresFixture.newDatabase();
        assertThatThrownBy(() -> Database.connect(db.url(), "not-the-password", "store"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("refused user " + db.user()).hasMessageContaining("PGPASSWORD")
                .hasMessageNotContaining("not-the-password");
        var missing = db.url().replaceFirst("/[^/]+$", "/no_such_db");
        assertThatThrownBy(() -> Database.connect(missing, db.password(), "store"))
                .hasMessageContaining("the database no_such_db does not exist").hasMessageContaining("createdb -h");
        try (var ok = Database.connect(db.url(), db.password(), "store"); var store = RunStore.open(ok)) {
            assertThat(store.location()).isEqualTo(db.url()).doesNotContain(db.password());
            assertThat(ok.schemaVersions()).containsEntry("runs", Migrations.STEPS.size());
            assertThat(ok.serverVersion()).startsWith("15");
        }
    }
}
