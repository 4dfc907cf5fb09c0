package ai.apprentice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.json.Json;
import ai.apprentice.memory.playbook.LearnedStore;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document against the real server: every operation is exercised over real HTTP (successes and the main
 * errors) and each real response is validated against the schema the document gives for its path, method and status;
 * every route the server registers is documented, and a status the document does not give fails. The memory, skills,
 * learning and evaluation endpoints' behaviour is asserted here too (one class, so that the embedding model loads once).
 */
@Timeout(300)
class OpenApiConformanceTest {
    static OpenApi api;
    /** Routes the servers of this class registered. */
    static final Set<String> registered = ConcurrentHashMap.newKeySet();

    @TempDir Path home;
    @TempDir Path root;

    @BeforeAll
    static void load() throws Exception {
        api = OpenApi.load();
    }

    /** Every documented operation that the server registers was exercised by this class. */
    @AfterAll
    static void everyRegisteredOperationWasExercised() {
        var missing = new TreeSet<>(api.operations());
        missing.retainAll(registered);
        missing.removeAll(api.exercised);
        assertThat(missing).as("documented and registered operations no test exercised").isEmpty();
    }

    TestServer server(String script, Map<String, Object> flags) throws Exception {
        var s = new TestServer(home, root, script, flags, o -> new ServerOptions(o.host(), o.port(), o.root(), o.defaults(), o.allowedModels(),
                o.maxConcurrentRuns(), o.approvalTimeout(), o.token(), o.auth(), o.allowedOrigins(), o.allowedHosts(), 64 * 1024, o.heartbeat()));
        registered.addAll(OpenApi.routes(s.server));
        return s;
    }

    static TestServer.Response delete(TestServer s, String path) throws Exception {
        return s.send(s.request(path).DELETE().build());
    }

    static TestServer.Response noToken(TestServer s, String path) throws Exception {
        return s.send(HttpRequest.newBuilder(URI.create(s.url(path))).GET().build());
    }

    static String big() {
        return "{\"text\": \"" + "x".repeat(70 * 1024) + "\"}";
    }

    @Test
    void everyRouteTheServerRegistersIsDocumentedAndEveryDocumentedOneExists() throws Exception {
        try (var s = server("{\"text\": \"ok\"}\n", Map.of())) {
            var routes = OpenApi.routes(s.server);
            // the REST API, the OpenAI-compatible endpoints and the server's own: the web UI's pages are not API
            var apiRoutes = routes.stream().filter(r -> r.matches("[A-Z]+ /(api|v1)/.*|[A-Z]+ /health|[A-Z]+ /openapi\\.json")).toList();
            assertThat(apiRoutes).as("the server registers the API").contains("POST /api/runs", "GET /api/memory", "POST /api/evals");
            assertThat(api.operations()).as("every registered route is documented").containsAll(apiRoutes);
            var documentedNotServed = new TreeSet<>(api.operations());
            documentedNotServed.removeAll(routes);
            // the OpenAI-compatible endpoints are documented ahead of the code that serves them; operations marked x-extension
            // are served by an extension that apprentice serve adds (triggers, in apprentice-channels, which checks them itself)
            assertThat(documentedNotServed).as("documented operations the server does not have").allMatch(r -> r.contains(" /v1/") || extension(r));

            var openapi = api.check("GET", "/openapi.json", s.get("/openapi.json"));
            assertThat(openapi.json()).isEqualTo(api.doc);
            assertThat(api.doc.path("openapi").asText()).startsWith("3.1");
            assertThat(api.doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
            assertThat(api.doc.at("/components/securitySchemes/cookie/name").asText()).isEqualTo(Auth.COOKIE);
            assertThat(api.doc.at("/paths/~1health/get/security")).as("/health needs no token").isEmpty();
            api.check("GET", "/health", s.send(HttpRequest.newBuilder(URI.create(s.url("/health"))).GET().build()));
            api.check("GET", "/openapi.json", noToken(s, "/openapi.json"));
        }
    }

    /** Whether "METHOD /path" is marked as served by a server extension. */
    static boolean extension(String operation) {
        var parts = operation.split(" ", 2);
        return api.doc.path("paths").path(parts[1]).path(parts[0].toLowerCase(java.util.Locale.ROOT)).has("x-extension");
    }

    @Test
    void anUndocumentedStatusMediaTypeOrShapeFailsTheCheck() {
        var checker = new OpenApi(api.doc);
        assertThatThrownBy(() -> checker.check("GET", "/api/runs", new TestServer.Response(418, "{}", "application/json")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("documents status 418");
        assertThatThrownBy(() -> checker.check("GET", "/api/runs", new TestServer.Response(200, "{\"limit\": 1}", "application/json")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("does not match");
        assertThatThrownBy(() -> checker.check("GET", "/api/runs", new TestServer.Response(200, "<html>", "text/html")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("media type text/html");
        assertThatThrownBy(() -> checker.check("GET", "/api/nothing", new TestServer.Response(200, "{}", "application/json")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("is documented");
        // an error body with a stack trace in an extra field is not an Error
        assertThatThrownBy(() -> checker.check("GET", "/api/runs", new TestServer.Response(400,
                "{\"error\": {\"status\": 400, \"code\": \"x\", \"message\": \"m\", \"trace\": \"at ai.apprentice\"}}", "application/json")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("does not match");
        checker.check("GET", "/api/runs", new TestServer.Response(400, "{\"error\": {\"status\": 400, \"code\": \"x\", \"message\": \"m\"}}", "application/json"));
    }

    @Test
    void runsSessionsFeedbackAndTheirErrorsConform() throws Exception {
        try (var s = server("{\"text\": \"first answer\"}\n{\"text\": \"second answer\"}\n", Map.of())) {
            api.check("GET", "/api/runs", noToken(s, "/api/runs"));
            var created = api.check("POST", "/api/runs", s.post("/api/runs", "{\"task\": \"say something\", \"settings\": {\"max_steps\": 5}}"));
            assertThat(created.status()).isEqualTo(201);
            var id = created.json().path("id").asText();
            api.check("POST", "/api/runs", s.post("/api/runs", "{\"task\": "));
            api.check("POST", "/api/runs", s.post("/api/runs", "{\"task\": \"x\", \"colour\": 1}"));
            api.check("POST", "/api/runs", s.post("/api/runs", "{\"task\": 5}"));
            api.check("POST", "/api/runs", s.post("/api/runs", "{\"task\": \"x\", \"workspace\": \"/etc\"}"));
            api.check("POST", "/api/runs", s.post("/api/runs", "{\"task\": \"x\", \"model\": \"openai:gpt-5\"}"));
            assertThat(api.check("POST", "/api/runs", s.post("/api/runs", big())).status()).isEqualTo(413);

            s.awaitFinished(id);
            var run = api.check("GET", "/api/runs/{id}", s.get("/api/runs/" + id));
            assertThat(run.json().path("answer").asText()).isEqualTo("first answer");
            var withEvents = api.check("GET", "/api/runs/{id}", s.get("/api/runs/" + id + "?events=true"));
            assertThat(withEvents.json().path("events").size()).isPositive();
            assertThat(api.check("GET", "/api/runs/{id}", s.get("/api/runs/nope")).status()).isEqualTo(404);
            var list = api.check("GET", "/api/runs", s.get("/api/runs?limit=1"));
            assertThat(list.json().path("runs")).hasSize(1);
            api.check("GET", "/api/runs", s.get("/api/runs?status=succeeded&limit=10&offset=0"));
            api.check("GET", "/api/runs", s.get("/api/runs?limit=0"));
            api.check("GET", "/api/runs", s.get("/api/runs?session=nope"));

            var events = api.check("GET", "/api/runs/{id}/events", s.get("/api/runs/" + id + "/events"));
            assertThat(events.contentType()).startsWith("text/event-stream");
            assertThat(OpenApi.sseData(events.body())).hasSize(withEvents.json().path("events").size());
            api.check("GET", "/api/runs/{id}/events", s.send(s.request("/api/runs/" + id + "/events").header("Last-Event-ID", "two").GET().build()));
            api.check("GET", "/api/runs/{id}/events", s.get("/api/runs/nope/events"));

            var fb = api.check("POST", "/api/runs/{id}/feedback", s.post("/api/runs/" + id + "/feedback", "{\"rating\": \"good\", \"score\": 0.9}"));
            assertThat(fb.status()).isEqualTo(201);
            api.check("POST", "/api/runs/{id}/feedback", s.post("/api/runs/" + id + "/feedback", "{\"rating\": \"meh\"}"));
            api.check("POST", "/api/runs/{id}/feedback", s.post("/api/runs/" + id + "/feedback", "{\"stars\": 5}"));
            api.check("POST", "/api/runs/{id}/feedback", s.post("/api/runs/nope/feedback", "{\"rating\": \"good\"}"));
            assertThat(api.check("GET", "/api/runs/{id}", s.get("/api/runs/" + id)).json().path("feedback").path("good").asInt()).isEqualTo(1);

            assertThat(api.check("POST", "/api/runs/{id}/cancel", s.post("/api/runs/" + id + "/cancel", "")).status()).isEqualTo(409);
            api.check("POST", "/api/runs/{id}/cancel", s.post("/api/runs/nope/cancel", ""));
            assertThat(api.check("POST", "/api/runs/{id}/resume", s.post("/api/runs/" + id + "/resume", "")).status()).isEqualTo(409);
            api.check("POST", "/api/runs/{id}/resume", s.post("/api/runs/" + id + "/resume", "{\"x\": 1}"));
            api.check("POST", "/api/runs/{id}/resume", s.post("/api/runs/nope/resume", ""));

            // a conversation: its second message continues the first
            var session = api.check("POST", "/api/sessions", s.post("/api/sessions", "{\"title\": \"chat\"}"));
            assertThat(session.status()).isEqualTo(201);
            var sid = session.json().path("id").asText();
            api.check("POST", "/api/sessions", s.post("/api/sessions", "{\"title\": 3}"));
            api.check("POST", "/api/sessions", s.post("/api/sessions", "{\"workspace\": \"../../elsewhere\"}"));
            api.check("POST", "/api/sessions", s.post("/api/sessions", "{\"topic\": \"x\"}"));
            var m1 = api.check("POST", "/api/sessions/{id}/messages", s.post("/api/sessions/" + sid + "/messages", "{\"text\": \"hello\"}"));
            assertThat(m1.status()).isEqualTo(201);
            s.awaitFinished(m1.json().path("run_id").asText());
            var m2 = api.check("POST", "/api/sessions/{id}/messages", s.post("/api/sessions/" + sid + "/messages", "{\"text\": \"again\"}"));
            assertThat(s.awaitFinished(m2.json().path("run_id").asText()).path("answer").asText()).isEqualTo("second answer");
            api.check("POST", "/api/sessions/{id}/messages", s.post("/api/sessions/" + sid + "/messages", "{}"));
            api.check("POST", "/api/sessions/{id}/messages", s.post("/api/sessions/nope/messages", "{\"text\": \"x\"}"));
            var got = api.check("GET", "/api/sessions/{id}", s.get("/api/sessions/" + sid));
            assertThat(got.json().path("runs")).hasSize(2);
            api.check("GET", "/api/sessions/{id}", s.get("/api/sessions/nope"));
            assertThat(api.check("GET", "/api/sessions", s.get("/api/sessions")).json().path("sessions")).hasSize(1);
            api.check("GET", "/api/sessions", s.get("/api/sessions?offset=-1"));
            assertThat(api.check("GET", "/api/runs", s.get("/api/runs?session=" + sid)).json().path("runs")).hasSize(2);

            openAiEndpointsWhenServed(s);
        }
    }

    /** The OpenAI-compatible endpoints are served by another part of the server; whatever they answer must be documented. */
    private void openAiEndpointsWhenServed(TestServer s) throws Exception {
        if (registered.contains("POST /v1/responses")) {
            api.check("POST", "/v1/responses", s.post("/v1/responses", "{\"input\": \"hello\"}"));
            api.check("POST", "/v1/responses", s.post("/v1/responses", "{\"input\": "));
        }
        if (registered.contains("GET /v1/models")) {
            api.check("GET", "/v1/models", s.get("/v1/models"));
            api.check("GET", "/v1/models/{id}", s.get("/v1/models/apprentice"));
            api.check("GET", "/v1/models/{id}", s.get("/v1/models/nope"));
            var made = s.post("/v1/responses", "{\"input\": \"again\"}");
            api.check("GET", "/v1/responses/{id}", s.get("/v1/responses/" + made.json().path("id").asText()));
            api.check("GET", "/v1/responses/{id}", s.get("/v1/responses/resp_nope"));
        }
        if (registered.contains("POST /v1/chat/completions")) {
            api.check("POST", "/v1/chat/completions", s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hello\"}]}"));
            api.check("POST", "/v1/chat/completions", s.post("/v1/chat/completions", "{\"messages\": "));
        }
    }

    @Test
    void cancelResumeAndApprovalsConform() throws Exception {
        var slow = """
                {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "a"}}]}
                {"delay_ms": 20000, "text": "never seen"}
                """;
        try (var s = server(slow, Map.of())) {
            var id = s.post("/api/runs", "{\"task\": \"two steps\"}").json().path("id").asText();
            ServerApiTest.waitForEvent(s, id, "step_completed");
            api.check("POST", "/api/runs/{id}/feedback", s.post("/api/runs/" + id + "/feedback", "{\"rating\": \"good\"}"));
            var cancel = api.check("POST", "/api/runs/{id}/cancel", s.post("/api/runs/" + id + "/cancel", ""));
            assertThat(cancel.status()).isEqualTo(202);
            assertThat(s.awaitFinished(id).path("status").asText()).isEqualTo("cancelled");
            Files.writeString(root.resolve("script.jsonl"), """
                    {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "a"}}]}
                    {"text": "Done after resume."}
                    """);
            var resumed = api.check("POST", "/api/runs/{id}/resume", s.post("/api/runs/" + id + "/resume", ""));
            assertThat(resumed.status()).isEqualTo(202);
            assertThat(s.awaitFinished(id).path("answer").asText()).isEqualTo("Done after resume.");
        }
        var ask = """
                {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "b.txt", "content": "b"}}]}
                {"text": "Done."}
                """;
        try (var s = server(ask, Map.of("approve", "ask"))) {
            var id = s.post("/api/runs", "{\"task\": \"write b\"}").json().path("id").asText();
            var pending = ServerApiTest.awaitApproval(s, id);
            var list = api.check("GET", "/api/approvals", s.get("/api/approvals?run=" + id));
            assertThat(list.json().path("approvals")).hasSize(1);
            var aid = pending.path("id").asText();
            api.check("POST", "/api/approvals/{id}", s.post("/api/approvals/" + aid, "{\"allow\": \"yes\"}"));
            api.check("POST", "/api/approvals/{id}", s.post("/api/approvals/" + aid, "{\"allow\": true, \"scope\": \"forever\"}"));
            api.check("POST", "/api/approvals/{id}", s.post("/api/approvals/" + aid, "{\"allow\": true, \"by\": \"me\"}"));
            var answered = api.check("POST", "/api/approvals/{id}", s.post("/api/approvals/" + aid, "{\"allow\": true}"));
            assertThat(answered.status()).isEqualTo(200);
            // 409 while the run is still taking its answer, 404 once the request is gone
            assertThat(api.check("POST", "/api/approvals/{id}", s.post("/api/approvals/" + aid, "{\"allow\": true}")).status()).isIn(404, 409);
            assertThat(api.check("POST", "/api/approvals/{id}", s.post("/api/approvals/apr_nope", "{\"allow\": true}")).status()).isEqualTo(404);
            assertThat(s.awaitFinished(id).path("status").asText()).isEqualTo("succeeded");
            assertThat(Files.readString(root.resolve("b.txt"))).isEqualTo("b");
            api.check("GET", "/api/approvals", s.get("/api/approvals"));
        }
    }

    // ---- memory ----

    @Test
    void memoryRoundTripOverHttp() throws Exception {
        try (var s = server("{\"text\": \"ok\"}\n", Map.of())) {
            var added = api.check("POST", "/api/memory", s.post("/api/memory", "{\"text\": \"The deploy script lives in tools/deploy.sh\", \"kind\": \"fact\"}"));
            assertThat(added.status()).isEqualTo(201);
            var memory = added.json().path("memory");
            var id = memory.path("id").asText();
            assertThat(memory.path("scope").asText()).isEqualTo("user");
            assertThat(memory.path("source").asText()).as("a person's memory: the token's name").isEqualTo("api:serve --token");
            assertThat(added.json().path("secrets_removed")).isEmpty();
            var again = api.check("POST", "/api/memory", s.post("/api/memory", "{\"text\": \"The deploy script lives in tools/deploy.sh\"}"));
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.json().path("duplicate").asBoolean()).isTrue();
            assertThat(again.json().at("/memory/id").asText()).isEqualTo(id);

            // a secret is removed before anything is stored, as for every memory
            var token = "ghp_" + "A1b2C3d4E5".repeat(4);
            var secret = api.check("POST", "/api/memory", s.post("/api/memory", "{\"text\": \"The CI token is " + token + " for the bot\", \"kind\": \"preference\"}"));
            assertThat(secret.status()).isEqualTo(201);
            assertThat(secret.json().path("secrets_removed")).extracting(n -> n.asText()).contains("github-token");
            assertThat(secret.json().at("/memory/text").asText()).doesNotContain(token).contains("for the bot");
            assertThat(s.harness.memory().get(secret.json().at("/memory/id").asText()).text()).doesNotContain(token);

            // scopes: a workspace under the root is fine, one outside is refused, and nothing is stored for refusals
            var ws = api.check("POST", "/api/memory", s.post("/api/memory", "{\"text\": \"This project builds with Maven\", \"scope\": \"workspace:sub\"}"));
            assertThat(ws.status()).isEqualTo(201);
            assertThat(ws.json().at("/memory/scope").asText()).isEqualTo("workspace:" + root.toAbsolutePath().normalize().resolve("sub"));
            int before = s.harness.memory().count();
            assertThat(api.check("POST", "/api/memory", s.post("/api/memory", "{\"text\": \"x y z\", \"scope\": \"workspace:/etc\"}")).status()).isEqualTo(403);
            assertThat(api.check("POST", "/api/memory", s.post("/api/memory", "{\"text\": \"x y z\", \"scope\": \"workspace:../..\"}")).status()).isEqualTo(403);
            assertThat(api.check("POST", "/api/memory", s.post("/api/memory", "{\"text\": \"x y z\", \"scope\": \"team\"}")).status()).isEqualTo(400);
            assertThat(api.check("POST", "/api/memory", s.post("/api/memory", "{\"text\": \"x y z\", \"kind\": \"rumour\"}")).status()).isEqualTo(422);
            assertThat(api.check("POST", "/api/memory", s.post("/api/memory", "{\"text\": 5}")).status()).isEqualTo(422);
            assertThat(api.check("POST", "/api/memory", s.post("/api/memory", "{\"text\": \"  \"}")).status()).isEqualTo(422);
            assertThat(api.check("POST", "/api/memory", s.post("/api/memory", "{\"text\": \"x\", \"author\": \"me\"}")).status()).isEqualTo(400);
            assertThat(api.check("POST", "/api/memory", s.post("/api/memory", "{\"text\": \"x\", \"replaces\": \"m-nope\"}")).status()).isEqualTo(404);
            assertThat(api.check("POST", "/api/memory", s.post("/api/memory", big())).status()).isEqualTo(413);
            api.check("POST", "/api/memory", s.post("/api/memory", "not json"));
            assertThat(s.harness.memory().count()).as("nothing stored half-way").isEqualTo(before);

            // search and list
            var hits = api.check("GET", "/api/memory", s.get("/api/memory?query=where%20is%20the%20deploy%20script&limit=3"));
            assertThat(hits.json().path("memories").get(0).path("id").asText()).isEqualTo(id);
            assertThat(hits.json().path("memories").get(0).path("why")).isNotEmpty();
            var inWs = api.check("GET", "/api/memory", s.get("/api/memory?query=maven&scope=workspace:sub"));
            assertThat(inWs.json().path("memories")).extracting(n -> n.path("scope").asText()).containsOnly("workspace:" + root.resolve("sub"));
            var listed = api.check("GET", "/api/memory", s.get("/api/memory"));
            assertThat(listed.json().path("memories")).hasSize(3);
            api.check("GET", "/api/memory", s.get("/api/memory?scope=workspace:/etc"));
            api.check("GET", "/api/memory", s.get("/api/memory?query=x&method=psychic"));
            api.check("GET", "/api/memory", s.get("/api/memory?limit=nine"));
            assertThat(api.check("GET", "/api/memory/{id}", s.get("/api/memory/" + id)).json().path("text").asText()).contains("deploy.sh");
            assertThat(api.check("GET", "/api/memory/{id}", s.get("/api/memory/m-nope")).status()).isEqualTo(404);

            // forget, see it in history, undo its batch, and it is back
            var forgot = api.check("DELETE", "/api/memory/{id}", delete(s, "/api/memory/" + id));
            assertThat(forgot.status()).isEqualTo(200);
            var batch = forgot.json().path("batch").asText();
            assertThat(api.check("GET", "/api/memory", s.get("/api/memory?query=deploy%20script")).json().path("memories"))
                    .extracting(n -> n.path("id").asText()).doesNotContain(id);
            assertThat(api.check("GET", "/api/memory", s.get("/api/memory?all=true")).json().path("memories"))
                    .anySatisfy(n -> {
                        assertThat(n.path("id").asText()).isEqualTo(id);
                        assertThat(n.path("forgotten").asBoolean()).isTrue();
                    });
            assertThat(api.check("DELETE", "/api/memory/{id}", delete(s, "/api/memory/" + id)).status()).isEqualTo(409);
            assertThat(api.check("DELETE", "/api/memory/{id}", delete(s, "/api/memory/m-nope")).status()).isEqualTo(404);
            assertThat(api.check("DELETE", "/api/memory/{id}", delete(s, "/api/memory/" + id + "?hard=maybe")).status()).isEqualTo(400);
            var history = api.check("GET", "/api/memory/history", s.get("/api/memory/history?batch=" + batch));
            assertThat(history.json().path("changes")).singleElement().satisfies(c -> {
                assertThat(c.path("op").asText()).isEqualTo("forget");
                assertThat(c.path("memory_id").asText()).isEqualTo(id);
                assertThat(c.path("reason").asText()).contains("serve --token");
            });
            assertThat(api.check("GET", "/api/memory/history", s.get("/api/memory/history?limit=2")).json().path("changes")).hasSize(2);
            assertThat(api.check("GET", "/api/memory/history", s.get("/api/memory/history?batch=nope")).status()).isEqualTo(404);
            assertThat(api.check("GET", "/api/memory/history", s.get("/api/memory/history?limit=0")).status()).isEqualTo(400);
            var undone = api.check("POST", "/api/memory/undo/{batch}", s.post("/api/memory/undo/" + batch, ""));
            assertThat(undone.json().path("undone")).hasSize(1);
            assertThat(api.check("GET", "/api/memory/{id}", s.get("/api/memory/" + id)).json().path("forgotten").asBoolean()).isFalse();
            assertThat(api.check("GET", "/api/memory", s.get("/api/memory?query=deploy%20script")).json().path("memories"))
                    .extracting(n -> n.path("id").asText()).contains(id);
            assertThat(api.check("POST", "/api/memory/undo/{batch}", s.post("/api/memory/undo/" + batch, "")).json().path("undone"))
                    .as("nothing left to undo").isEmpty();
            assertThat(api.check("POST", "/api/memory/undo/{batch}", s.post("/api/memory/undo/nope", "")).status()).isEqualTo(404);
            api.check("POST", "/api/memory/undo/{batch}", s.post("/api/memory/undo/" + batch, "{\"why\": 1}"));

            // for good: gone from the store, and its batch cannot be undone
            var hard = api.check("DELETE", "/api/memory/{id}", delete(s, "/api/memory/" + id + "?hard=true"));
            assertThat(hard.json().path("hard").asBoolean()).isTrue();
            assertThat(s.harness.memory().get(id)).isNull();
            assertThat(api.check("GET", "/api/memory/{id}", s.get("/api/memory/" + id)).status()).isEqualTo(404);
            var hardBatch = s.harness.memory().history(null, 1).getFirst().batch();
            assertThat(api.check("POST", "/api/memory/undo/{batch}", s.post("/api/memory/undo/" + hardBatch, "")).status()).isEqualTo(409);
        }
    }

    @Test
    void memoriesOfWorkspacesOutsideTheRootAreNeitherShownNorChanged() throws Exception {
        try (var s = server("{\"text\": \"ok\"}\n", Map.of())) {
            var outside = s.harness.memory().add(ai.apprentice.memory.Memory.New.of("Elsewhere the build uses Gradle",
                    ai.apprentice.memory.Memory.Kind.FACT, "workspace:/somewhere/else"), "test").memory();
            assertThat(api.check("GET", "/api/memory", s.get("/api/memory")).json().path("memories")).isEmpty();
            assertThat(api.check("GET", "/api/memory", s.get("/api/memory?query=gradle%20build")).json().path("memories")).isEmpty();
            assertThat(api.check("GET", "/api/memory/{id}", s.get("/api/memory/" + outside.id())).status()).isEqualTo(404);
            assertThat(api.check("DELETE", "/api/memory/{id}", delete(s, "/api/memory/" + outside.id())).status()).isEqualTo(404);
            assertThat(s.harness.memory().get(outside.id()).forgotten()).isFalse();
        }
    }

    // ---- skills and learning ----

    @Test
    void skillsAndLearningConform() throws Exception {
        var dir = Files.createDirectories(root.resolve(".apprentice/skills/release-notes"));
        Files.writeString(dir.resolve("SKILL.md"), "---\nname: release-notes\ndescription: Write release notes from the git log.\n---\n# Release notes\n\nRead the log, group by type.\n");
        Files.createDirectories(dir.resolve("scripts"));
        Files.writeString(dir.resolve("scripts/log.sh"), "git log --oneline\n");
        try (var s = server("{\"text\": \"ok\"}\n", Map.of())) {
            var list = api.check("GET", "/api/skills", s.get("/api/skills"));
            assertThat(list.json().path("skills")).anySatisfy(k -> {
                assertThat(k.path("name").asText()).isEqualTo("release-notes");
                assertThat(k.path("source").asText()).isEqualTo("workspace");
            });
            var show = api.check("GET", "/api/skills/{name}", s.get("/api/skills/release-notes"));
            assertThat(show.json().path("body").asText()).startsWith("# Release notes").contains("group by type");
            assertThat(show.json().path("files")).extracting(n -> n.asText()).containsExactly("scripts/log.sh");
            assertThat(api.check("GET", "/api/skills/{name}", s.get("/api/skills/no-such-skill")).status()).isEqualTo(404);
            assertThat(api.check("GET", "/api/skills", s.get("/api/skills?workspace=/etc")).status()).isEqualTo(403);
            var elsewhere = api.check("GET", "/api/skills", s.get("/api/skills?workspace=other"));
            assertThat(elsewhere.json().path("skills")).extracting(k -> k.path("name").asText()).doesNotContain("release-notes");
            api.check("GET", "/api/skills/{name}", s.get("/api/skills/release-notes?workspace=../.."));

            var status = api.check("GET", "/api/learning/status", s.get("/api/learning/status"));
            assertThat(status.json().path("decisions").asInt()).isZero();
            assertThat(api.check("GET", "/api/learning/history", s.get("/api/learning/history")).json().path("decisions")).isEmpty();
            s.harness.learned().record(new LearnedStore.Decision("d-20250101-000000-abcdef", Instant.parse("2025-01-01T00:00:00Z"), "lesson", "sql", false,
                    "rejected: no better than the incumbent", "{\"delta\": 0.0}", "playbook", null, null, null));
            var history = api.check("GET", "/api/learning/history", s.get("/api/learning/history?limit=5"));
            assertThat(history.json().path("decisions")).singleElement().satisfies(d -> {
                assertThat(d.path("accepted").asBoolean()).isFalse();
                assertThat(d.path("evidence").path("delta").asDouble()).isZero();
            });
            assertThat(api.check("GET", "/api/learning/status", s.get("/api/learning/status")).json().path("decisions").asInt()).isEqualTo(1);
            assertThat(api.check("GET", "/api/learning/decisions/{id}", s.get("/api/learning/decisions/d-20250101")).json().path("env").asText()).isEqualTo("sql");
            assertThat(api.check("GET", "/api/learning/decisions/{id}", s.get("/api/learning/decisions/d-nope")).status()).isEqualTo(404);
            api.check("GET", "/api/learning/history", s.get("/api/learning/history?limit=-1"));
        }
    }

    // ---- evaluations ----

    @Test
    void anEvaluationStartedOverHttpRunsToTheEndAndItsReportIsServed() throws Exception {
        try (var s = server("{\"delay_ms\": 1500, \"text\": \"I cannot answer that.\"}\n", Map.of())) {
            var gold = api.check("POST", "/api/evals", s.post("/api/evals", "{\"env\": \"sql\", \"tasks\": \"0-2\", \"trials\": 2, \"agent\": \"gold\"}"));
            assertThat(gold.status()).isEqualTo(202);
            assertThat(gold.json().path("trials_total").asInt()).isEqualTo(6);
            var goldId = gold.json().path("id").asText();
            var done = awaitEval(s, goldId);
            assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("succeeded");
            assertThat(done.path("trials_done").asInt()).isEqualTo(6);
            assertThat(done.at("/summary/mean_reward").asDouble()).isEqualTo(1.0);
            assertThat(done.at("/summary/pass_hat_k/2").asDouble()).isEqualTo(1.0);

            var res = s.http.send(s.request(done.path("report").asText()).GET().build(), HttpResponse.BodyHandlers.ofString());
            api.check("GET", "/api/evals/{id}/report", new TestServer.Response(res.statusCode(), res.body(), res.headers().firstValue("Content-Type").orElse("")));
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.headers().firstValue("Content-Security-Policy").orElse("")).contains("default-src 'none'").doesNotContain("script-src");
            assertThat(res.body()).contains("<svg").contains("test/2").doesNotContain("<script");

            // an apprentice agent, assembled by the harness from the server's settings (the scripted model): progress while it runs
            var agent = api.check("POST", "/api/evals", s.post("/api/evals", "{\"env\": \"sql\", \"tasks\": [1]}"));
            assertThat(agent.status()).isEqualTo(202);
            var agentId = agent.json().path("id").asText();
            var running = api.check("GET", "/api/evals/{id}", s.get("/api/evals/" + agentId)).json();
            assertThat(running.path("trials_total").asInt()).isEqualTo(1);
            assertThat(running.path("trials_done").asInt()).isLessThanOrEqualTo(1);
            var finished = awaitEval(s, agentId);
            assertThat(finished.path("status").asText()).as(finished.toString()).isEqualTo("succeeded");
            assertThat(finished.path("trials_done").asInt()).isEqualTo(1);
            assertThat(finished.at("/summary/mean_reward").asDouble()).as("the scripted agent submits nothing").isZero();
            var trial = Json.tree(Files.readAllLines(home.resolve("evals").resolve(agentId).resolve("trials.jsonl")).get(0));
            var run = api.check("GET", "/api/runs/{id}", s.get("/api/runs/" + trial.path("run_id").asText() + "?events=true")).json();
            assertThat(run.path("answer").asText()).isEqualTo("I cannot answer that.");
            assertThat(run.path("events").toString()).contains("submit_query");

            var listed = api.check("GET", "/api/evals", s.get("/api/evals"));
            assertThat(listed.json().path("evals")).extracting(e -> e.path("id").asText()).containsExactly(agentId, goldId);
            api.check("GET", "/api/evals", s.get("/api/evals?limit=1&offset=1"));
            api.check("GET", "/api/evals", s.get("/api/evals?limit=x"));

            // bad input, and nothing stored for it
            assertThat(api.check("POST", "/api/evals", s.post("/api/evals", "{\"env\": \"no-such-env\"}")).status()).isEqualTo(422);
            assertThat(api.check("POST", "/api/evals", s.post("/api/evals", "{\"env\": \"sql\", \"tasks\": \"0-99999\"}")).status()).isEqualTo(422);
            assertThat(api.check("POST", "/api/evals", s.post("/api/evals", "{\"env\": \"sql\", \"split\": \"nope\"}")).status()).isEqualTo(422);
            assertThat(api.check("POST", "/api/evals", s.post("/api/evals", "{\"env\": \"sql\", \"trials\": 0}")).status()).isEqualTo(422);
            assertThat(api.check("POST", "/api/evals", s.post("/api/evals", "{\"env\": \"sql\", \"agent\": \"smart\"}")).status()).isEqualTo(422);
            assertThat(api.check("POST", "/api/evals", s.post("/api/evals", "{\"env\": \"sql\", \"model\": \"openai:gpt-5\"}")).status()).isEqualTo(403);
            assertThat(api.check("POST", "/api/evals", s.post("/api/evals", "{\"env\": \"/etc\"}")).status()).isEqualTo(403);
            assertThat(api.check("POST", "/api/evals", s.post("/api/evals", "{\"env\": \"sql\", \"k\": 2}")).status()).isEqualTo(400);
            assertThat(api.check("POST", "/api/evals", s.post("/api/evals", "{}")).status()).isEqualTo(422);
            try (var dirs = Files.list(home.resolve("evals"))) {
                assertThat(dirs.count()).as("refused evaluations leave nothing behind").isEqualTo(2);
            }

            assertThat(api.check("GET", "/api/evals/{id}", s.get("/api/evals/eval-nope")).status()).isEqualTo(404);
            assertThat(api.check("GET", "/api/evals/{id}", s.get("/api/evals/meta.json")).status()).isEqualTo(404);
            assertThat(api.check("GET", "/api/evals/{id}/report", s.get("/api/evals/eval-nope/report")).status()).isEqualTo(404);
            // an evaluation stopped before its summary (as an interrupted apprentice eval leaves it) has no report yet
            var stopped = Files.createDirectories(home.resolve("evals/eval-20000101-000000-000000"));
            Files.writeString(stopped.resolve("meta.json"), "{\"env\": \"sql\", \"split\": \"test\", \"k\": 1}");
            assertThat(api.check("GET", "/api/evals/{id}", s.get("/api/evals/eval-20000101-000000-000000")).json().path("status").asText()).isEqualTo("interrupted");
            assertThat(api.check("GET", "/api/evals/{id}/report", s.get("/api/evals/eval-20000101-000000-000000/report")).status()).isEqualTo(409);
        }
    }

    static com.fasterxml.jackson.databind.JsonNode awaitEval(TestServer s, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            var e = api.check("GET", "/api/evals/{id}", s.get("/api/evals/" + id)).json();
            if (!e.path("status").asText().equals("running")) return e;
            Thread.sleep(50);
        }
        throw new AssertionError("evaluation " + id + " did not finish in 120 s");
    }
}
