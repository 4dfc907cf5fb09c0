package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSE resumption over real HTTP (2025-11-25, "Resumability and Redelivery"): event ids unique in the session, and a
 * GET with Last-Event-ID that gets the messages after that id on the stream it names, each once.
 */
@Timeout(60)
class McpHttpResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "apt_test-token-0123456789";
    private static final String INIT = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
            + "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";
    @TempDir Path root;
    private ApprenticeMcpServer.HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        McpAuthenticator auth = t -> t.equals(TOKEN) ? Optional.of("test") : Optional.empty();
        server = ApprenticeMcpServer.http(new ServeMain.Backend(), new ApprenticeMcpServer.Options(root, auth, List.of()), "127.0.0.1", 0);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private HttpRequest.Builder request() {
        return HttpRequest.newBuilder(URI.create(server.url())).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TOKEN);
    }

    private HttpRequest.Builder post(String sid, String body) {
        var b = request().header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        return sid == null ? b : b.header("Mcp-Session-Id", sid);
    }

    private String session() throws Exception {
        var r = http.send(post(null, INIT).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        var sid = r.headers().firstValue("Mcp-Session-Id").orElseThrow();
        var ok = http.send(post(sid, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(202);
        return sid;
    }

    private Sse get(String sid, String lastEventId) throws Exception {
        var b = request().header("Mcp-Session-Id", sid).header("Accept", "text/event-stream").GET();
        if (lastEventId != null) b.header("Last-Event-ID", lastEventId);
        return new Sse(http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    private HttpResponse<String> refused(String sid, String lastEventId) throws Exception {
        return http.send(request().header("Mcp-Session-Id", sid).header("Accept", "text/event-stream").header("Last-Event-ID", lastEventId)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    record Event(String id, String data, String retry) {
        JsonNode json() throws IOException {
            return JSON.readTree(data);
        }

        String method() throws IOException {
            return json().path("method").asText();
        }
    }

    /** An SSE response read event by event; closing it drops the connection. */
    static final class Sse implements AutoCloseable {
        final HttpResponse<InputStream> response;
        private final BufferedReader in;

        Sse(HttpResponse<InputStream> response) {
            this.response = response;
            this.in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        }

        /** The next event, priming and retry-only ones included; null at the end of the stream. */
        Event next() throws IOException {
            String id = null, retry = null;
            StringBuilder data = null;
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (id != null || data != null || retry != null) return new Event(id, data == null ? "" : data.toString(), retry);
                    continue;
                }
                int colon = line.indexOf(':');
                var field = colon < 0 ? line : line.substring(0, colon);
                var value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
                switch (field) {
                    case "id" -> id = value;
                    case "retry" -> retry = value;
                    case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                    default -> { }
                }
            }
            return null;
        }

        /** The next event that carries a message. */
        Event message() throws IOException {
            Event e;
            do e = next(); while (e != null && e.data().isEmpty());
            return e;
        }

        @Override
        public void close() throws IOException {
            response.body().close();
        }
    }

    @Test
    void theGetStreamResumesAfterLastEventIdWithEveryLaterMessageOnce() throws Exception {
        var sid = session();
        var first = get(sid, null);
        assertThat(first.response.statusCode()).isEqualTo(200);
        var priming = first.next();
        assertThat(priming.id()).matches("\\d+-\\d+").isNotEqualTo(sid);
        assertThat(priming.data()).isEmpty();
        assertThat(priming.retry()).isEqualTo(String.valueOf(HttpGuard.RETRY_MS));
        Thread.sleep(300); // the SDK takes the stream as the session's listening stream just after the priming event

        server.mcp().notifyToolsListChanged();
        var e1 = first.message();
        server.mcp().notifyResourcesListChanged();
        var e2 = first.message();
        server.mcp().notifyPromptsListChanged();
        var e3 = first.message();
        assertThat(List.of(e1.method(), e2.method(), e3.method())).containsExactly("notifications/tools/list_changed",
                "notifications/resources/list_changed", "notifications/prompts/list_changed");
        var ids = List.of(priming.id(), e1.id(), e2.id(), e3.id());
        assertThat(new HashSet<>(ids)).as("ids are unique: " + ids).hasSize(4);
        var stream = priming.id().substring(0, priming.id().indexOf('-') + 1);
        assertThat(ids).allSatisfy(id -> assertThat(id).startsWith(stream));

        first.close();
        Thread.sleep(200);
        server.mcp().notifyToolsListChanged(); // while the client is away: kept for it

        try (var again = get(sid, e1.id())) {
            assertThat(again.response.statusCode()).isEqualTo(200);
            var retry = again.next();
            assertThat(retry.retry()).isEqualTo(String.valueOf(HttpGuard.RETRY_MS));
            assertThat(retry.id()).as("a resumed stream's first event keeps the client's cursor").isNull();
            var r2 = again.message();
            var r3 = again.message();
            var r4 = again.message();
            assertThat(List.of(r2.id(), r3.id())).containsExactly(e2.id(), e3.id());
            assertThat(r2.data()).isEqualTo(e2.data());
            assertThat(r3.data()).isEqualTo(e3.data());
            assertThat(r4.method()).isEqualTo("notifications/tools/list_changed");
            assertThat(ids).doesNotContain(r4.id());
            assertThat(r4.id()).startsWith(stream);
            Thread.sleep(300);
            // Live messages go on on the resumed stream, with nothing repeated before them.
            server.mcp().notifyResourcesListChanged();
            var r5 = again.message();
            assertThat(r5.method()).isEqualTo("notifications/resources/list_changed");
            assertThat(List.of(priming.id(), e1.id(), e2.id(), e3.id(), r4.id())).doesNotContain(r5.id());
        }
    }

    @Test
    void aPostStreamCutMidCallResumesWithTheRestOfItsProgressAndTheResultOnce() throws Exception {
        var sid = session();
        var call = http.send(post(sid, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"run_task\","
                + "\"arguments\":{\"task\":\"slow\"},\"_meta\":{\"progressToken\":9}}}").build(), HttpResponse.BodyHandlers.ofInputStream());
        var cut = new Sse(call);
        var priming = cut.next();
        assertThat(priming.id()).matches("\\d+-\\d+");
        var started = cut.message();
        assertThat(started.method()).isEqualTo("notifications/message"); // run_task's log line
        var step1 = cut.message();
        assertThat(step1.json().at("/params/message").asText()).isEqualTo("step 1");
        var step2 = cut.message();
        assertThat(step2.json().at("/params/message").asText()).isEqualTo("step 2");
        assertThat(new HashSet<>(List.of(priming.id(), started.id(), step1.id(), step2.id()))).hasSize(4);
        cut.close(); // the connection drops mid-call; the run goes on (disconnection is not cancellation)
        Thread.sleep(500);

        var steps = new ArrayList<Integer>();
        var logs = new ArrayList<String>();
        JsonNode result = null;
        try (var resumed = get(sid, step1.id())) {
            assertThat(resumed.response.statusCode()).isEqualTo(200);
            boolean cancelled = false;
            for (Event e; (e = resumed.message()) != null; ) {
                var m = e.json();
                if (m.path("method").asText().equals("notifications/message")) {
                    logs.add(m.at("/params/data").asText());
                } else if (m.has("method")) {
                    assertThat(m.get("method").asText()).isEqualTo("notifications/progress");
                    steps.add(Integer.parseInt(m.at("/params/message").asText().substring(5)));
                    if (steps.size() == 6 && !cancelled) {
                        cancelled = true;
                        var cancel = http.send(post(sid, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":9}}")
                                .build(), HttpResponse.BodyHandlers.ofString());
                        assertThat(cancel.statusCode()).isEqualTo(202);
                    }
                } else {
                    assertThat(result).as("one response").isNull();
                    result = m;
                }
            }
            // The stream ended with the response.
        }
        assertThat(result).isNotNull();
        assertThat(result.get("id").asInt()).isEqualTo(9);
        assertThat(result.at("/result/structuredContent/status").asText()).isEqualTo("cancelled");
        assertThat(logs).as("the log line of the run's end, once").containsExactly("run run-1 cancelled");
        assertThat(steps.getFirst()).as("resumed after step 1: " + steps).isEqualTo(2);
        for (int i = 1; i < steps.size(); i++) assertThat(steps.get(i)).as("no step twice or missing: " + steps).isEqualTo(steps.get(i - 1) + 1);
    }

    @Test
    void aLastEventIdThatNamesNoEventIsRefusedWithAClearError() throws Exception {
        var sid = session();
        String stream;
        try (var live = get(sid, null)) {
            var priming = live.next();
            stream = priming.id().substring(0, priming.id().indexOf('-'));
        }
        for (var bad : List.of("garbage", sid, "99-1", stream + "-999999")) {
            var r = refused(sid, bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.body()).doesNotContain("at io.");
            var e = JSON.readTree(r.body());
            assertThat(e.path("jsonrpc").asText()).isEqualTo("2.0");
            assertThat(e.at("/error/message").asText()).as(bad).contains("Last-Event-ID").contains(bad);
        }
        // Another session's cursor means nothing here.
        var other = session();
        assertThat(refused(other, stream + "-1").statusCode()).isEqualTo(400);
        // A session that does not exist is the SDK's 404, as for any request.
        assertThat(refused("no-such-session", "1-1").statusCode()).isEqualTo(404);
    }
}
