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
}
