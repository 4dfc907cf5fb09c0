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

    /**
     * Every client scenario the suite lists ({@code conformance list --client}), against apprentice's client
     * ({@link ConformanceClientMain}): initialisation, tools, elicitation defaults, SSE resumption, the OAuth flows of
     * 2025-11-25 (and 2025-03-26's fallbacks and the drafts), and the extensions' client_credentials grants and
     * cross-app access. None is tolerated to fail.
     */
    @Test
    @Timeout(1200)
    void theClientPassesEveryScenarioOfTheSuite() throws Exception {
        var list = new ArrayList<>(McpConformance.command());
        list.addAll(List.of("list", "--client"));
        var lp = new ProcessBuilder(list).redirectErrorStream(true).start();
        var listed = new String(lp.getInputStream().readAllBytes());
        assertThat(lp.waitFor(60, TimeUnit.SECONDS)).isTrue();
        var scenarios = new ArrayList<String>();
        var lm = Pattern.compile("^\\s+- ([a-z0-9_/.-]+) \\[", Pattern.MULTILINE).matcher(listed);
        while (lm.find()) scenarios.add(lm.group(1));
        // 0.1.16 lists 26; a count well below that means the listing's format changed, not that there is less to pass.
        assertThat(scenarios).as(listed).hasSizeGreaterThanOrEqualTo(26).contains("sse-retry", "auth/client-credentials-jwt",
                "auth/client-credentials-basic", "auth/cross-app-access-complete-flow", "elicitation-sep1034-client-defaults");

        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var client = java + " -cp " + System.getProperty("java.class.path") + " " + ConformanceClientMain.class.getName();
        var failed = new LinkedHashMap<String, String>();
        for (var scenario : scenarios) {
            var command = new ArrayList<>(McpConformance.command());
            command.addAll(List.of("client", "--command", client, "--scenario", scenario));
            var log = tmp.resolve("client-" + scenario.replace('/', '-') + ".log");
            var p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the suite finished " + scenario).isTrue();
            var out = Files.readString(log);
            if (!Pattern.compile("Passed: (\\d+)/\\1, 0 failed").matcher(out).find()) failed.put(scenario, out);
        }
        System.out.println("conformance (client): " + (scenarios.size() - failed.size()) + " of " + scenarios.size() + " scenarios pass; failed: " + failed.keySet());
        assertThat(failed).as(String.join("\n\n", failed.values())).isEmpty();
    }
}
