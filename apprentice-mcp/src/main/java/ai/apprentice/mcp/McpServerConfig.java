package ai.apprentice.mcp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One MCP server from config: either a command started over stdio, or a streamable HTTP URL.
 * <pre>{@code
 * mcp_servers:
 *   files: {command: npx, args: [-y, "@modelcontextprotocol/server-filesystem", "."], env: {}}
 *   remote: {url: "https://example.com/mcp", headers: {Authorization: "Bearer ..."}}
 *   signed: {url: "https://example.com/mcp", oauth: {client_id: "...", client_secret: "..."}}
 * }</pre>
 * A server that asks for OAuth without a configured client is registered dynamically (see {@link McpOAuth}).
 * <pre>{@code
 * }</pre>
 */
public record McpServerConfig(String name, String command, List<String> args, Map<String, String> env, String url,
                              Map<String, String> headers, String clientId, String clientSecret, Grant grant) {
    /**
     * How a token is got without a person at a browser ({@code mcp_servers.NAME.oauth.grant}); null: the authorization
     * code flow. {@code client_credentials} (SEP-1046, machine to machine) authenticates the client itself, with its
     * secret or with a JWT signed by {@code private_key} (RFC 7523, {@code private_key_jwt}). {@code cross_app_access}
     * (SEP-990, enterprise-managed authorization) exchanges the ID token of the enterprise's identity provider
     * ({@code id_token_file}) at {@code idp_token_endpoint} for an identity assertion grant (RFC 8693), then that for
     * an access token at the MCP server's authorization server (RFC 7523 JWT bearer grant).
     *
     * @param privateKey a PKCS#8 PEM file (EC P-256/P-384 or RSA); with it the client authenticates by private_key_jwt
     * @param signingAlgorithm ES256, ES384 or RS256; null: from the key
     */
    public record Grant(String type, java.nio.file.Path privateKey, String signingAlgorithm, String idpTokenEndpoint,
                        String idpClientId, java.nio.file.Path idTokenFile) {
        public static final String CLIENT_CREDENTIALS = "client_credentials";
        public static final String CROSS_APP_ACCESS = "cross_app_access";
        public static final List<String> ALGORITHMS = List.of("ES256", "ES384", "RS256");

        public static Grant clientCredentials(java.nio.file.Path privateKey, String signingAlgorithm) {
            return new Grant(CLIENT_CREDENTIALS, privateKey, signingAlgorithm, null, null, null);
        }

        public static Grant crossAppAccess(String idpTokenEndpoint, String idpClientId, java.nio.file.Path idTokenFile) {
            return new Grant(CROSS_APP_ACCESS, null, null, idpTokenEndpoint, idpClientId, idTokenFile);
        }
    }

    public McpServerConfig {
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? Map.of() : Map.copyOf(env);
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        if (name == null || !name.matches("[A-Za-z0-9_-]{1,32}")) {
            throw new IllegalArgumentException("MCP server name '" + name + "' must be 1-32 letters, digits, '_' or '-'");
        }
        if ((command == null) == (url == null)) {
            throw new IllegalArgumentException("MCP server '" + name + "' needs either a command or a url, not both");
        }
        if (clientSecret != null && clientId == null) {
            throw new IllegalArgumentException("mcp_servers." + name + ".oauth has a client_secret without a client_id");
        }
        if (grant != null) {
            var where = "mcp_servers." + name + ".oauth";
            if (!List.of(Grant.CLIENT_CREDENTIALS, Grant.CROSS_APP_ACCESS).contains(grant.type())) {
                throw new IllegalArgumentException(where + ".grant '" + grant.type() + "' is not one of authorization_code, client_credentials, cross_app_access");
            }
            if (clientId == null) throw new IllegalArgumentException(where + ".grant " + grant.type() + " needs a client_id (a client registered beforehand)");
            if (grant.type().equals(Grant.CLIENT_CREDENTIALS) && clientSecret == null && grant.privateKey() == null) {
                throw new IllegalArgumentException(where + ".grant client_credentials needs a client_secret or a private_key");
            }
            if (grant.type().equals(Grant.CROSS_APP_ACCESS) && (grant.idpTokenEndpoint() == null || grant.idTokenFile() == null)) {
                throw new IllegalArgumentException(where + ".grant cross_app_access needs idp_token_endpoint and id_token_file");
            }
            if (grant.signingAlgorithm() != null && !Grant.ALGORITHMS.contains(grant.signingAlgorithm())) {
                throw new IllegalArgumentException(where + ".signing_algorithm '" + grant.signingAlgorithm() + "' is not one of " + String.join(", ", Grant.ALGORITHMS));
            }
        }
    }

    public static McpServerConfig stdio(String name, String command, List<String> args, Map<String, String> env) {
        return new McpServerConfig(name, command, args, env, null, null, null, null, null);
    }

    public static McpServerConfig http(String name, String url, Map<String, String> headers) {
        return new McpServerConfig(name, null, null, null, url, headers, null, null, null);
    }

    /** An HTTP server whose OAuth client was registered beforehand (client id, and a secret for a confidential client). */
    public static McpServerConfig http(String name, String url, Map<String, String> headers, String clientId, String clientSecret) {
        return new McpServerConfig(name, null, null, null, url, headers, clientId, clientSecret, null);
    }

    /** This server with a grant that needs no person ({@link Grant}). */
    public McpServerConfig withGrant(Grant g) {
        return new McpServerConfig(name, command, args, env, url, headers, clientId, clientSecret, g);
    }

    /** Without header values, environment values or the client secret: a config may be printed or logged. */
    @Override
    public String toString() {
        return "McpServerConfig[" + name + (isStdio() ? ", command=" + command + " " + String.join(" ", args) + ", env=" + env.keySet()
                : ", url=" + url + ", headers=" + headers.keySet() + (clientId == null ? "" : ", client_id=" + clientId)
                + (grant == null ? "" : ", grant=" + grant.type())) + "]";
    }

    public boolean isStdio() {
        return command != null;
    }

    /** Reads the {@code mcp_servers} mapping of a config file; errors name the server and what is wrong. */
    @SuppressWarnings("unchecked")
    public static List<McpServerConfig> fromConfig(Map<String, Object> servers) {
        var out = new ArrayList<McpServerConfig>();
        if (servers == null) return out;
        for (var e : servers.entrySet()) {
            if (!(e.getValue() instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException("mcp_servers." + e.getKey() + " must be a mapping with command or url");
            }
            var oauth = m.get("oauth") instanceof Map<?, ?> o ? o : Map.of();
            if (m.get("oauth") != null && !(m.get("oauth") instanceof Map<?, ?>)) {
                throw new IllegalArgumentException("mcp_servers." + e.getKey() + ".oauth must be a mapping with client_id (and client_secret)");
            }
            var type = str(oauth.get("grant"));
            Grant grant = type == null || type.equals("authorization_code") ? null
                    : new Grant(type, path(oauth.get("private_key")), str(oauth.get("signing_algorithm")), str(oauth.get("idp_token_endpoint")),
                            str(oauth.get("idp_client_id")), path(oauth.get("id_token_file")));
            out.add(new McpServerConfig(e.getKey(), str(m.get("command")), list(m.get("args"), e.getKey()),
                    strings((Map<String, Object>) m.get("env")), str(m.get("url")), strings((Map<String, Object>) m.get("headers")),
                    str(oauth.get("client_id")), str(oauth.get("client_secret")), grant));
        }
        return out;
    }

    /** The mapping this server is written as in config. */
    public Map<String, Object> toConfig() {
        var m = new LinkedHashMap<String, Object>();
        if (command != null) {
            m.put("command", command);
            if (!args.isEmpty()) m.put("args", args);
            if (!env.isEmpty()) m.put("env", env);
        } else {
            m.put("url", url);
            if (!headers.isEmpty()) m.put("headers", headers);
            if (clientId != null) {
                var o = new LinkedHashMap<String, Object>();
                o.put("client_id", clientId);
                if (clientSecret != null) o.put("client_secret", clientSecret);
                if (grant != null) {
                    o.put("grant", grant.type());
                    if (grant.privateKey() != null) o.put("private_key", grant.privateKey().toString());
                    if (grant.signingAlgorithm() != null) o.put("signing_algorithm", grant.signingAlgorithm());
                    if (grant.idpTokenEndpoint() != null) o.put("idp_token_endpoint", grant.idpTokenEndpoint());
                    if (grant.idpClientId() != null) o.put("idp_client_id", grant.idpClientId());
                    if (grant.idTokenFile() != null) o.put("id_token_file", grant.idTokenFile().toString());
                }
                m.put("oauth", o);
            }
        }
        return m;
    }

    private static java.nio.file.Path path(Object o) {
        return o == null ? null : java.nio.file.Path.of(o.toString().replaceFirst("^~(?=/|$)", System.getProperty("user.home")));
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private static List<String> list(Object o, String name) {
        if (o == null) return List.of();
        if (!(o instanceof List<?> l)) throw new IllegalArgumentException("mcp_servers." + name + ".args must be a list");
        return l.stream().map(Object::toString).toList();
    }

    private static Map<String, String> strings(Map<String, Object> m) {
        if (m == null) return Map.of();
        var out = new LinkedHashMap<String, String>();
        m.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }
}
