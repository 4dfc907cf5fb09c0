package ai.apprentice.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny OAuth 2.1 authorization server and protected MCP endpoint on loopback, after the MCP authorization
 * specification (2025-11-25): {@code /mcp} answers 401 with {@code WWW-Authenticate: Bearer resource_metadata=...}
 * unless it gets a token this server issued; RFC 9728 and RFC 8414 metadata; RFC 7591 registration; an
 * {@code /authorize} that approves at once (redirecting with a code); a {@code /token} that checks the PKCE S256
 * verifier and the RFC 8707 resource, and refreshes {@code rt-N} into {@code at-(N+1)}. What clients sent is recorded.
 */
public final class FakeOAuthServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final String base;
    public final List<Map<String, String>> registrations = new CopyOnWriteArrayList<>();
    public final List<Map<String, String>> authorizations = new CopyOnWriteArrayList<>();
    public final List<Map<String, String>> tokenRequests = new CopyOnWriteArrayList<>();
    /** Whether the metadata offers PKCE (code_challenge_methods_supported: S256). */
    public volatile boolean offerPkce = true;
    private volatile int issued;

    public FakeOAuthServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/mcp", this::mcp);
        server.createContext("/.well-known/oauth-protected-resource/mcp", ex -> {
            var m = JSON.createObjectNode().put("resource", mcpUrl());
            m.putArray("authorization_servers").add(base);
            m.putArray("scopes_supported").add("files:read");
            reply(ex, 200, m.toString());
        });
        server.createContext("/.well-known/oauth-authorization-server", ex -> {
            var m = JSON.createObjectNode().put("issuer", base).put("authorization_endpoint", base + "/authorize")
                    .put("token_endpoint", base + "/token").put("registration_endpoint", base + "/register");
            m.putArray("token_endpoint_auth_methods_supported").add("none");
            if (offerPkce) m.putArray("code_challenge_methods_supported").add("S256");
            reply(ex, 200, m.toString());
        });
        server.createContext("/register", ex -> {
            var body = JSON.readTree(ex.getRequestBody());
            registrations.add(Map.of("redirect_uri", body.path("redirect_uris").path(0).asText(),
                    "token_endpoint_auth_method", body.path("token_endpoint_auth_method").asText()));
            reply(ex, 201, "{\"client_id\":\"client-1\",\"token_endpoint_auth_method\":\"none\"}");
        });
        server.createContext("/authorize", ex -> {
            var q = parseQuery(ex.getRequestURI().getRawQuery());
            authorizations.add(q);
            ex.getResponseHeaders().set("Location", q.get("redirect_uri") + "?code=code-1&state=" + URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8));
            reply(ex, 302, "");
        });
        server.createContext("/token", ex -> {
            var form = parseQuery(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            tokenRequests.add(form);
            if (!mcpUrl().equals(form.get("resource"))) {
                reply(ex, 400, "{\"error\":\"invalid_target\"}");
            } else if ("authorization_code".equals(form.get("grant_type")) && "code-1".equals(form.get("code")) && !authorizations.isEmpty()
                    && challenge(form.get("code_verifier")).equals(authorizations.getLast().get("code_challenge"))) {
                issue(ex);
            } else if ("refresh_token".equals(form.get("grant_type")) && ("rt-" + issued).equals(form.get("refresh_token"))) {
                issue(ex);
            } else {
                reply(ex, 400, "{\"error\":\"invalid_grant\"}");
            }
        });
        server.start();
    }

    public String mcpUrl() {
        return base + "/mcp";
    }

    /** The access token the MCP endpoint accepts now (null before any was issued). */
    public String currentToken() {
        return issued == 0 ? null : "at-" + issued;
    }

    private synchronized void issue(HttpExchange ex) throws IOException {
        issued++;
        reply(ex, 200, "{\"access_token\":\"at-" + issued + "\",\"refresh_token\":\"rt-" + issued + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
    }

    /** The MCP endpoint: 401 without the current token; with it, enough of MCP for a client to initialise and list no tools. */
    private void mcp(HttpExchange ex) throws IOException {
        var auth = ex.getRequestHeaders().getFirst("Authorization");
        if (currentToken() == null || !("Bearer " + currentToken()).equals(auth)) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer resource_metadata=\"" + base + "/.well-known/oauth-protected-resource/mcp\"");
            reply(ex, 401, "{\"error\":\"unauthorized\"}");
            return;
        }
        if (!ex.getRequestMethod().equals("POST")) {
            reply(ex, 405, "");
            return;
        }
        var msg = JSON.readTree(ex.getRequestBody());
        if (!msg.has("id")) {
            reply(ex, 202, "");
            return;
        }
        ObjectNode result = JSON.createObjectNode();
        if (msg.path("method").asText().equals("initialize")) {
            result.put("protocolVersion", "2025-11-25");
            result.putObject("capabilities").putObject("tools");
            result.putObject("serverInfo").put("name", "fake").put("version", "1");
        } else if (msg.path("method").asText().equals("tools/list")) {
            result.putArray("tools");
        }
        var response = JSON.createObjectNode().put("jsonrpc", "2.0").set("id", msg.get("id"));
        ((ObjectNode) response).set("result", result);
        reply(ex, 200, response.toString());
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        var bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (var out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
        ex.close();
    }

    static String challenge(String verifier) {
        if (verifier == null) return "";
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> parseQuery(String q) {
        var out = new LinkedHashMap<String, String>();
        if (q == null) return out;
        for (var part : q.split("&")) {
            if (part.isEmpty()) continue;
            var i = part.indexOf('=');
            out.put(URLDecoder.decode(i < 0 ? part : part.substring(0, i), StandardCharsets.UTF_8),
                    i < 0 ? "" : URLDecoder.decode(part.substring(i + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
