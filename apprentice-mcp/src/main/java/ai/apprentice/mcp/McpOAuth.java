package ai.apprentice.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * OAuth 2.1 for one streamable HTTP MCP server, as the MCP authorization specification (2025-11-25) describes: on a
 * 401 the server's protected resource metadata (RFC 9728, found through {@code WWW-Authenticate: Bearer
 * resource_metadata=...} or the well-known URLs), then its authorization server's metadata (RFC 8414, or OpenID
 * discovery), a client registration (configured, stored, or dynamic: RFC 7591), and the authorization code flow with
 * PKCE S256 and the {@code resource} parameter (RFC 8707) through a loopback redirect on 127.0.0.1 (RFC 8252).
 * Tokens are kept in a {@link McpTokenStore} and refreshed with the refresh token. Without a {@link McpSignIn}
 * (no person at a terminal) it never starts a sign-in: it fails saying which command signs in.
 */
public final class McpOAuth {
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final Pattern PARAM = Pattern.compile("([A-Za-z0-9_-]+)\\s*=\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^\\s,]+))");
    static final Duration SIGN_IN_TIMEOUT = Duration.ofMinutes(5);

    private final String server;
    private final URI url;
    private final String clientId;
    private final String clientSecret;
    private final McpTokenStore store;
    private final McpSignIn signIn;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
    private final SecureRandom random = new SecureRandom();
    private final McpServerConfig.Grant grant;
    private String refreshed;

    public McpOAuth(McpServerConfig config, McpTokenStore store, McpSignIn signIn) {
        this.grant = config.grant();
        this.server = config.name();
        this.url = URI.create(config.url());
        this.clientId = config.clientId();
        this.clientSecret = config.clientSecret();
        this.store = store;
        this.signIn = signIn;
    }

    /** The access token to send, refreshed first when it has expired; null when not signed in. */
    public synchronized String accessToken() {
        var state = store.load(server, url.toString());
        if (!state.hasNonNull("access_token")) return null;
        long expires = state.path("expires_at").asLong(0);
        if (expires > 0 && Instant.now().getEpochSecond() >= expires - 30 && state.hasNonNull("refresh_token")) {
            try {
                refresh(state);
            } catch (IOException | RuntimeException e) {
                return state.path("access_token").asText(); // the server will say 401, and the sign-in starts over
            }
        }
        return state.path("access_token").asText();
    }

    /**
     * The server refused a request (401, or 403 for too little scope): refresh or sign in. True when there is a new
     * token to retry with.
     *
     * @param sentToken the token the refused request carried (null: none)
     */
    public synchronized boolean unauthorized(int status, List<String> challenges, String sentToken) {
        var challenge = bearerChallenge(challenges);
        if (status == 403 && !"insufficient_scope".equals(challenge.get("error"))) return false;
        var state = store.load(server, url.toString());
        var current = state.path("access_token").asText(null);
        // Another request already got a newer token while this one was refused: retry with it.
        if (current != null && sentToken != null && !current.equals(sentToken)) return true;
        // A token fresh from a refresh that is refused all the same: sign in afresh rather than refresh again.
        if (status == 401 && state.hasNonNull("refresh_token") && (sentToken == null || !sentToken.equals(refreshed))) {
            try {
                refresh(state);
                refreshed = state.path("access_token").asText();
                return true;
            } catch (IOException | RuntimeException e) {
                // refused (revoked, expired): sign in afresh
            }
        }
        if (signIn == null && grant == null) {
            throw new McpAuthenticationRequiredException("authentication required: it asks you to sign in (OAuth, HTTP " + status
                    + " from " + url + ") and nobody is at a terminal to do it here; run 'apprentice mcp login " + server + "' once, then retry");
        }
        try {
            authorize(challenge, state);
            return true;
        } catch (IOException e) {
            throw new McpAuthenticationRequiredException("authentication failed: signing in did not work: " + e.getMessage()
                    + "; retry with 'apprentice mcp login " + server + "'");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McpAuthenticationRequiredException("authentication failed: signing in was interrupted");
        }
    }

    /** The parameters of the Bearer challenge among a response's WWW-Authenticate headers (RFC 6750 section 3). */
    static Map<String, String> bearerChallenge(List<String> headers) {
        var out = new LinkedHashMap<String, String>();
        for (var h : headers) {
            var i = h.toLowerCase(java.util.Locale.ROOT).indexOf("bearer");
            if (i < 0) continue;
            var m = PARAM.matcher(h.substring(i + 6));
            while (m.find()) out.putIfAbsent(m.group(1), m.group(2) != null ? m.group(2).replaceAll("\\\\(.)", "$1") : m.group(3));
        }
        return out;
    }

    private void authorize(Map<String, String> challenge, ObjectNode state) throws IOException, InterruptedException {
        var origin = url.getScheme() + "://" + url.getRawAuthority();
        // 1. Protected resource metadata: from the challenge, else the well-known URLs (path-aware first).
        JsonNode resourceMeta = null;
        if (challenge.containsKey("resource_metadata")) {
            resourceMeta = getJson(URI.create(challenge.get("resource_metadata")));
            if (resourceMeta == null) throw new IOException("its resource metadata at " + challenge.get("resource_metadata") + " could not be read");
        } else {
            var path = url.getRawPath() == null || url.getRawPath().equals("/") ? "" : url.getRawPath();
            for (var u : path.isEmpty() ? List.of(origin + "/.well-known/oauth-protected-resource")
                    : List.of(origin + "/.well-known/oauth-protected-resource" + path, origin + "/.well-known/oauth-protected-resource")) {
                resourceMeta = getJson(URI.create(u));
                if (resourceMeta != null) break;
            }
        }
        String resource = canonical(url);
        String issuer = origin; // the 2025-03-26 revision: the MCP server's origin is its authorization server
        List<String> resourceScopes = List.of();
        if (resourceMeta != null) {
            var declared = resourceMeta.path("resource").asText(null);
            if (declared != null) {
                if (!covers(URI.create(declared), url)) {
                    throw new IOException("its resource metadata names resource " + declared + ", which is not " + url + " (refused: RFC 9728 section 3.3)");
                }
                resource = declared;
            }
            var servers = resourceMeta.path("authorization_servers");
            if (servers.isArray() && !servers.isEmpty()) issuer = servers.get(0).asText();
            resourceScopes = strings(resourceMeta.path("scopes_supported"));
        }
        // 2. Authorization server metadata (RFC 8414 section 3, then OpenID Connect discovery).
        var as = authorizationServerMetadata(URI.create(issuer));
        String authorizationEndpoint;
        String tokenEndpoint;
        String registrationEndpoint;
        if (as != null) {
            authorizationEndpoint = as.path("authorization_endpoint").asText(null);
            tokenEndpoint = as.path("token_endpoint").asText(null);
            registrationEndpoint = as.path("registration_endpoint").asText(null);
            if (tokenEndpoint == null || (grant == null && authorizationEndpoint == null)) {
                throw new IOException("the metadata of authorization server " + issuer + " lacks its endpoints");
            }
            // No code_challenge_methods_supported means no PKCE, and the specification says not to go on.
            if (grant == null && !strings(as.path("code_challenge_methods_supported")).contains("S256")) {
                throw new IOException("authorization server " + issuer + " does not offer PKCE with S256 (code_challenge_methods_supported)");
            }
        } else {
            var base = URI.create(issuer);
            var root = base.getScheme() + "://" + base.getRawAuthority();
            authorizationEndpoint = root + "/authorize";
            tokenEndpoint = root + "/token";
            registrationEndpoint = root + "/register";
        }
        // 3. Scope: what the challenge asks for, else what the resource supports, else none.
        String scope = challenge.get("scope");
        if (scope == null && !resourceScopes.isEmpty()) scope = String.join(" ", resourceScopes);
        if (grant != null) {
            // No person: the client's own credentials, or the enterprise's identity assertion, for a token.
            var audience = as == null ? issuer : as.path("issuer").asText(issuer);
            machineGrant(as, audience, tokenEndpoint, resource, scope, state);
            return;
        }
        if (as != null && strings(as.path("scopes_supported")).contains("offline_access")
                && (scope == null || !List.of(scope.split(" ")).contains("offline_access"))) {
            scope = scope == null ? "offline_access" : scope + " offline_access"; // asks for a refresh token
        }

        try (var redirect = new LoopbackRedirect(state.path("redirect_port").asInt(0))) {
            // 4. The client: configured, registered before with this server (same redirect URI), or registered now.
            String id = clientId;
            String secret = clientSecret;
            String method;
            if (id != null) {
                method = secret == null ? "none" : supported(as, "client_secret_basic") ? "client_secret_basic" : "client_secret_post";
            } else if (issuer.equals(state.path("issuer").asText()) && redirect.uri().equals(state.path("redirect_uri").asText())
                    && state.hasNonNull("client_id")) {
                id = state.get("client_id").asText();
                secret = state.path("client_secret").asText(null);
                method = state.path("token_endpoint_auth_method").asText("none");
            } else {
                if (registrationEndpoint == null) {
                    throw new IOException("authorization server " + issuer + " offers no dynamic client registration; configure a client id: "
                            + "mcp_servers." + server + ".oauth.client_id");
                }
                var wanted = as == null || supported(as, "none") ? "none" : supported(as, "client_secret_basic") ? "client_secret_basic" : "client_secret_post";
                var body = PLAIN.createObjectNode().put("client_name", "apprentice").put("token_endpoint_auth_method", wanted);
                body.putArray("redirect_uris").add(redirect.uri());
                body.putArray("grant_types").add("authorization_code").add("refresh_token");
                body.putArray("response_types").add("code");
                if (scope != null) body.put("scope", scope);
                var reg = postJson(URI.create(registrationEndpoint), body);
                id = reg.path("client_id").asText(null);
                if (id == null) throw new IOException("the registration at " + registrationEndpoint + " returned no client_id");
                secret = reg.path("client_secret").asText(null);
                method = reg.path("token_endpoint_auth_method").asText(secret == null ? "none" : wanted.equals("none") ? "client_secret_basic" : wanted);
            }
            // 5. Authorization code with PKCE, through the person's browser and back to the loopback listener.
            var verifier = randomToken(48);
            var expectedState = randomToken(24);
            var params = new LinkedHashMap<String, String>();
            params.put("response_type", "code");
            params.put("client_id", id);
            params.put("redirect_uri", redirect.uri());
            params.put("code_challenge", Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(verifier)));
            params.put("code_challenge_method", "S256");
            params.put("state", expectedState);
            params.put("resource", resource);
            if (scope != null) params.put("scope", scope);
            var authUrl = URI.create(authorizationEndpoint + (authorizationEndpoint.contains("?") ? "&" : "?") + form(params));
            signIn.open(server, authUrl);
            var callback = redirect.await(SIGN_IN_TIMEOUT);
            if (callback.containsKey("error")) {
                throw new IOException("the authorization server answered " + callback.get("error")
                        + (callback.containsKey("error_description") ? ": " + callback.get("error_description") : ""));
            }
            if (!expectedState.equals(callback.get("state"))) throw new IOException("the redirect carried a wrong state (refused: it may be forged)");
            if (callback.get("code") == null) throw new IOException("the redirect carried no authorization code");
            // 6. The code for tokens.
            var tokenParams = new LinkedHashMap<String, String>();
            tokenParams.put("grant_type", "authorization_code");
            tokenParams.put("code", callback.get("code"));
            tokenParams.put("redirect_uri", redirect.uri());
            tokenParams.put("code_verifier", verifier);
            tokenParams.put("resource", resource);
            state.put("issuer", issuer).put("token_endpoint", tokenEndpoint).put("resource", resource)
                    .put("client_id", id).put("token_endpoint_auth_method", method).put("redirect_uri", redirect.uri())
                    .put("redirect_port", redirect.port());
            if (secret != null) state.put("client_secret", secret); else state.remove("client_secret");
            if (scope != null) state.put("scope", scope);
            tokens(state, tokenParams);
        }
    }

    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    static final String ID_JAG = "urn:ietf:params:oauth:token-type:id-jag";
    static final String ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
    static final String CLIENT_ASSERTION_JWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /** The client_credentials or cross-app access grant ({@link McpServerConfig.Grant}), with the configured client. */
    private void machineGrant(JsonNode as, String audience, String tokenEndpoint, String resource, String scope, ObjectNode state) throws IOException {
        var method = grant.privateKey() != null ? "private_key_jwt"
                : clientSecret == null ? "none" : supported(as, "client_secret_basic") ? "client_secret_basic" : "client_secret_post";
        state.put("issuer", audience).put("token_endpoint", tokenEndpoint).put("resource", resource).put("client_id", clientId)
                .put("token_endpoint_auth_method", method).put("grant", grant.type());
        state.remove("refresh_token");
        if (clientSecret != null) state.put("client_secret", clientSecret); else state.remove("client_secret");
        var params = new LinkedHashMap<String, String>();
        if (grant.type().equals(McpServerConfig.Grant.CLIENT_CREDENTIALS)) {
            params.put("grant_type", "client_credentials");
        } else {
            params.put("grant_type", JWT_BEARER);
            params.put("assertion", identityAssertion(audience, resource, scope));
        }
        params.put("resource", resource);
        if (scope != null) params.put("scope", scope);
        tokens(state, params);
    }

    /**
     * SEP-990: the enterprise identity provider exchanges the person's ID token (got by the enterprise's single sign-on,
     * kept in {@code id_token_file}) for an identity assertion authorization grant (ID-JAG) naming this authorization
     * server and resource (RFC 8693 token exchange).
     */
    private String identityAssertion(String audience, String resource, String scope) throws IOException {
        String idToken;
        try {
            idToken = java.nio.file.Files.readString(grant.idTokenFile()).strip();
        } catch (IOException e) {
            throw new IOException("mcp_servers." + server + ".oauth.id_token_file " + grant.idTokenFile() + " could not be read: " + e.getMessage());
        }
        var p = new LinkedHashMap<String, String>();
        p.put("grant_type", TOKEN_EXCHANGE);
        p.put("requested_token_type", ID_JAG);
        p.put("subject_token", idToken);
        p.put("subject_token_type", ID_TOKEN);
        p.put("audience", audience);
        p.put("resource", resource);
        if (scope != null) p.put("scope", scope);
        if (grant.idpClientId() != null) p.put("client_id", grant.idpClientId());
        var r = send(HttpRequest.newBuilder(URI.create(grant.idpTokenEndpoint())).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form(p))).build());
        return tokenResponse(r, "the identity provider's token exchange at " + grant.idpTokenEndpoint(),
                " (is the ID token in " + grant.idTokenFile() + " current?)").get("access_token").asText();
    }

    /** RFC 7523 section 2.2: a short-lived JWT, signed with the client's private key, in place of a secret. */
    private String clientAssertion(String id, String audience) throws IOException {
        var key = ClientKey.read(grant.privateKey());
        var alg = grant.signingAlgorithm() != null ? grant.signingAlgorithm() : key.defaultAlgorithm();
        long now = Instant.now().getEpochSecond();
        var header = PLAIN.createObjectNode().put("alg", alg).put("typ", "JWT");
        var claims = PLAIN.createObjectNode().put("iss", id).put("sub", id).put("aud", audience).put("iat", now).put("exp", now + 300)
                .put("jti", randomToken(16));
        var b64 = Base64.getUrlEncoder().withoutPadding();
        var input = b64.encodeToString(PLAIN.writeValueAsBytes(header)) + "." + b64.encodeToString(PLAIN.writeValueAsBytes(claims));
        return input + "." + b64.encodeToString(key.sign(alg, input.getBytes(StandardCharsets.US_ASCII)));
    }

    /** A PKCS#8 PEM private key, EC or RSA. */
    record ClientKey(java.security.PrivateKey key) {
        static ClientKey read(java.nio.file.Path pem) throws IOException {
            var text = java.nio.file.Files.readString(pem);
            if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
                throw new IOException("the private key " + pem + " is not an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY); "
                        + "convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out " + pem);
            }
            var der = Base64.getMimeDecoder().decode(text.replaceAll("-----[A-Z ]+-----", ""));
            for (var type : List.of("EC", "RSA")) {
                try {
                    return new ClientKey(java.security.KeyFactory.getInstance(type).generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der)));
                } catch (java.security.GeneralSecurityException notThisType) {
                    // try the next
                }
            }
            throw new IOException("the private key " + pem + " is neither an EC nor an RSA key");
        }

        String defaultAlgorithm() {
            if (key instanceof java.security.interfaces.ECPrivateKey ec) return ec.getParams().getOrder().bitLength() > 256 ? "ES384" : "ES256";
            return "RS256";
        }

        byte[] sign(String alg, byte[] data) throws IOException {
            // JWS wants ECDSA signatures as R||S (RFC 7518 section 3.4), which the JDK's P1363 format gives.
            var name = switch (alg) {
                case "ES256" -> "SHA256withECDSAinP1363Format";
                case "ES384" -> "SHA384withECDSAinP1363Format";
                default -> "SHA256withRSA";
            };
            try {
                var s = java.security.Signature.getInstance(name);
                s.initSign(key);
                s.update(data);
                return s.sign();
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException("the private key cannot sign with " + alg + ": " + e.getMessage());
            }
        }
    }

    private void refresh(ObjectNode state) throws IOException {
        var p = new LinkedHashMap<String, String>();
        p.put("grant_type", "refresh_token");
        p.put("refresh_token", state.get("refresh_token").asText());
        if (state.hasNonNull("resource")) p.put("resource", state.get("resource").asText());
        tokens(state, p);
    }

    /** Calls the token endpoint with the client's authentication and stores what it returns. */
    private void tokens(ObjectNode state, Map<String, String> params) throws IOException {
        var id = state.path("client_id").asText();
        var secret = state.path("client_secret").asText(null);
        var method = state.path("token_endpoint_auth_method").asText("none");
        var b = HttpRequest.newBuilder(URI.create(state.get("token_endpoint").asText())).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json");
        var p = new LinkedHashMap<>(params);
        if (method.equals("private_key_jwt") && grant != null && grant.privateKey() != null) {
            p.put("client_id", id);
            p.put("client_assertion_type", CLIENT_ASSERTION_JWT);
            p.put("client_assertion", clientAssertion(id, state.path("issuer").asText()));
        } else if (method.equals("client_secret_basic") && secret != null) {
            // RFC 6749 section 2.3.1: each part form-encoded, then joined and base64-encoded.
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((enc(id) + ":" + enc(secret)).getBytes(StandardCharsets.UTF_8)));
        } else {
            p.put("client_id", id);
            if (method.equals("client_secret_post") && secret != null) p.put("client_secret", secret);
        }
        var r = send(b.POST(HttpRequest.BodyPublishers.ofString(form(p))).build());
        var body = tokenResponse(r, "the token endpoint", "");
        state.put("access_token", body.get("access_token").asText());
        if (body.hasNonNull("refresh_token")) state.put("refresh_token", body.get("refresh_token").asText());
        if (body.hasNonNull("expires_in")) state.put("expires_at", Instant.now().getEpochSecond() + body.get("expires_in").asLong());
        else state.remove("expires_at");
        store.save(server, state);
    }

    private JsonNode authorizationServerMetadata(URI issuer) throws IOException {
        var root = issuer.getScheme() + "://" + issuer.getRawAuthority();
        var path = issuer.getRawPath() == null || issuer.getRawPath().equals("/") ? "" : issuer.getRawPath().replaceAll("/$", "");
        var candidates = path.isEmpty()
                ? List.of(root + "/.well-known/oauth-authorization-server", root + "/.well-known/openid-configuration")
                : List.of(root + "/.well-known/oauth-authorization-server" + path, root + "/.well-known/openid-configuration" + path,
                        root + path + "/.well-known/openid-configuration");
        for (var c : candidates) {
            var m = getJson(URI.create(c));
            if (m != null) return m;
        }
        return null;
    }

    /** A JSON object from a GET, or null when there is none (404, not JSON). */
    private JsonNode getJson(URI u) throws IOException {
        var r = send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(30)).header("Accept", "application/json")
                .header("MCP-Protocol-Version", "2025-11-25").GET().build());
        if (r.statusCode() != 200) return null;
        try {
            var n = PLAIN.readTree(r.body());
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private JsonNode postJson(URI u, JsonNode body) throws IOException {
        var r = send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
        if (r.statusCode() / 100 != 2) throw new IOException("the client registration at " + u + " answered HTTP " + r.statusCode());
        return PLAIN.readTree(r.body());
    }

    /**
     * A token response's JSON body, which must be a 2xx with an {@code access_token}; else an IOException saying that
     * {@code who} answered HTTP status (and the OAuth error code, if any), then {@code hint}.
     */
    private static JsonNode tokenResponse(HttpResponse<String> r, String who, String hint) throws IOException {
        JsonNode body;
        try {
            body = PLAIN.readTree(r.body());
        } catch (IOException e) {
            body = PLAIN.createObjectNode();
        }
        if (body == null || !body.isObject()) body = PLAIN.createObjectNode();
        if (r.statusCode() / 100 != 2 || !body.hasNonNull("access_token")) {
            throw new IOException(who + " answered HTTP " + r.statusCode() + (body.hasNonNull("error") ? " " + body.get("error").asText() : "") + hint);
        }
        return body;
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static boolean supported(JsonNode as, String method) {
        if (as == null) return method.equals("client_secret_basic");
        var m = strings(as.path("token_endpoint_auth_methods_supported"));
        return m.isEmpty() ? method.equals("client_secret_basic") : m.contains(method); // RFC 8414: the default is client_secret_basic
    }

    /** The MCP server's URL as a resource indicator (RFC 8707): lower-case scheme and host, no fragment. */
    static String canonical(URI u) {
        var s = u.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + u.getRawAuthority().toLowerCase(java.util.Locale.ROOT)
                + (u.getRawPath() == null ? "" : u.getRawPath());
        return u.getRawQuery() == null ? s : s + "?" + u.getRawQuery();
    }

    /** Whether a declared resource is this server: the same origin, and a path that is the server's or above it. */
    static boolean covers(URI declared, URI server) {
        if (!declared.getScheme().equalsIgnoreCase(server.getScheme()) || !declared.getRawAuthority().equalsIgnoreCase(server.getRawAuthority())) return false;
        var dp = declared.getRawPath() == null ? "" : declared.getRawPath().replaceAll("/$", "");
        var sp = server.getRawPath() == null ? "" : server.getRawPath();
        return dp.isEmpty() || sp.equals(dp) || sp.startsWith(dp + "/");
    }

    private static List<String> strings(JsonNode n) {
        var out = new ArrayList<String>();
        if (n.isArray()) n.forEach(x -> out.add(x.asText()));
        return out;
    }

    private String randomToken(int bytes) {
        var b = new byte[bytes];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.US_ASCII));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String form(Map<String, String> params) {
        var sb = new StringBuilder();
        params.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : "&").append(enc(k)).append('=').append(enc(v)));
        return sb.toString();
    }

    static Map<String, String> parseQuery(String q) {
        var out = new LinkedHashMap<String, String>();
        if (q == null) return out;
        for (var part : q.split("&")) {
            if (part.isEmpty()) continue;
            var i = part.indexOf('=');
            out.putIfAbsent(URLDecoder.decode(i < 0 ? part : part.substring(0, i), StandardCharsets.UTF_8),
                    i < 0 ? "" : URLDecoder.decode(part.substring(i + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** The redirect listener: one request to {@code http://127.0.0.1:PORT/callback}, then it closes. */
    static final class LoopbackRedirect implements AutoCloseable {
        private final HttpServer server;
        private final CompletableFuture<Map<String, String>> result = new CompletableFuture<>();

        LoopbackRedirect(int preferredPort) throws IOException {
            HttpServer s;
            try {
                s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), preferredPort), 0);
            } catch (IOException e) {
                s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0); // the old port is taken
            }
            server = s;
            server.createContext("/callback", ex -> {
                var params = parseQuery(ex.getRequestURI().getRawQuery());
                var page = (params.containsKey("code") ? "Signed in: you can close this tab and return to apprentice."
                        : "Sign-in did not complete: " + params.getOrDefault("error", "no code")).getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                ex.sendResponseHeaders(200, page.length);
                try (var out = ex.getResponseBody()) {
                    out.write(page);
                }
                result.complete(params);
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        String uri() {
            return "http://127.0.0.1:" + port() + "/callback";
        }

        Map<String, String> await(Duration timeout) throws IOException, InterruptedException {
            try {
                return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IOException("no sign-in came back to " + uri() + " within " + timeout.toMinutes() + " minutes");
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException(e.getCause());
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
