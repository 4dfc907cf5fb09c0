package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * apprentice's OAuth client against a tiny fake authorization server on loopback (RFC 9728 and 8414 metadata,
 * RFC 7591 registration, an /authorize that approves at once, a /token that checks PKCE and the resource), and an
 * MCP endpoint that answers every request with 401.
 */
class McpOAuthTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path home;
    HttpServer fake;
    String base;
    final List<Map<String, String>> registrations = new CopyOnWriteArrayList<>();
    final List<Map<String, String>> authorizations = new CopyOnWriteArrayList<>();
    final List<Map<String, String>> tokenRequests = new CopyOnWriteArrayList<>();
    volatile boolean offerPkce = true;

    @BeforeEach
    void start() throws IOException {
        fake = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        base = "http://127.0.0.1:" + fake.getAddress().getPort();
        fake.createContext("/mcp", ex -> {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer resource_metadata=\"" + base + "/.well-known/oauth-protected-resource/mcp\"");
            reply(ex, 401, "{\"error\":\"unauthorized\"}");
        });
        fake.createContext("/.well-known/oauth-protected-resource/mcp", ex -> reply(ex, 200, JSON.createObjectNode().put("resource", base + "/mcp")
                .<com.fasterxml.jackson.databind.node.ObjectNode>set("authorization_servers", JSON.createArrayNode().add(base))
                .set("scopes_supported", JSON.createArrayNode().add("files:read")).toString()));
        fake.createContext("/.well-known/oauth-authorization-server", ex -> {
            var m = JSON.createObjectNode().put("issuer", base).put("authorization_endpoint", base + "/authorize")
                    .put("token_endpoint", base + "/token").put("registration_endpoint", base + "/register");
            m.putArray("token_endpoint_auth_methods_supported").add("none");
            if (offerPkce) m.putArray("code_challenge_methods_supported").add("S256");
            reply(ex, 200, m.toString());
        });
        fake.createContext("/register", ex -> {
            var body = JSON.readTree(ex.getRequestBody());
            registrations.add(Map.of("redirect_uri", body.path("redirect_uris").path(0).asText(), "method", body.path("token_endpoint_auth_method").asText()));
            reply(ex, 201, "{\"client_id\":\"client-1\",\"token_endpoint_auth_method\":\"none\"}");
        });
        fake.createContext("/authorize", ex -> {
            var q = McpOAuth.parseQuery(ex.getRequestURI().getRawQuery());
            authorizations.add(q);
            ex.getResponseHeaders().set("Location", q.get("redirect_uri") + "?code=code-1&state=" + java.net.URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8));
            reply(ex, 302, "");
        });
        fake.createContext("/token", ex -> {
            var form = McpOAuth.parseQuery(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            tokenRequests.add(form);
            if (!(base + "/mcp").equals(form.get("resource"))) {
                reply(ex, 400, "{\"error\":\"invalid_target\"}");
            } else if ("authorization_code".equals(form.get("grant_type")) && "code-1".equals(form.get("code"))
                    && challenge(form.get("code_verifier")).equals(authorizations.getLast().get("code_challenge"))) {
                reply(ex, 200, "{\"access_token\":\"at-1\",\"refresh_token\":\"rt-1\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
            } else if ("refresh_token".equals(form.get("grant_type")) && "rt-1".equals(form.get("refresh_token"))) {
                reply(ex, 200, "{\"access_token\":\"at-2\",\"refresh_token\":\"rt-2\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
            } else {
                reply(ex, 400, "{\"error\":\"invalid_grant\"}");
            }
        });
        fake.start();
    }

    @AfterEach
    void stop() {
        fake.stop(0);
    }

    static void reply(HttpExchange ex, int status, String body) throws IOException {
        var bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) try (var out = ex.getResponseBody()) { out.write(bytes); }
        ex.close();
    }

    static String challenge(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            return "";
        }
    }

    /** The person's browser: follows the authorization server's redirect back to the loopback listener. */
    final List<URI> opened = new CopyOnWriteArrayList<>();
    final McpSignIn browser = (server, url) -> {
        opened.add(url);
        try {
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.ALWAYS).build()
                    .send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    };

    String challengeHeader() {
        return "Bearer resource_metadata=\"" + base + "/.well-known/oauth-protected-resource/mcp\"";
    }

    @Test
    void signsInWithRegistrationPkceAndTheResourceStoresTheTokenPrivatelyAndRefreshesIt() throws Exception {
        var store = new McpTokenStore(home.resolve("mcp-tokens"));
        var oauth = new McpOAuth(McpServerConfig.http("remote", base + "/mcp", Map.of()), store, browser);
        assertThat(oauth.accessToken()).isNull();

        assertThat(oauth.unauthorized(401, List.of(challengeHeader()), null)).isTrue();
        assertThat(oauth.accessToken()).isEqualTo("at-1");
        // Registered dynamically, with a loopback redirect; authorized with S256, the resource and the advertised scope.
        assertThat(registrations).singleElement().satisfies(r -> assertThat(r.get("redirect_uri")).matches("http://127\\.0\\.0\\.1:\\d+/callback"));
        var auth = authorizations.getFirst();
        assertThat(auth).containsEntry("code_challenge_method", "S256").containsEntry("resource", base + "/mcp")
                .containsEntry("scope", "files:read").containsEntry("client_id", "client-1");
        assertThat(opened).hasSize(1);
        var file = store.dir().resolve("remote.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).contains("at-1").contains("rt-1");

        // The token is refused later: the refresh token gets a new one, without the browser.
        assertThat(oauth.unauthorized(401, List.of("Bearer error=\"invalid_token\", resource_metadata=\"x\""), "at-1")).isTrue();
        assertThat(oauth.accessToken()).isEqualTo("at-2");
        assertThat(tokenRequests.getLast()).containsEntry("grant_type", "refresh_token").containsEntry("resource", base + "/mcp");
        assertThat(opened).hasSize(1);
        // A new process reads the stored token (and reuses the registration).
        assertThat(new McpOAuth(McpServerConfig.http("remote", base + "/mcp", Map.of()), store, null).accessToken()).isEqualTo("at-2");
        // The same name pointing elsewhere does not get it.
        assertThat(new McpOAuth(McpServerConfig.http("remote", "http://127.0.0.1:1/mcp", Map.of()), store, null).accessToken()).isNull();
    }

    @Test
    void anAuthorizationServerWithoutPkceIsRefused() {
        offerPkce = false;
        var oauth = new McpOAuth(McpServerConfig.http("remote", base + "/mcp", Map.of()), new McpTokenStore(home.resolve("t")), browser);
        assertThatThrownBy(() -> oauth.unauthorized(401, List.of(challengeHeader()), null))
                .isInstanceOf(McpAuthenticationRequiredException.class).hasMessageContaining("PKCE");
        assertThat(opened).isEmpty();
        assertThat(home.resolve("t/remote.json")).doesNotExist();
    }

    @Test
    void withoutAPersonTheClientSaysWhichCommandSignsInAndOpensNoBrowser() {
        var config = McpServerConfig.http("remote", base + "/mcp", Map.of());
        try (var mcp = new McpClientManager(List.of(config), Duration.ofSeconds(10), List.of(), n -> { },
                new McpTokenStore(home.resolve("mcp-tokens")), null)) {
            assertThat(mcp.tools()).isEmpty();
            assertThat(mcp.problems()).singleElement().satisfies(p -> assertThat(p)
                    .contains("MCP server 'remote'").contains("authentication required").contains("apprentice mcp login remote"));
        }
        assertThat(authorizations).isEmpty();
        assertThat(home.resolve("mcp-tokens/remote.json")).doesNotExist();
    }

    @Test
    void bearerChallengesAreParsed() {
        assertThat(McpOAuth.bearerChallenge(List.of("Basic realm=\"x\"", "Bearer error=\"insufficient_scope\", scope=\"a b\", resource_metadata=\"http://h/m\"")))
                .containsEntry("error", "insufficient_scope").containsEntry("scope", "a b").containsEntry("resource_metadata", "http://h/m");
    }
}
