package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.testkit.Requirements;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A scripted agent fixes a bug with the real tools: read, search, edit, run the tests, fetch a page. */
@Timeout(120)
class HandsEndToEndTest {
    @TempDir Path ws;

    private static JsonNode call(String tool, JsonNode args) {
        var t = Json.object();
        t.putArray("tool_calls").addObject().put("name", tool).set("arguments", args);
        return t;
    }

    @Test
    void scriptedAgentFixesABugWithTheRealTools() throws Exception {
        Requirements.bubblewrap(); // run_shell in auto mode only runs sandboxed
        Requirements.python3();
        Files.writeString(ws.resolve("calc.py"), "def add(a, b):\n    return a - b\n");
        Files.writeString(ws.resolve("test_calc.py"), """
                import unittest
                from calc import add

                class T(unittest.TestCase):
                    def test_add(self):
                        self.assertEqual(add(2, 3), 5)

                if __name__ == '__main__':
                    unittest.main()
                """);
        var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/style", ex -> {
            var body = "<html><body><h1>Style</h1><p>Use four spaces.</p></body></html>".getBytes();
            ex.getResponseHeaders().add("Content-Type", "text/html");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/style";
            var model = ScriptedModel.of(
                    call("search_files", Json.object().put("pattern", "def add")),
                    call("read_file", Json.object().put("path", "calc.py")),
                    call("Bash", Json.object().put("command", "python3 -m unittest -q 2>&1 | tail -1").put("timeout", 60000)),
                    call("edit_file", Json.object().put("path", "calc.py").put("old_string", "a - b").put("new_string", "a + b")),
                    call("run_shell", Json.object().put("command", "python3 -m unittest -q 2>&1 | tail -1")),
                    call("fetch_url", Json.object().put("url", url)),
                    call("run_shell", Json.object().put("command", "rm -rf /important")),
                    ScriptedModel.turn("Fixed add(); the tests pass."));
            var events = new CopyOnWriteArrayList<Event>();
            var workspace = new Workspace(ws);
            var gate = new PolicyGate(PermissionRules.of(List.of(), List.of(), List.of("run_shell(rm -rf*)")),
                    ApprovalMode.AUTO, null, Sandbox.probe().available());
            var agent = Agent.builder().model(model).workspace(ws)
                    .tools(StandardTools.create(workspace, ShellTool.Settings.defaults().withSandbox(Sandbox.probe().available()), new FetchTool(List.of("127.0.0.1"))))
                    .aliases(StandardTools.claudeAliases()).gate(gate).listener(events::add).build();
            var result = agent.run("Fix the failing test");
            assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(Files.readString(ws.resolve("calc.py"))).contains("return a + b");
            var results = events.stream().filter(e -> e instanceof Event.ToolResultEvent).map(e -> (Event.ToolResultEvent) e).toList();
            assertThat(results.get(0).content()).contains("calc.py:1: def add(a, b):");
            assertThat(results.get(1).content()).contains("     2\t    return a - b");
            assertThat(results.get(2).name()).isEqualTo("Bash"); // recorded as called; ran as run_shell
            assertThat(results.get(2).content()).contains("FAILED");
            assertThat(results.get(4).content()).contains("OK");
            assertThat(results.get(5).content()).contains("# Style").contains("Use four spaces.");
            assertThat(results.get(6).error()).isTrue();
            assertThat(results.get(6).content()).contains("Permission denied").contains("rule deny: run_shell(rm -rf*)");
            var decisions = events.stream().filter(e -> e instanceof Event.PermissionDecision).map(e -> (Event.PermissionDecision) e).toList();
            assertThat(decisions).hasSize(7);
            assertThat(decisions.getLast().allowed()).isFalse();
            assertThat(decisions.getLast().decidedBy()).isEqualTo("rule deny: run_shell(rm -rf*)");
        } finally {
            server.stop(0);
        }
    }
}
