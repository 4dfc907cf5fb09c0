package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import ai.apprentice.testkit.FakeOAuthServer;

/**
 * apprentice's OAuth client against a tiny fake authorization server and protected MCP endpoint on loopback
 * ({@link FakeOAuthServer}).
 */
class McpOAuthTest {
    @TempDir Path home;
    FakeOAuthServer fake;
    String base;

    @BeforeEach
    void start() throws IOException {
        fake = new FakeOAuthServer();
        base = fake.mcpUrl().replace("/mcp", "");
    }

    @AfterEach
    void stop() {
        fake.close();
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
        assertThat(fake.registrations).singleElement().satisfies(r -> assertThat(r.get("redirect_uri")).matches("http://127\\.0\\.0\\.1:\\d+/callback"));
        var auth = fake.authorizations.getFirst();
        assertThat(auth).containsEntry("code_challenge_method", "S256").containsEntry("resource", base + "/mcp")
                .containsEntry("scope", "files:read").containsEntry("client_id", "client-1");
        assertThat(opened).hasSize(1);
        var file = store.dir().resolve("remote.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).contains("at-1").contains("rt-1");

        // The token is refused later: the refresh token gets a new one, without the browser.
        assertThat(oauth.unauthorized(401, List.of("Bearer error=\"invalid_token\", resource_metadata=\"x\""), "at-1")).isTrue();
        assertThat(oauth.accessToken()).isEqualTo("at-2");
        assertThat(fake.tokenRequests.getLast()).containsEntry("grant_type", "refresh_token").containsEntry("resource", base + "/mcp");
        assertThat(opened).hasSize(1);
        // A new process reads the stored token (and reuses the registration).
        assertThat(new McpOAuth(McpServerConfig.http("remote", base + "/mcp", Map.of()), store, null).accessToken()).isEqualTo("at-2");
        // The same name pointing elsewhere does not get it.
        assertThat(new McpOAuth(McpServerConfig.http("remote", "http://127.0.0.1:1/mcp", Map.of()), store, null).accessToken()).isNull();
    }

    @Test
    void anAuthorizationServerWithoutPkceIsRefused() {
        fake.offerPkce = false;
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
        assertThat(fake.authorizations).isEmpty();
        assertThat(home.resolve("mcp-tokens/remote.json")).doesNotExist();
    }

    @Test
    void aConnectionSignsInOnTheFirst401AndThenWorks() {
        var config = McpServerConfig.http("remote", fake.mcpUrl(), Map.of());
        try (var mcp = new McpClientManager(List.of(config), Duration.ofSeconds(20), List.of(), n -> { },
                new McpTokenStore(home.resolve("mcp-tokens")), browser)) {
            mcp.tools();
            assertThat(mcp.problems()).isEmpty();
            assertThat(mcp.connection("remote").protocolVersion()).isEqualTo("2025-11-25");
        }
        assertThat(opened).hasSize(1);
        assertThat(fake.currentToken()).isEqualTo("at-1");
    }

    @Test
    void bearerChallengesAreParsed() {
        assertThat(McpOAuth.bearerChallenge(List.of("Basic realm=\"x\"", "Bearer error=\"insufficient_scope\", scope=\"a b\", resource_metadata=\"http://h/m\"")))
                .containsEntry("error", "insufficient_scope").containsEntry("scope", "a b").containsEntry("resource_metadata", "http://h/m");
    }
}
