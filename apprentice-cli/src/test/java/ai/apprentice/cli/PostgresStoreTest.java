package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.testkit.PostgresFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code store: postgresql://...}: runs go to PostgreSQL, doctor reports it, and bad settings are clear errors at the CLI. */
@Timeout(180)
class PostgresStoreTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void runsGoToThePostgresqlTheConfigNamesAndDoctorReportsIt() throws Exception {
        var db = PostgresFixture.newDatabase();
        Files.writeString(home.resolve("config.yaml"), "store: " + db.url() + "\nstore_password_env: TEST_DB_PASSWORD\n");
        var cli = new CliHarness(home, ws);
        cli.env.put("TEST_DB_PASSWORD", db.password());
        Files.writeString(ws.resolve("s.jsonl"), "{\"text\": \"42\"}\n");
        var r = cli.run("run", "--model", "scripted:s.jsonl", "the answer");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.exists(home.resolve("apprentice.db"))).isFalse(); // nothing went to SQLite
        try (var c = db.connect(); var st = c.createStatement(); var rs = st.executeQuery("SELECT task, status FROM runs")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("the answer");
            assertThat(rs.getString(2)).isEqualTo("succeeded");
        }
        assertThat(Json.tree(cli.run("runs", "list", "--json").out()).get(0).get("task").asText()).isEqualTo("the answer");

        var doctor = cli.run("doctor");
        assertThat(doctor.out()).containsPattern("ok +run store +PostgreSQL 15[^\\n]* at " + java.util.regex.Pattern.quote(db.url()))
                .contains("1 runs").contains("runs v6").doesNotContain(db.password());
    }

    @Test
    void aWrongPasswordOrAMalformedUrlIsAClearErrorNamingTheSetting() throws Exception {
        var db = PostgresFixture.newDatabase();
        var cli = new CliHarness(home, ws);
        cli.env.put("APPRENTICE_STORE", db.url());
        cli.env.put("PGPASSWORD", "wrong-password-123");
        Files.writeString(ws.resolve("s.jsonl"), "{\"text\": \"42\"}\n");
        var r = cli.run("run", "--model", "scripted:s.jsonl", "hello");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("env APPRENTICE_STORE").contains("refused user " + db.user()).contains("PGPASSWORD")
                .doesNotContain("wrong-password-123").doesNotContain("\tat ");
        var doctor = cli.run("doctor");
        assertThat(doctor.exit()).isNotZero();
        assertThat(doctor.out()).contains("FAIL run store").contains("refused user").contains("APPRENTICE_STORE=sqlite");

        cli.env.put("APPRENTICE_STORE", "postgresql://nobody@/db");
        var bad = cli.run("run", "--model", "scripted:s.jsonl", "hello");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("env APPRENTICE_STORE has no host").doesNotContain("\tat ");

        cli.env.put("APPRENTICE_STORE", "sqlite"); // the way back to the default
        assertThat(cli.run("run", "--model", "scripted:s.jsonl", "hello").exit()).isZero();
        assertThat(Files.exists(home.resolve("apprentice.db"))).isTrue();
    }
}
