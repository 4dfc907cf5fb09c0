package ai.apprentice.mcp;

import ai.apprentice.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The client the conformance suite drives ({@code conformance client --command ...}): apprentice's MCP client
 * connects to the URL it is given and does what the scenario ({@code MCP_CONFORMANCE_SCENARIO}) expects of a client.
 */
public final class ConformanceClientMain {
    public static void main(String[] args) throws Exception {
        var scenario = System.getenv().getOrDefault("MCP_CONFORMANCE_SCENARIO", "initialize");
        // Auth scenarios: a pre-registered client comes in the context; the suite's authorization server approves at once,
        // so the "browser" is a GET that follows its redirect to our loopback listener.
        var context = Json.MAPPER.readTree(System.getenv().getOrDefault("MCP_CONFORMANCE_CONTEXT", "{}"));
        McpServerConfig server = McpServerConfig.http("conformance", args[args.length - 1], Map.of(),
                context.path("client_id").asText(null), context.path("client_secret").asText(null));
        // The extensions' grants need no person: the client's secret or signing key, or the enterprise's ID token.
        if (scenario.startsWith("auth/client-credentials-")) {
            Path key = null;
            if (context.hasNonNull("private_key_pem")) {
                key = Files.createTempFile("client-key", ".pem");
                Files.writeString(key, context.get("private_key_pem").asText());
            }
            server = server.withGrant(McpServerConfig.Grant.clientCredentials(key, context.path("signing_algorithm").asText(null)));
        } else if (context.hasNonNull("idp_id_token")) {
            var idToken = Files.createTempFile("id-token", ".jwt");
            Files.writeString(idToken, context.get("idp_id_token").asText());
            server = server.withGrant(McpServerConfig.Grant.crossAppAccess(context.get("idp_token_endpoint").asText(),
                    context.path("idp_client_id").asText(null), idToken));
        }
        var tokens = new McpTokenStore(java.nio.file.Files.createTempDirectory("mcp-tokens"));
        var http = java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.ALWAYS).build();
        McpSignIn browser = (name, url) -> {
            try {
                http.send(java.net.http.HttpRequest.newBuilder(url).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        // Elicitation: the "person" says yes and presses Enter at every field, so each field takes its default (SEP-1034).
        var answers = new java.util.concurrent.atomic.AtomicInteger();
        McpElicitor elicitor = new TerminalElicitor(System.err::println, prompt -> answers.getAndIncrement() == 0 ? "y" : "");
        try (var mcp = new McpClientManager(List.of(server), Duration.ofSeconds(20), List.of(), System.err::println, tokens, browser, elicitor)) {
            var tools = mcp.tools();
            if (!mcp.problems().isEmpty()) {
                System.err.println(mcp.problems());
                System.exit(1);
            }
            for (var t : tools) {
                var arguments = switch (t.name()) {
                    case "mcp__conformance__add_numbers" -> Json.object().put("a", 2).put("b", 3);
                    default -> Json.object();
                };
                if (scenario.equals("initialize") || t.name().endsWith("__resources")) continue;
                var r = t.execute(arguments, null);
                System.out.println(t.name() + " -> " + r.content());
            }
        }
        System.exit(0);
    }
}
