package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The streamable HTTP server's guard, by raw HTTP on loopback: what the specification asks a server to refuse. */
@Timeout(60)
class McpHttpGuardTest {
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
        server = ApprenticeMcpServer.http(new ServeMain.Backend(), new ApprenticeMcpServer.Options(root, auth, List.of("https://app.example")), "127.0.0.1", 0);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private HttpRequest.Builder post(String body) {
        return HttpRequest.newBuilder(URI.create(server.url())).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode error(HttpResponse<String> r) throws Exception {
        assertThat(r.body()).doesNotContain("stackTrace").doesNotContain("at io.");
        var e = JSON.readTree(r.body());
        assertThat(e.path("jsonrpc").asText()).isEqualTo("2.0");
        return e.get("error");
    }

    private String session() throws Exception {
        var r = send(post(INIT).header("Authorization", "Bearer " + TOKEN));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.headers().firstValue("Mcp-Session-Id").orElseThrow();
    }

    @Test
    void withoutAValidTokenThe401SaysWhereTheMetadataIs() throws Exception {
        var none = send(post(INIT));
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate").orElseThrow())
                .isEqualTo("Bearer resource_metadata=\"http://127.0.0.1:" + server.port() + "/.well-known/oauth-protected-resource/mcp\"");
        assertThat(error(none).get("message").asText()).contains("Bearer").contains("apprentice serve token create");
        var wrong = send(post(INIT).header("Authorization", "Bearer apt_wrong-token-0000000000"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");

        var meta = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/.well-known/oauth-protected-resource/mcp")).GET());
        assertThat(meta.statusCode()).isEqualTo(200);
        var m = JSON.readTree(meta.body());
        assertThat(m.get("resource").asText()).isEqualTo(server.url());
        assertThat(m.get("bearer_methods_supported").get(0).asText()).isEqualTo("header");
        assertThat(session()).isNotBlank();
    }

    @Test
    void foreignHostsAndOriginsAreRefused() throws Exception {
        // java.net.http will not send a made-up Host header, so this request is written by hand.
        try (var s = new Socket("127.0.0.1", server.port())) {
            var body = INIT.getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(("POST /mcp HTTP/1.1\r\nHost: evil.example:" + server.port() + "\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(body);
            var answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 403").contains("DNS rebinding");
        }
        var evil = send(post(INIT).header("Authorization", "Bearer " + TOKEN).header("Origin", "http://evil.example"));
        assertThat(evil.statusCode()).isEqualTo(403);
        assertThat(error(evil).get("message").asText()).contains("http://evil.example");
        assertThat(send(post(INIT).header("Authorization", "Bearer " + TOKEN).header("Origin", "https://app.example")).statusCode()).isEqualTo(200);
        assertThat(send(post(INIT).header("Authorization", "Bearer " + TOKEN).header("Origin", "http://localhost:" + server.port())).statusCode()).isEqualTo(200);
    }

    @Test
    void badHeadersAndBodiesGetJsonRpcErrorsWithoutStackTraces() throws Exception {
        var sid = session();
        var list = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";
        var version = send(post(list).header("Authorization", "Bearer " + TOKEN).header("Mcp-Session-Id", sid).header("MCP-Protocol-Version", "1999-01-01"));
        assertThat(version.statusCode()).isEqualTo(400);
        assertThat(error(version).get("message").asText()).contains("1999-01-01").contains("2025-11-25");
        var plain = send(post(INIT).header("Authorization", "Bearer " + TOKEN).setHeader("Content-Type", "text/plain"));
        assertThat(plain.statusCode()).isEqualTo(415);
        assertThat(error(plain).get("message").asText()).contains("text/plain");
        var unknown = send(post(list).header("Authorization", "Bearer " + TOKEN).header("Mcp-Session-Id", "no-such-session"));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(error(unknown).get("message").asText()).isNotBlank();
        var garbage = send(post("{nope").header("Authorization", "Bearer " + TOKEN).header("Mcp-Session-Id", sid));
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(error(garbage).get("message").asText()).isNotBlank();
        assertThat(send(post(list).header("Authorization", "Bearer " + TOKEN).header("Mcp-Session-Id", sid)
                .header("MCP-Protocol-Version", "2025-11-25")).statusCode()).isEqualTo(200);
    }

    @Test
    void cancellingOverHttpStopsTheRunOfThatSessionOnly() throws Exception {
        var sid = session();
        var other = session();
        send(post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").header("Authorization", "Bearer " + TOKEN).header("Mcp-Session-Id", sid));
        var call = http.sendAsync(post("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"run_task\",\"arguments\":{\"task\":\"slow\"},"
                + "\"_meta\":{\"progressToken\":9}}}").header("Authorization", "Bearer " + TOKEN).header("Mcp-Session-Id", sid)
                .timeout(Duration.ofSeconds(40)).build(), HttpResponse.BodyHandlers.ofLines());
        var lines = call.get().body().iterator();
        String line;
        do line = lines.next(); while (!line.contains("notifications/progress"));
        var cancel = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":9}}";
        // The same request id in another session names another request: the run goes on.
        assertThat(send(post(cancel).header("Authorization", "Bearer " + TOKEN).header("Mcp-Session-Id", other)).statusCode()).isEqualTo(202);
        do line = lines.next(); while (!line.contains("\"step 3\""));
        assertThat(send(post(cancel).header("Authorization", "Bearer " + TOKEN).header("Mcp-Session-Id", sid)).statusCode()).isEqualTo(202);
        do line = lines.next(); while (!line.contains("\"id\":9"));
        var result = JSON.readTree(line.substring(line.indexOf('{')));
        assertThat(result.at("/result/structuredContent/status").asText()).isEqualTo("cancelled");
    }

    @Test
    void theSdkClientConnectsWithTheToken() {
        var transport = HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + server.port()).endpoint("/mcp")
                .httpRequestCustomizer((b, method, uri, body, ctx) -> b.header("Authorization", "Bearer " + TOKEN)).build();
        try (var client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20)).build()) {
            client.initialize();
            var r = client.callTool(new McpSchema.CallToolRequest("run_task", Map.of("task", "over http")));
            assertThat(ApprenticeMcpServerTest.text(r)).contains("did: over http");
        }
    }

    @Test
    void withoutAuthenticationOnlyLoopbackMayBeServed() {
        assertThatThrownBy(() -> ApprenticeMcpServer.http(new ServeMain.Backend(), ApprenticeMcpServer.Options.confinedTo(root), "0.0.0.0", 0))
                .hasMessageContaining("without authentication");
    }

    @Test
    void anSseStreamStartsWithAPrimingEventAndRetry() throws Exception {
        var sid = session();
        var get = http.sendAsync(HttpRequest.newBuilder(URI.create(server.url())).header("Authorization", "Bearer " + TOKEN)
                .header("Mcp-Session-Id", sid).header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofLines());
        var response = get.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        var lines = response.body().iterator();
        // The id is this stream's first event (<stream>-<sequence>, unique in the session), not the session id.
        assertThat(lines.next()).matches("id: \\d+-\\d+").isNotEqualTo("id: " + sid);
        assertThat(lines.next()).isEqualTo("retry: " + HttpGuard.RETRY_MS);
        assertThat(lines.next()).isEqualTo("data: ");
        assertThat(lines.next()).isEmpty();
    }
}
