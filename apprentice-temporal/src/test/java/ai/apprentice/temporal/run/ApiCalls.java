package ai.apprentice.temporal.run;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.server.ApprenticeServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.function.Supplier;

/** A test's calls to a server's API over real HTTP, with its bearer token; the server may be replaced (a restart). */
final class ApiCalls {
    static final String TOKEN = "test-token-0123456789abcdef";
    private final Supplier<ApprenticeServer> server;
    private final HttpClient http = HttpClient.newHttpClient();

    ApiCalls(Supplier<ApprenticeServer> server) {
        this.server = server;
    }

    HttpClient http() {
        return http;
    }

    HttpResponse<String> call(String method, String path, String body) throws Exception {
        // bounded: a request the server never answers fails here, saying so, instead of holding the test to its timeout
        var request = HttpRequest.newBuilder(URI.create(server.get().url() + path)).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").timeout(java.time.Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The JSON answer of a call that must succeed. */
    JsonNode send(String method, String path, String body) throws Exception {
        var response = call(method, path, body);
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isLessThan(300);
        return Json.tree(response.body());
    }

    /** The run once it is neither queued nor running (at most a minute). */
    JsonNode awaitFinished(String id) throws Exception {
        for (int i = 0; i < 2400; i++) {
            var run = send("GET", "/api/runs/" + id, null);
            var status = run.path("status").asText();
            if (!status.equals("running") && !status.equals("queued")) return run;
            Thread.sleep(25);
        }
        throw new AssertionError("run " + id + " never finished");
    }
}
