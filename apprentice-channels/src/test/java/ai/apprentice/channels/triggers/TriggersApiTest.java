package ai.apprentice.channels.triggers;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/triggers} over real HTTP, every response checked against the OpenAPI document; the checks of the CLI's add. */
class TriggersApiTest {
    @TempDir Path home;
    @TempDir Path root;
    final TestClock clock = new TestClock("2026-03-02T10:30:00Z");

    @Test
    void triggersAreAddedShownChangedFiredAndRemovedAndBadInputIsRefusedAsDocumented() throws Exception {
        var api = new OpenApiDoc();
        Files.writeString(root.resolve("script.jsonl"), "{\"text\": \"Fired by hand.\"}\n");
        try (var s = new TriggerServer(home, root, clock, Map.of("HOOK_SECRET", "s3cret-value-never-shown"))) {
            assertThat(api.check("GET", "/api/triggers", s.get("/api/triggers")).json().path("triggers")).isEmpty();
            var noToken = s.http.send(HttpRequest.newBuilder(URI.create(s.url("/api/triggers"))).GET().build(), HttpResponse.BodyHandlers.ofString());
            api.check("GET", "/api/triggers", new TriggerServer.Response(noToken.statusCode(), noToken.body()));
            assertThat(noToken.statusCode()).isEqualTo(401);

            var nightly = api.check("POST", "/api/triggers", s.post("/api/triggers",
                    "{\"name\": \"nightly\", \"cron\": \"30 2 * * *\", \"tz\": \"Asia/Tokyo\", \"task\": \"Tidy the logs\", \"workspace\": \"ops\"}"));
            assertThat(nightly.status()).isEqualTo(201);
            assertThat(nightly.json().path("next_fire_at").asText()).isEqualTo("2026-03-02T17:30:00Z");
            assertThat(nightly.json().path("missed").asText()).isEqualTo("run-once");
            assertThat(nightly.json().path("description").asText()).contains("02:30");
            var hook = api.check("POST", "/api/triggers", s.post("/api/triggers",
                    "{\"name\": \"hook\", \"webhook\": true, \"secret_env\": \"HOOK_SECRET\", \"task\": \"Handle {{event}}\"}"));
            assertThat(hook.json().path("secret_set").asBoolean()).isTrue();
            api.check("POST", "/api/triggers", s.post("/api/triggers", "{\"name\": \"drop\", \"watch\": \"incoming\", \"workspace\": \"" + root.resolve("ops") + "\", \"task\": \"Sort {{path}}\"}"));

            String[][] refused = {
                    {"{\"name\": \"x\", ", "400"},
                    {"{\"name\": \"x\", \"colour\": \"red\", \"task\": \"t\", \"cron\": \"* * * * *\"}", "400"},
                    {"[1]", "400"},
                    {"{\"name\": \"no spaces\", \"task\": \"t\", \"cron\": \"* * * * *\"}", "422"},
                    {"{\"name\": \"a\", \"cron\": \"* * * * *\"}", "422"},
                    {"{\"name\": \"a\", \"task\": \"t\"}", "422"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"cron\": \"* * * * *\", \"watch\": \"in\"}", "422"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"cron\": \"61 * * * *\"}", "422"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"cron\": \"0 0 31 2 *\"}", "422"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"cron\": \"0 9 * * *\", \"tz\": \"Mars/Olympus\"}", "422"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"cron\": \"0 9 * * *\", \"missed\": \"twice\"}", "422"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"webhook\": true, \"secret_env\": \"not a var\"}", "422"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"webhook\": true, \"mention\": \"@x\"}", "422"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"webhook\": true, \"github\": true, \"api_url\": \"ftp://x\"}", "422"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"cron\": \"0 9 * * *\", \"secret_env\": \"X\"}", "422"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"watch\": \"../up\"}", "422"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"watch\": \".git\"}", "422"},
                    {"{\"name\": \"a\", \"task\": 5, \"cron\": \"0 9 * * *\"}", "422"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"cron\": \"0 9 * * *\", \"workspace\": \"/etc\"}", "403"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"cron\": \"0 9 * * *\", \"workspace\": \"../../elsewhere\"}", "403"},
                    {"{\"name\": \"a\", \"task\": \"t\", \"cron\": \"0 9 * * *\", \"workspace\": \"proj/.apprentice\"}", "403"},
                    {"{\"name\": \"nightly\", \"task\": \"t\", \"cron\": \"0 9 * * *\"}", "409"},
            };
            for (var r : refused) {
                var res = api.check("POST", "/api/triggers", s.post("/api/triggers", r[0]));
                assertThat(res.status()).as(r[0] + " -> " + res.body()).isEqualTo(Integer.parseInt(r[1]));
            }
            var huge = api.check("POST", "/api/triggers", s.post("/api/triggers", "{\"name\": \"big\", \"task\": \"" + "x".repeat(5 * 1024 * 1024) + "\"}"));
            assertThat(huge.status()).isEqualTo(413);
            assertThat(s.triggers.store().list()).extracting(Trigger::name).containsExactly("drop", "hook", "nightly");

            var list = api.check("GET", "/api/triggers", s.get("/api/triggers"));
            assertThat(list.json().path("triggers")).hasSize(3);
            assertThat(list.body()).doesNotContain("s3cret-value-never-shown");
            assertThat(list.json().path("triggers").get(0).path("workspace").asText()).as("kept relative to the root").isEqualTo("ops");

            var changed = api.check("PUT", "/api/triggers/{name}", s.send("PUT", "/api/triggers/nightly",
                    "{\"cron\": \"0 3 * * *\", \"tz\": \"UTC\", \"task\": \"Tidy the logs, then report\", \"workspace\": \"ops\"}"));
            assertThat(changed.status()).isEqualTo(200);
            assertThat(changed.json().path("next_fire_at").asText()).isEqualTo("2026-03-03T03:00:00Z");
            assertThat(api.check("PUT", "/api/triggers/{name}", s.send("PUT", "/api/triggers/nightly", "{\"name\": \"renamed\", \"cron\": \"0 3 * * *\", \"task\": \"t\"}"))
                    .status()).isEqualTo(422);
            assertThat(api.check("PUT", "/api/triggers/{name}", s.send("PUT", "/api/triggers/nope", "{\"cron\": \"0 3 * * *\", \"task\": \"t\"}")).status()).isEqualTo(404);
            assertThat(api.check("PUT", "/api/triggers/{name}", s.send("PUT", "/api/triggers/nightly", "{\"cron\": ")).status()).isEqualTo(400);
            assertThat(api.check("PUT", "/api/triggers/{name}", s.send("PUT", "/api/triggers/nightly", "{\"cron\": \"0 3 * * *\", \"task\": \"t\", \"workspace\": \"/etc\"}"))
                    .status()).isEqualTo(403);

            var fired = api.check("POST", "/api/triggers/{name}/fire", s.post("/api/triggers/nightly/fire", ""));
            assertThat(fired.status()).isEqualTo(202);
            var run = s.awaitFinished(fired.json().path("run_id").asText());
            assertThat(run.path("origin").asText()).isEqualTo("trigger:nightly");
            assertThat(run.path("task").asText()).isEqualTo("Tidy the logs, then report");
            assertThat(api.check("POST", "/api/triggers/{name}/fire", s.post("/api/triggers/nope/fire", "")).status()).isEqualTo(404);

            var shown = api.check("GET", "/api/triggers/{name}", s.get("/api/triggers/nightly"));
            assertThat(shown.json().path("fires")).singleElement().satisfies(f -> {
                assertThat(f.path("source").asText()).isEqualTo("manual");
                assertThat(f.path("run_id").asText()).isEqualTo(fired.json().path("run_id").asText());
            });
            assertThat(api.check("GET", "/api/triggers/{name}", s.get("/api/triggers/nope")).status()).isEqualTo(404);

            assertThat(api.check("DELETE", "/api/triggers/{name}", s.send("DELETE", "/api/triggers/hook", null)).json().path("removed").asText()).isEqualTo("hook");
            assertThat(api.check("DELETE", "/api/triggers/{name}", s.send("DELETE", "/api/triggers/hook", null)).status()).isEqualTo(404);
            assertThat(s.triggers.store().list()).extracting(Trigger::name).containsExactly("drop", "nightly");
        }
        assertThat(api.exercised).as("every triggers operation the document gives was checked").containsAll(api.triggerOperations());
        assertThat(api.triggerOperations()).hasSize(6);
    }
}
