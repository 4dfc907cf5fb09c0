package ai.apprentice.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.harness.config.ConfigException;
import ai.apprentice.runtime.Agent;
import ai.apprentice.testkit.McpReferenceServers;
import ai.apprentice.tool.Tool.Effect;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tool_effects}: the user's settings give a tool any effect; a workspace's, trusted or not, only a stricter one;
 * a value that names no effect is a config error naming the file, line and key.
 */
class ToolEffectsSettingTest {
    @TempDir Path home;
    @TempDir Path ws;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Harness harness() {
        return Harness.builder().home(home).env(Map.of("APPRENTICE_SANDBOX", "off")).err(new PrintStream(err, true)).build();
    }

    private static Agent agent(Harness h, Path workspace) {
        return h.session(workspace, Map.of("approve", "auto", "memory", "off"))
                .useModel(ai.apprentice.model.scripted.ScriptedModel.of(ai.apprentice.model.scripted.ScriptedModel.turn("ok"))).agent();
    }

    private static Effect effect(Agent agent, String tool) {
        return agent.tools().tool(tool).effect();
    }

    private void workspaceConfig(String yaml) throws Exception {
        Files.createDirectories(ws.resolve(".apprentice"));
        Files.writeString(ws.resolve(".apprentice/config.yaml"), yaml);
    }

    @Test
    void theUserSetsAnyEffectAndTheWorkspaceOnlyAStricterOne() throws Exception {
        try (var h = harness()) {
            var own = agent(h, ws);
            assertThat(effect(own, "run_shell")).isEqualTo(Effect.AT_LEAST_ONCE);
            assertThat(effect(own, "write_file")).isEqualTo(Effect.IDEMPOTENT);
            assertThat(effect(own, "list_files")).isEqualTo(Effect.READ_ONLY);
        }
        Files.writeString(home.resolve("config.yaml"), """
                tool_effects:
                  run_shell: read_only       # looser than its own: the user may
                  "*_file": not_twice
                  read_file: idempotent      # an exact name wins over a pattern
                """);
        workspaceConfig("""
                tool_effects:
                  write_file: read_only      # looser than the user's not_twice: ignored
                  run_shell: idempotent      # stricter than the user's read_only
                  list_files: at_least_once  # stricter than its own read_only
                """);
        try (var h = harness()) {
            h.trustWorkspace(ws); // even a trusted workspace cannot loosen
            var agent = agent(h, ws);
            assertThat(effect(agent, "run_shell")).isEqualTo(Effect.IDEMPOTENT);
            assertThat(effect(agent, "write_file")).isEqualTo(Effect.NOT_TWICE);
            assertThat(effect(agent, "edit_file")).isEqualTo(Effect.NOT_TWICE);
            assertThat(effect(agent, "read_file")).isEqualTo(Effect.IDEMPOTENT);
            assertThat(effect(agent, "list_files")).isEqualTo(Effect.AT_LEAST_ONCE);
            assertThat(effect(agent, "search_files")).isEqualTo(Effect.READ_ONLY);
            assertThat(err.toString()).contains(ws.resolve(".apprentice/config.yaml") + ": tool_effects: read_only for write_file is ignored: "
                    + "a workspace's config may only make a tool stricter than not_twice").doesNotContain("for run_shell");
        }
    }

    @Test
    void anUntrustedWorkspaceCanTightenButNotLoosenAnMcpServersHints() throws Exception {
        // the reference server's echo says readOnlyHint, gzip-file-as-resource idempotentHint, toggle-simulated-logging neither
        var entry = McpReferenceServers.entry("server-everything").toString();
        Files.writeString(home.resolve("config.yaml"), "mcp_servers:\n  everything: {command: node, args: [\"" + entry + "\"]}\n");
        try (var h = harness()) {
            var agent = agent(h, ws);
            assertThat(effect(agent, "mcp__everything__echo")).isEqualTo(Effect.READ_ONLY);
            assertThat(effect(agent, "mcp__everything__gzip-file-as-resource")).isEqualTo(Effect.IDEMPOTENT);
            assertThat(effect(agent, "mcp__everything__toggle-simulated-logging")).isEqualTo(Effect.AT_LEAST_ONCE);
        }
        workspaceConfig("""
                tool_effects:
                  mcp__everything__echo: not_twice
                  "mcp__everything__*": read_only
                """);
        try (var h = harness()) {
            var settings = h.settings(ws, Map.of());
            assertThat(settings.untrusted()).as("tightening needs no trust").doesNotContain("tool_effects");
            var agent = agent(h, ws);
            assertThat(effect(agent, "mcp__everything__echo")).isEqualTo(Effect.NOT_TWICE);
            assertThat(effect(agent, "mcp__everything__gzip-file-as-resource")).isEqualTo(Effect.IDEMPOTENT);
            assertThat(effect(agent, "mcp__everything__toggle-simulated-logging")).isEqualTo(Effect.AT_LEAST_ONCE);
        }
    }

    @Test
    void anEffectThatIsNoneOfTheFourIsAConfigErrorNamingFileLineAndKey() throws Exception {
        var file = ws.resolve(".apprentice/config.yaml");
        workspaceConfig("max_steps: 3\ntool_effects:\n  run_shell: at_least_once\n  mcp__payments__charge: twice\n");
        try (var h = harness()) {
            assertThatThrownBy(() -> h.settings(ws, Map.of())).isInstanceOf(ConfigException.class)
                    .hasMessage(file + ":4: tool_effects.mcp__payments__charge: expected one of read_only, idempotent, at_least_once, "
                            + "not_twice, got 'twice'");
        }
        Files.writeString(home.resolve("config.yaml"), "tool_effects: [run_shell]\n");
        Files.delete(file);
        try (var h = harness()) {
            assertThatThrownBy(() -> h.settings(ws, Map.of())).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(home.resolve("config.yaml") + ":1: tool_effects: expected a mapping of tool name")
                    .hasMessageEndingWith("got a list");
        }
        Files.writeString(home.resolve("config.yaml"), "tool_effects:\n  run_shell: {effect: not_twice}\n");
        try (var h = harness()) {
            assertThatThrownBy(() -> h.settings(ws, Map.of())).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(home.resolve("config.yaml") + ":2: tool_effects.run_shell: expected one of").hasMessageEndingWith("got a mapping");
        }
    }
}
