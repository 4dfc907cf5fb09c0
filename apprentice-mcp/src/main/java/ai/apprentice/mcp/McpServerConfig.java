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
                              Map<String, String> headers, String clientId, String clientSecret) {
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
    }

    public static McpServerConfig stdio(String name, String command, List<String> args, Map<String, String> env) {
        return new McpServerConfig(name, command, args, env, null, null, null, null);
    }

    public static McpServerConfig http(String name, String url, Map<String, String> headers) {
        return new McpServerConfig(name, null, null, null, url, headers, null, null);
    }

    /** An HTTP server whose OAuth client was registered beforehand (client id, and a secret for a confidential client). */
    public static McpServerConfig http(String name, String url, Map<String, String> headers, String clientId, String clientSecret) {
        return new McpServerConfig(name, null, null, null, url, headers, clientId, clientSecret);
    }

    /** Without header values, environment values or the client secret: a config may be printed or logged. */
    @Override
    public String toString() {
        return "McpServerConfig[" + name + (isStdio() ? ", command=" + command + " " + String.join(" ", args) + ", env=" + env.keySet()
                : ", url=" + url + ", headers=" + headers.keySet() + (clientId == null ? "" : ", client_id=" + clientId)) + "]";
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
            out.add(new McpServerConfig(e.getKey(), str(m.get("command")), list(m.get("args"), e.getKey()),
                    strings((Map<String, Object>) m.get("env")), str(m.get("url")), strings((Map<String, Object>) m.get("headers")),
                    str(oauth.get("client_id")), str(oauth.get("client_secret"))));
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
                m.put("oauth", o);
            }
        }
        return m;
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
