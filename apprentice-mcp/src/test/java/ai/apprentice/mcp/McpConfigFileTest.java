package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class McpConfigFileTest {
    @TempDir Path dir;

    @Test
    void addListRemoveKeepOtherKeys() throws Exception {
        var file = dir.resolve("config.yaml");
        Files.writeString(file, "model: openai:gpt-4.1-mini\nmax_steps: 12\n");
        McpConfigFile.add(file, McpServerConfig.stdio("files", "npx", List.of("-y", "@modelcontextprotocol/server-filesystem", "."), Map.of("DEBUG", "1")));
        McpConfigFile.add(file, McpServerConfig.http("remote", "https://example.com/mcp", Map.of("Authorization", "Bearer t")));
        var servers = McpConfigFile.list(file);
        assertThat(servers).extracting(McpServerConfig::name).containsExactly("files", "remote");
        assertThat(servers.getFirst().args()).containsExactly("-y", "@modelcontextprotocol/server-filesystem", ".");
        assertThat(servers.getFirst().env()).containsEntry("DEBUG", "1");
        assertThat(servers.get(1).headers()).containsEntry("Authorization", "Bearer t");
        assertThat(Files.readString(file)).contains("model: openai:gpt-4.1-mini").contains("max_steps: 12");
        assertThat(McpConfigFile.remove(file, "files")).isTrue();
        assertThat(McpConfigFile.remove(file, "files")).isFalse();
        assertThat(McpConfigFile.list(file)).extracting(McpServerConfig::name).containsExactly("remote");
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("config.yaml");
        }
    }

    @Test
    void badEntriesAreExplained() {
        assertThatThrownBy(() -> McpServerConfig.fromConfig(Map.of("x", "npx"))).hasMessageContaining("mcp_servers.x must be a mapping");
        assertThatThrownBy(() -> McpServerConfig.fromConfig(Map.of("x", Map.of()))).hasMessageContaining("needs either a command or a url");
        assertThatThrownBy(() -> McpServerConfig.stdio("bad name", "x", List.of(), Map.of())).hasMessageContaining("must be 1-32");
    }

    @Test
    void grantsWithoutAPersonAreReadCheckedAndWrittenBack() throws Exception {
        var cc = McpServerConfig.fromConfig(Map.of("m2m", Map.of("url", "https://mcp.example/mcp", "oauth",
                Map.of("client_id", "svc", "grant", "client_credentials", "private_key", "/keys/svc.pem", "signing_algorithm", "ES256")))).getFirst();
        assertThat(cc.grant().type()).isEqualTo("client_credentials");
        assertThat(cc.grant().privateKey()).isEqualTo(Path.of("/keys/svc.pem"));
        assertThat(cc.toString()).contains("grant=client_credentials");
        var xaa = McpServerConfig.fromConfig(Map.of("corp", Map.of("url", "https://mcp.example/mcp", "oauth",
                Map.of("client_id", "app", "grant", "cross_app_access", "idp_token_endpoint", "https://idp.example/token", "id_token_file", "/run/id_token")))).getFirst();
        assertThat(xaa.grant().idpTokenEndpoint()).isEqualTo("https://idp.example/token");
        // authorization_code is the flow with a person: no grant recorded
        assertThat(McpServerConfig.fromConfig(Map.of("p", Map.of("url", "https://mcp.example/mcp", "oauth",
                Map.of("client_id", "c", "grant", "authorization_code")))).getFirst().grant()).isNull();

        var file = dir.resolve("config.yaml");
        McpConfigFile.add(file, cc);
        McpConfigFile.add(file, xaa);
        assertThat(McpConfigFile.list(file)).extracting(McpServerConfig::grant).containsExactly(cc.grant(), xaa.grant());

        assertThatThrownBy(() -> McpServerConfig.fromConfig(Map.of("x", Map.of("url", "https://a/mcp", "oauth", Map.of("client_id", "c", "grant", "password")))))
                .hasMessageContaining("mcp_servers.x.oauth.grant 'password' is not one of");
        assertThatThrownBy(() -> McpServerConfig.fromConfig(Map.of("x", Map.of("url", "https://a/mcp", "oauth", Map.of("client_id", "c", "grant", "client_credentials")))))
                .hasMessageContaining("needs a client_secret or a private_key");
        assertThatThrownBy(() -> McpServerConfig.fromConfig(Map.of("x", Map.of("url", "https://a/mcp", "oauth", Map.of("client_id", "c", "grant", "cross_app_access")))))
                .hasMessageContaining("needs idp_token_endpoint and id_token_file");
        assertThatThrownBy(() -> McpServerConfig.fromConfig(Map.of("x", Map.of("url", "https://a/mcp", "oauth",
                Map.of("client_id", "c", "client_secret", "s", "grant", "client_credentials", "signing_algorithm", "HS256")))))
                .hasMessageContaining("signing_algorithm 'HS256' is not one of ES256, ES384, RS256");
    }
}
