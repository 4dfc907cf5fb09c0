package ai.apprentice.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a server runs: where it listens, the root its runs' workspaces are confined to, the agent flags its runs start
 * from (serve's {@code --model}, {@code --approve}, budgets), which models requests may pick, and its limits.
 *
 * @param token           a token a person chose for scripts ({@code --token}, {@code APPRENTICE_TOKEN}); null for none
 * @param auth            false only with {@code --no-auth}, which is refused unless the host is loopback
 * @param allowedOrigins  origins besides the server's own that browsers may call from (CORS); empty: none
 * @param allowedHosts    Host header values besides loopback names and the bind address (a DNS name the server is reached by)
 */
public record ServerOptions(String host, int port, Path root, Map<String, Object> defaults, Set<String> allowedModels,
                            int maxConcurrentRuns, Duration approvalTimeout, String token, boolean auth, List<String> allowedOrigins,
                            List<String> allowedHosts, long maxBodyBytes, Duration heartbeat) {
    public ServerOptions {
        root = root.toAbsolutePath().normalize();
        defaults = Map.copyOf(defaults);
        var models = new java.util.LinkedHashSet<>(allowedModels);
        if (defaults.get("model") != null) models.add(String.valueOf(defaults.get("model")));
        allowedModels = java.util.Collections.unmodifiableSet(models);
        allowedOrigins = List.copyOf(allowedOrigins);
        allowedHosts = List.copyOf(allowedHosts);
        if (token != null && token.strip().length() < 16) {
            throw new IllegalArgumentException("a server token must be at least 16 characters long (apprentice serve token create makes one)");
        }
        if (maxConcurrentRuns < 1) throw new IllegalArgumentException("--max-runs must be at least 1, got " + maxConcurrentRuns);
        if (!auth && !loopback(host)) {
            throw new IllegalArgumentException("--no-auth is only allowed on a loopback address (127.0.0.1, ::1, localhost), not " + host);
        }
    }

    /** Defaults for a server on loopback port {@code port} with {@code root}: auth on, 4 runs at a time, approvals wait 5 minutes. */
    public static ServerOptions defaults(int port, Path root) {
        return new ServerOptions("127.0.0.1", port, root, Map.of(), Set.of(), 4, Duration.ofMinutes(5), null, true, List.of(), List.of(),
                4 * 1024 * 1024, Duration.ofSeconds(15));
    }

    public ServerOptions withDefaults(Map<String, Object> flags) {
        return new ServerOptions(host, port, root, flags, allowedModels, maxConcurrentRuns, approvalTimeout, token, auth, allowedOrigins, allowedHosts, maxBodyBytes, heartbeat);
    }

    public ServerOptions withToken(String t) {
        return new ServerOptions(host, port, root, defaults, allowedModels, maxConcurrentRuns, approvalTimeout, t, auth, allowedOrigins, allowedHosts, maxBodyBytes, heartbeat);
    }

    public ServerOptions withLimits(int maxRuns, Duration approvals, Duration beat) {
        return new ServerOptions(host, port, root, defaults, allowedModels, maxRuns, approvals, token, auth, allowedOrigins, allowedHosts, maxBodyBytes, beat);
    }

    public ServerOptions withAllowedModels(Set<String> models) {
        return new ServerOptions(host, port, root, defaults, models, maxConcurrentRuns, approvalTimeout, token, auth, allowedOrigins, allowedHosts, maxBodyBytes, heartbeat);
    }

    public ServerOptions withOrigins(List<String> origins) {
        return new ServerOptions(host, port, root, defaults, allowedModels, maxConcurrentRuns, approvalTimeout, token, auth, origins, allowedHosts, maxBodyBytes, heartbeat);
    }

    static boolean loopback(String host) {
        return host.equals("127.0.0.1") || host.equals("::1") || host.equals("[::1]") || host.equals("localhost") || host.startsWith("127.");
    }
}
