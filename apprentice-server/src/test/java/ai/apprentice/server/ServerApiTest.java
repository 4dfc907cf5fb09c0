package ai.apprentice.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST API over real HTTP against a real harness with a scripted model: runs, streams, cancel, resume, auth and bad input. */
class ServerApiTest {
    @TempDir Path home;
    @TempDir Path root;

    static final String TWO_STEPS = """
            {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "out.txt", "content": "hello"}}]}
            {"text": "Done: wrote out.txt."}
            """;

    @Test
    void aRunCreatedOverHttpStreamsEveryEventAndEndsWithRunFinished() throws Exception {
        try (var s = new TestServer(home, root, TWO_STEPS, Map.of())) {
            var created = s.post("/api/runs", "{\"task\": \"write hello to out.txt\"}");
            assertThat(created.status()).isEqualTo(201);
            var id = created.json().path("id").asText();
            assertThat(created.json().path("status").asText()).isIn("queued", "running", "succeeded");

            var events = sse(s, "/api/runs/" + id + "/events", null);
            assertThat(events).isNotEmpty();
            assertThat(events.get(0).type).isEqualTo("run_started");
            assertThat(events.get(events.size() - 1).type).isEqualTo("run_finished");
            for (int i = 0; i < events.size(); i++) assertThat(events.get(i).id).as("ids are the events' numbers").isEqualTo(i + 1);
            assertThat(events).extracting(e -> e.type).contains("tool_call", "tool_result", "step_completed");

            var run = s.get("/api/runs/" + id + "?events=true").json();
            assertThat(run.path("status").asText()).isEqualTo("succeeded");
            assertThat(run.path("answer").asText()).isEqualTo("Done: wrote out.txt.");
            assertThat(run.path("events")).hasSize(events.size());
            assertThat(Files.readString(root.resolve("out.txt"))).isEqualTo("hello");

            // resuming from an event number gives exactly the events after it
            var rest = sse(s, "/api/runs/" + id + "/events", "3");
            assertThat(rest).extracting(e -> e.id).containsExactlyElementsOf(events.subList(3, events.size()).stream().map(e -> e.id).toList());

            var list = s.get("/api/runs?status=succeeded&limit=10").json();
            assertThat(list.path("runs")).extracting(r -> r.path("id").asText()).contains(id);
        }
    }

    @Test
    void withoutAValidTokenOrFromAForeignOriginOrHostTheServerRefuses() throws Exception {
        try (var s = new TestServer(home, root, TWO_STEPS, Map.of())) {
            var health = s.send(HttpRequest.newBuilder(URI.create(s.url("/health"))).GET().build());
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().path("status").asText()).isEqualTo("ok");

            var none = s.send(HttpRequest.newBuilder(URI.create(s.url("/api/runs"))).GET().build());
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.json().path("error").path("code").asText()).isEqualTo("unauthorized");
            var wrong = s.send(HttpRequest.newBuilder(URI.create(s.url("/api/runs"))).header("Authorization", "Bearer nope-nope-nope-nope").GET().build());
            assertThat(wrong.status()).isEqualTo(401);
            var foreign = s.send(s.request("/api/runs").header("Origin", "http://evil.example").GET().build());
            assertThat(foreign.status()).isEqualTo(403);
            assertThat(foreign.json().path("error").path("message").asText()).contains("evil.example");
            var own = s.send(s.request("/api/runs").header("Origin", s.server.url()).GET().build());
            assertThat(own.status()).isEqualTo(200);
            var openapi = s.get("/openapi.json");
            assertThat(openapi.status()).isEqualTo(200);
        }
    }

    @Test
    void corsIsOffUnlessAnOriginIsGivenAndThenOnlyForIt() throws Exception {
        try (var s = new TestServer(home, root, TWO_STEPS, Map.of(), o -> o.withOrigins(List.of("https://app.example")))) {
            var preflight = s.send(HttpRequest.newBuilder(URI.create(s.url("/api/runs"))).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://app.example").header("Access-Control-Request-Method", "POST").build());
            assertThat(preflight.status()).isEqualTo(204);
            var res = s.http.send(s.request("/api/runs").header("Origin", "https://app.example").GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.headers().firstValue("Access-Control-Allow-Origin")).contains("https://app.example");
            assertThat(res.headers().firstValue("Access-Control-Allow-Credentials")).as("bearer tokens only, never the cookie").isEmpty();
            var other = s.send(s.request("/api/runs").header("Origin", "https://other.example").GET().build());
            assertThat(other.status()).isEqualTo(403);
        }
        try (var s = new TestServer(home, root, TWO_STEPS, Map.of())) {
            var res = s.http.send(s.request("/api/runs").header("Origin", s.server.url()).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(res.headers().firstValue("Access-Control-Allow-Origin")).as("no CORS by default").isEmpty();
        }
    }

    @Test
    void badRequestsGetAJsonErrorWithTheRightStatusAndStoreNothing() throws Exception {
        try (var s = new TestServer(home, root, TWO_STEPS, Map.of(), o -> new ServerOptions(o.host(), o.port(), o.root(), o.defaults(),
                o.allowedModels(), o.maxConcurrentRuns(), o.approvalTimeout(), o.token(), o.auth(), o.allowedOrigins(), o.allowedHosts(), 8192,
                o.heartbeat()))) {
            assertError(s.post("/api/runs", "{\"task\": "), 400, "not valid JSON");
            assertError(s.post("/api/runs", "[1]"), 400, "JSON object");
            assertError(s.post("/api/runs", "{\"task\": \"x\", \"colour\": 1}"), 400, "Unknown field 'colour'");
            assertError(s.post("/api/runs", "{\"task\": 5}"), 422, "task must be a string");
            assertError(s.post("/api/runs", "{}"), 422, "task is required");
            assertError(s.post("/api/runs", "{\"task\": \"x\", \"workspace\": \"../outside\"}"), 403, "outside the server's root");
            assertError(s.post("/api/runs", "{\"task\": \"x\", \"workspace\": \"/etc\"}"), 403, "outside the server's root");
            assertError(s.post("/api/runs", "{\"task\": \"x\", \"model\": \"openai:gpt-5\"}"), 403, "not allowed on this server");
            assertError(s.post("/api/runs", "{\"task\": \"x\", \"settings\": {\"approve\": \"all\"}}"), 422, "cannot be set by a request");
            assertError(s.post("/api/runs", "{\"task\": \"x\", \"settings\": {\"max_steps\": -3}}"), 422, "max_steps");
            assertError(s.post("/api/runs", "{\"task\": \"" + "x".repeat(10000) + "\"}"), 413, "");
            assertError(s.post("/api/runs", "{\"task\": \"x\", \"settings\": {\"max_steps\": 500}}"), 422, "may only lower this server's limit of 50");
            assertError(s.post("/api/runs", "{\"task\": \"x\", \"workspace\": \"repo/.git\"}"), 403, "holds rules, hooks or skills");
            assertError(s.post("/api/runs", "{\"task\": \"x\", \"settings\": " + "[".repeat(1200) + "]".repeat(1200) + "}"), 400, "not valid JSON");
            assertError(s.get("/api/runs/nope"), 404, "No run nope");
            assertError(s.get("/api/runs?limit=0"), 400, "limit");
            assertError(s.get("/api/nothing-here"), 404, "No route");
            assertError(s.post("/api/runs/nope/cancel", ""), 404, "No run");
            assertThat(s.get("/api/runs").json().path("runs")).as("nothing was stored half-way").isEmpty();
        }
    }

    static void assertError(TestServer.Response r, int status, String message) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.json().path("error").path("status").asInt()).isEqualTo(status);
        assertThat(r.json().path("error").path("message").asText()).contains(message);
        assertThat(r.body()).doesNotContain("at ai.apprentice", "Exception:");
    }

    @Test
    void aCancelledRunStopsAndResumesFromItsLastCompletedStep() throws Exception {
        var script = """
                {"text": "Step one.", "tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "a"}}]}
                {"delay_ms": 20000, "text": "never seen"}
                """;
        try (var s = new TestServer(home, root, script, Map.of())) {
            var id = s.post("/api/runs", "{\"task\": \"two steps\"}").json().path("id").asText();
            waitForEvent(s, id, "step_completed");
            long asked = System.nanoTime();
            var cancel = s.post("/api/runs/" + id + "/cancel", "");
            assertThat(cancel.status()).isEqualTo(202);
            var run = s.awaitFinished(id);
            assertThat(run.path("status").asText()).isEqualTo("cancelled");
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("cancellation reaches the run well before the 20 s turn ends")
                    .isLessThan(Duration.ofSeconds(10));
            assertError(s.post("/api/runs/" + id + "/cancel", ""), 409, "not running");

            Files.writeString(root.resolve("script.jsonl"), """
                    {"text": "Step one.", "tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "a"}}]}
                    {"text": "Finished after resume."}
                    """);
            var resumed = s.post("/api/runs/" + id + "/resume", "");
            assertThat(resumed.status()).isEqualTo(202);
            run = s.awaitFinished(id);
            assertThat(run.path("status").asText()).isEqualTo("succeeded");
            assertThat(run.path("answer").asText()).isEqualTo("Finished after resume.");
            assertError(s.post("/api/runs/" + id + "/resume", ""), 409, "already succeeded");
        }
    }

    @Test
    void feedbackIsRecordedOnAFinishedRunAndBadFeedbackIsRefused() throws Exception {
        try (var s = new TestServer(home, root, "{\"text\": \"ok\"}\n", Map.of())) {
            var id = s.post("/api/runs", "{\"task\": \"say ok\"}").json().path("id").asText();
            s.awaitFinished(id);
            var fb = s.post("/api/runs/" + id + "/feedback", "{\"rating\": \"bad\", \"correction\": \"say it louder\"}");
            assertThat(fb.status()).isEqualTo(201);
            assertThat(fb.json().path("author").asText()).isEqualTo("serve --token");
            var run = s.get("/api/runs/" + id).json();
            assertThat(run.path("feedback").path("bad").asInt()).isEqualTo(1);
            assertThat(run.path("feedback").path("last_correction").asText()).isEqualTo("say it louder");
            assertError(s.post("/api/runs/" + id + "/feedback", "{\"rating\": \"meh\"}"), 422, "rating must be good or bad");
            assertError(s.post("/api/runs/" + id + "/feedback", "{}"), 422, "feedback needs");
            assertError(s.post("/api/runs/" + id + "/feedback", "{\"score\": 2}"), 422, "score");
        }
    }

    @Test
    void aRunAskedForAllThroughItsEndIsNeverAnsweredEndedWithoutItsEnd() throws Exception {
        // a tight loop of GETs over runs that end fast: an answer read while the run was let go must still be whole
        try (var s = new TestServer(home, root, "{\"text\": \"the end\"}\n", Map.of())) {
            for (int i = 0; i < 20; i++) {
                var id = s.post("/api/runs", "{\"task\": \"quick " + i + "\"}").json().path("id").asText();
                while (true) {
                    var run = s.get("/api/runs/" + id).json();
                    var status = run.path("status").asText();
                    if (status.equals("running") || status.equals("queued")) continue;
                    assertThat(status).as("run %d: %s", i, run).isEqualTo("succeeded");
                    assertThat(run.path("answer").asText()).as("run %d: %s", i, run).isEqualTo("the end");
                    break;
                }
            }
        }
    }

    @Test
    void aSessionsSecondMessageContinuesTheConversation() throws Exception {
        try (var s = new TestServer(home, root, "{\"text\": \"first answer\"}\n{\"text\": \"second answer\"}\n", Map.of())) {
            var created = s.post("/api/sessions", "{\"title\": \"chat\"}");
            assertThat(created.status()).isEqualTo(201);
            var sid = created.json().path("id").asText();
            var m1 = s.post("/api/sessions/" + sid + "/messages", "{\"text\": \"hello\"}").json().path("run_id").asText();
            var first = s.awaitFinished(m1);
            assertThat(first.path("answer").asText()).as(() -> "the server's log: " + s.log + "; the run: " + first).isEqualTo("first answer");
            var m2 = s.post("/api/sessions/" + sid + "/messages", "{\"text\": \"and again\"}").json().path("run_id").asText();
            // the scripted model answers turn N when the history holds N-1 assistant messages: the second run saw the first
            assertThat(s.awaitFinished(m2).path("answer").asText()).isEqualTo("second answer");
            var session = s.get("/api/sessions/" + sid).json();
            assertThat(session.path("runs")).extracting(r -> r.path("id").asText()).containsExactly(m1, m2);
            assertThat(s.get("/api/sessions").json().path("sessions")).extracting(r -> r.path("id").asText()).contains(sid);
            assertThat(s.get("/api/runs?session=" + sid).json().path("runs")).hasSize(2);
            assertError(s.post("/api/sessions/nope/messages", "{\"text\": \"x\"}"), 404, "No session");
        }
    }

    @Test
    void inAskModeAToolCallWaitsForAPersonsAnswer() throws Exception {
        var script = """
                {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "yes"}}]}
                {"text": "Writing more.", "tool_calls": [{"name": "write_file", "arguments": {"path": "b.txt", "content": "no"}}]}
                {"text": "Done."}
                """;
        try (var s = new TestServer(home, root, script, Map.of("approve", "ask"))) {
            var id = s.post("/api/runs", "{\"task\": \"write two files\"}").json().path("id").asText();
            var first = awaitApproval(s, id);
            assertThat(first.path("tool").asText()).isEqualTo("write_file");
            assertThat(first.path("arguments").asText()).contains("a.txt");
            assertThat(s.post("/api/approvals/" + first.path("id").asText(), "{\"allow\": true}").status()).isEqualTo(200);
            assertError(s.post("/api/approvals/" + first.path("id").asText(), "{\"allow\": true}"), 404, "No pending approval");
            var second = awaitApproval(s, id);
            assertThat(second.path("arguments").asText()).contains("b.txt");
            assertThat(s.post("/api/approvals/" + second.path("id").asText(), "{\"allow\": false, \"reason\": \"not b\"}").status()).isEqualTo(200);
            var run = s.awaitFinished(id);
            assertThat(run.path("status").asText()).isEqualTo("succeeded");
            assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("yes");
            assertThat(root.resolve("b.txt")).doesNotExist();
            var denied = s.get("/api/runs/" + id + "?events=true").json().path("events");
            assertThat(denied).as("the person's reason reaches the run's record (and the model)").anySatisfy(e -> {
                assertThat(e.path("type").asText()).isEqualTo("permission");
                assertThat(e.path("reason").asText()).contains("the user declined: not b");
            });
            assertError(s.post("/api/approvals/apr_x", "{\"allow\": \"yes\"}"), 422, "allow must be true or false");
        }
    }

    @Test
    void anApprovalNobodyAnswersIsDeniedAfterTheTimeout() throws Exception {
        var script = """
                {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "x"}}]}
                {"text": "Could not write."}
                """;
        try (var s = new TestServer(home, root, script, Map.of("approve", "ask"),
                o -> o.withLimits(4, Duration.ofMillis(300), Duration.ofMillis(500)))) {
            var id = s.post("/api/runs", "{\"task\": \"write\"}").json().path("id").asText();
            var run = s.awaitFinished(id);
            assertThat(run.path("status").asText()).isEqualTo("succeeded");
            assertThat(root.resolve("a.txt")).doesNotExist();
            var events = s.get("/api/runs/" + id + "?events=true").json().path("events");
            assertThat(events).anySatisfy(e -> {
                assertThat(e.path("type").asText()).isEqualTo("permission");
                assertThat(e.path("allowed").asBoolean()).isFalse();
            });
        }
    }

    @Test
    void aGracefulStopInterruptsRunningRunsAndTheNextStartResumesThem() throws Exception {
        var script = """
                {"text": "Step one.", "tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "a"}}]}
                {"delay_ms": 20000, "text": "never seen"}
                """;
        String id;
        try (var s = new TestServer(home, root, script, Map.of())) {
            id = s.post("/api/runs", "{\"task\": \"long\"}").json().path("id").asText();
            waitForEvent(s, id, "step_completed");
        }
        try (var harness = ai.apprentice.harness.Harness.builder().home(home).env(Map.of()).build()) {
            var run = harness.store().get(id).orElseThrow();
            assertThat(run.status().wireName()).isEqualTo("interrupted");
            assertThat(run.stopReason()).isEqualTo("shutdown");
        }
        Files.writeString(root.resolve("script.jsonl"), """
                {"text": "Step one.", "tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "a"}}]}
                {"text": "Done after restart."}
                """);
        // a client asking all along, from before the server listens: no answer may say 'interrupted' of the run about to resume
        int port;
        try (var probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        var seen = java.util.concurrent.ConcurrentHashMap.<String>newKeySet();
        var asking = new java.util.concurrent.atomic.AtomicBoolean(true);
        var poller = Thread.ofVirtual().start(() -> {
            var http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/api/runs/" + id))
                    .timeout(Duration.ofSeconds(40)).header("Authorization", "Bearer " + TestServer.TOKEN).build();
            while (asking.get()) {
                try {
                    var res = http.send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
                    if (res.statusCode() == 200) seen.add(ai.apprentice.json.Json.tree(res.body()).path("status").asText());
                } catch (Exception notListeningYet) {
                    Thread.onSpinWait();
                }
            }
        });
        try (var s = new TestServer(home, root, null, Map.of(), o -> new ServerOptions(o.host(), port, o.root(), o.defaults(), o.allowedModels(),
                o.maxConcurrentRuns(), o.approvalTimeout(), o.token(), o.auth(), o.allowedOrigins(), o.allowedHosts(), o.maxBodyBytes(), o.heartbeat()))) {
            // the restart picked it up: it is resumed, then it finishes
            waitForEvent(s, id, "run_resumed");
            var run = s.awaitFinished(id);
            assertThat(run.path("status").asText()).as(() -> "the server's log: " + s.log + "; the run: " + run).isEqualTo("succeeded");
            assertThat(run.path("answer").asText()).isEqualTo("Done after restart.");
        } finally {
            asking.set(false);
            poller.join();
        }
        assertThat(seen).as("what GET /api/runs/{id} answered across the restart").contains("succeeded").doesNotContain("interrupted");
    }

    static com.fasterxml.jackson.databind.JsonNode awaitApproval(TestServer s, String runId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            var list = s.get("/api/approvals?run=" + runId).json().path("approvals");
            if (list.size() > 0) return list.get(0);
            Thread.sleep(20);
        }
        throw new AssertionError("no approval was asked for");
    }

    static void waitForEvent(TestServer s, String runId, String type) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            var run = s.get("/api/runs/" + runId + "?events=true").json();
            for (var e : run.path("events")) if (e.path("type").asText().equals(type)) return;
            Thread.sleep(20);
        }
        throw new AssertionError("run " + runId + " had no " + type + " event in 20 s");
    }

    record Sse(long id, String type, String data) {}

    /** Reads a stream to its end: the stored events (with ids) in order. */
    static List<Sse> sse(TestServer s, String path, String lastEventId) throws Exception {
        var b = s.request(path).GET();
        if (lastEventId != null) b.header("Last-Event-ID", lastEventId);
        var res = s.http.send(b.build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        var out = new ArrayList<Sse>();
        Long id = null;
        String type = null;
        var it = res.body().iterator();
        while (it.hasNext()) {
            var line = it.next();
            if (line.startsWith("id: ")) id = Long.parseLong(line.substring(4));
            else if (line.startsWith("event: ")) type = line.substring(7);
            else if (line.startsWith("data: ")) {
                if (id != null) {
                    assertThat(Json.tree(line.substring(6)).path("type").asText()).isEqualTo(type);
                    out.add(new Sse(id, type, line.substring(6)));
                }
            } else if (line.isEmpty()) {
                id = null;
                type = null;
            }
        }
        return out;
    }
}
