package ai.apprentice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.testkit.PostgresFixture;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers behind a load balancer, sharing the PostgreSQL of their {@code store} setting: a token made on one machine
 * opens the other, a conversation started on one goes on through the other, and after a restart each server picks up
 * only the runs it accepted itself.
 */
@Timeout(120)
class SharedServerDbTest {
    @TempDir Path homeA;
    @TempDir Path homeB;
    @TempDir Path root;

    private static Map<String, String> env(PostgresFixture.Db db, String server) {
        return Map.of("APPRENTICE_STORE", db.url(), "PGPASSWORD", db.password(), "APPRENTICE_SERVER_ID", server);
    }

    @Test
    void twoServersShareTokensRunsAndConversationsAndEachRecoversOnlyItsOwnRuns() throws Exception {
        var db = PostgresFixture.newDatabase();
        String script = """
                {"text": "first answer"}
                {"text": "second answer"}
                {"text": "third answer"}
                """;
        String token;
        try (var tokens = Tokens.open(homeB, env(db, "b"))) { // `apprentice serve token create` on machine B
            token = tokens.create("ci")[0];
        }
        assertThat(homeB.resolve("server/server.db")).doesNotExist(); // nothing went to SQLite

        try (var a = new TestServer(homeA, root, script, Map.of(), o -> o, env(db, "a"));
             var b = new TestServer(homeB, root, null, Map.of(), o -> o, env(db, "b"))) {
            var withB = a.send(HttpRequest.newBuilder(URI.create(a.url("/api/runs"))).header("Authorization", "Bearer " + token).GET().build());
            assertThat(withB.status()).as(withB.body()).isEqualTo(200);

            var session = a.post("/api/sessions", "{}").json().path("id").asText();
            var first = a.post("/api/sessions/" + session + "/messages", "{\"text\": \"hello\"}");
            assertThat(first.status()).as(first.body()).isEqualTo(201);
            assertThat(a.awaitFinished(first.json().path("id").asText())
                    .path("status").asText()).isEqualTo("succeeded");
            var onB = b.get("/api/sessions/" + session);
            assertThat(onB.status()).as(onB.body()).isEqualTo(200);
            assertThat(onB.body()).contains("first answer");
        }

        // Two runs left queued by a stop: one accepted by server a, one by server c (another machine, still up).
        try (var c = db.connect(); var st = c.createStatement()) {
            for (var row : List.of(List.of("run-of-a", "a"), List.of("run-of-c", "c"))) {
                st.executeUpdate("INSERT INTO apprentice_server.accepted_runs(run_id, task, workspace, settings_json, state, accepted_at, server) VALUES ('"
                        + row.get(0) + "', 'queued task', '" + root + "', '{}', 'queued', '2026-01-01T00:00:00Z', '" + row.get(1) + "')");
            }
        }
        try (var a = new TestServer(homeA, root, null, Map.of(), o -> o, env(db, "a"))) {
            assertThat(a.log.toString()).contains("picked up 1 run(s)");
            assertThat(a.awaitFinished("run-of-a").path("status").asText()).isEqualTo("succeeded");
            assertThat(a.harness.store().get("run-of-c")).isEmpty(); // c's queue is c's
        }
    }

    @Test
    void eachComponentHasItsOwnSchemaAndANewerOneIsRefusedAndLeftIntact() throws Exception {
        var db = PostgresFixture.newDatabase();
        // a component with a table named like the run store's: it lives in its own schema, and both work
        try (var other = ServerDb.open(homeA, env(db, "a"), "clash", List.of("CREATE TABLE runs (name TEXT PRIMARY KEY)"));
             var server = ServerDb.open(homeA, env(db, "a"), "server", ServerDb.STEPS)) {
            assertThat(other.shared()).isTrue();
            other.update("INSERT INTO runs(name) VALUES (?)", "not a run");
            assertThat(other.query("SELECT name FROM runs", rs -> rs.getString(1))).containsExactly("not a run");
            assertThat(server.query("SELECT count(*) FROM accepted_runs", rs -> rs.getInt(1))).containsExactly(0);
        }
        try (var c = db.connect(); var st = c.createStatement()) {
            try (var rs = st.executeQuery("SELECT component, version FROM apprentice_schema ORDER BY component")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("clash");
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("server");
                assertThat(rs.getInt(2)).isEqualTo(ServerDb.STEPS.size());
            }
            st.executeUpdate("UPDATE apprentice_schema SET version = 99 WHERE component = 'server'");
        }
        assertThatThrownBy(() -> Tokens.open(homeA, env(db, "a")))
                .isInstanceOf(ServerException.class).hasMessageContaining("schema apprentice_server").hasMessageContaining("newer than this apprentice")
                .hasMessageNotContaining(db.password());
        try (var c = db.connect(); var st = c.createStatement(); var rs = st.executeQuery("SELECT version FROM apprentice_schema WHERE component = 'server'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(99);
        }
        assertThat(Files.exists(homeA.resolve("server"))).isFalse();
    }
}
