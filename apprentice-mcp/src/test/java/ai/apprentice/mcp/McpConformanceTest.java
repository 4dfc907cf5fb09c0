package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.testkit.McpConformance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official conformance suite against {@code mcp serve --http}'s server. Its other scenarios call the suite's
 * own fixture tools, resources and prompts (test_simple_text, test://...), which apprentice does not have; every
 * scenario that needs none of them must pass.
 */
@Timeout(300)
class McpConformanceTest {
    static final List<String> WITHOUT_FIXTURES = List.of("server-initialize", "logging-set-level", "ping", "tools-list",
            "server-sse-multiple-streams", "resources-list", "prompts-list", "dns-rebinding-protection");
    @TempDir Path tmp;

    @Test
    void everyScenarioWithoutTheSuitesFixturesPasses() throws Exception {
        var command = new ArrayList<>(McpConformance.command());
        try (var server = ApprenticeMcpServer.http(new ServeMain.Backend(), ApprenticeMcpServer.Options.confinedTo(tmp), "127.0.0.1", 0)) {
            command.addAll(List.of("server", "--url", server.url(), "-o", tmp.resolve("results").toString()));
            var log = tmp.resolve("conformance.log");
            var p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("the suite finished").isTrue();
            var out = Files.readString(log);
            var results = new LinkedHashMap<String, Boolean>();
            var m = Pattern.compile("^([✓✗]) ([a-z0-9-]+): (\\d+) passed, (\\d+) failed", Pattern.MULTILINE).matcher(out);
            while (m.find()) results.put(m.group(2), m.group(1).equals("✓"));
            System.out.println("conformance (server): " + results.values().stream().filter(b -> b).count() + " of " + results.size()
                    + " scenarios pass; " + out.lines().filter(l -> l.startsWith("Total:")).findFirst().orElse(""));
            assertThat(results).as(out).containsKeys(WITHOUT_FIXTURES.toArray(String[]::new));
            for (var s : WITHOUT_FIXTURES) assertThat(results.get(s)).as(s + " in\n" + out).isTrue();

            // Outside the active suite: the priming event and retry: of an SSE stream (HttpGuard adds them).
            var polling = new ArrayList<>(McpConformance.command());
            polling.addAll(List.of("server", "--url", server.url(), "--scenario", "server-sse-polling"));
            var pollingLog = tmp.resolve("polling.log");
            var pp = new ProcessBuilder(polling).redirectErrorStream(true).redirectOutput(pollingLog.toFile()).start();
            assertThat(pp.waitFor(120, TimeUnit.SECONDS)).isTrue();
            var pollingOut = Files.readString(pollingLog);
            assertThat(pollingOut).as(pollingOut).containsPattern("Passed: (\\d+)/\\1, 0 failed");
        }
    }

    /** The suite's client scenarios that need no OAuth, against apprentice's client ({@link ConformanceClientMain}). */
    @Test
    void theClientPassesInitializeAndToolsCall() throws Exception {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var client = java + " -cp " + System.getProperty("java.class.path") + " " + ConformanceClientMain.class.getName();
        var passed = new LinkedHashMap<String, Boolean>();
        for (var scenario : List.of("initialize", "tools_call", "sse-retry", "elicitation-sep1034-client-defaults")) {
            var command = new ArrayList<>(McpConformance.command());
            command.addAll(List.of("client", "--command", client, "--scenario", scenario));
            var log = tmp.resolve("client-" + scenario + ".log");
            var p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the suite finished " + scenario).isTrue();
            var out = Files.readString(log);
            passed.put(scenario, out.contains("Passed: ") && Pattern.compile("Passed: (\\d+)/\\1, 0 failed").matcher(out).find());
            // sse-retry: the stream is resumed with Last-Event-ID after the server's retry: (ResumingHttpClient).
            assertThat(passed.get(scenario)).as(scenario + ":\n" + out).isTrue();
        }
        System.out.println("conformance (client): " + passed);
    }

    /** The OAuth flows of the 2025-11-25 revision (and 2025-03-26's fallbacks), each against the suite's authorization server. */
    static final List<String> AUTH = List.of("metadata-default", "metadata-var1", "metadata-var2", "metadata-var3", "basic-cimd",
            "scope-from-www-authenticate", "scope-from-scopes-supported", "scope-omitted-when-undefined", "scope-step-up",
            "scope-retry-limit", "token-endpoint-auth-basic", "token-endpoint-auth-post", "token-endpoint-auth-none", "pre-registration",
            "2025-03-26-oauth-metadata-backcompat", "2025-03-26-oauth-endpoint-fallback", "resource-mismatch", "offline-access-scope",
            "offline-access-not-supported");

    @Test
    @Timeout(900)
    void theClientPassesEveryAuthScenarioButTheExtensions() throws Exception {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var client = java + " -cp " + System.getProperty("java.class.path") + " " + ConformanceClientMain.class.getName();
        var failed = new LinkedHashMap<String, String>();
        for (var scenario : AUTH) {
            var command = new ArrayList<>(McpConformance.command());
            command.addAll(List.of("client", "--command", client, "--scenario", "auth/" + scenario));
            var log = tmp.resolve("auth-" + scenario + ".log");
            var p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the suite finished auth/" + scenario).isTrue();
            var out = Files.readString(log);
            if (!Pattern.compile("Passed: (\\d+)/\\1, 0 failed").matcher(out).find()) failed.put(scenario, out);
        }
        // Not attempted: the extensions' client_credentials grants and cross-app access (no person, no browser).
        System.out.println("conformance (client auth): " + (AUTH.size() - failed.size()) + " of " + AUTH.size() + " pass; failed: " + failed.keySet());
        assertThat(failed).as(String.join("\n\n", failed.values())).isEmpty();
    }
}
