package ai.apprentice.server;

import io.javalin.http.Context;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may call: a bearer token ({@code Authorization: Bearer T}), or the web UI's session cookie, which a token buys
 * once at {@code POST /login}. Before that, every request passes two checks against DNS rebinding and cross-site calls:
 * its Host must be one of the server's names, and an Origin, when a browser sends one, must be the server's own or one
 * configured for CORS.
 */
final class Auth {
    static final String COOKIE = "apprentice_session";
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * Web sessions: cookie value to the hash of the token it was bought with, checked on every request, so revoking the
     * token also ends the sessions bought with it. In memory: a restart signs browsers out.
     */
    private final Map<String, WebSession> webSessions = new ConcurrentHashMap<>();
    /** A browser left alone this long signs in again. */
    static final java.time.Duration WEB_SESSION_IDLE = java.time.Duration.ofHours(12);

    private record WebSession(String tokenHash, java.time.Instant lastSeen) {}

    private final java.time.Clock clock;
    private final Tokens tokens;
    private final ServerOptions options;

    Auth(Tokens tokens, ServerOptions options) {
        this(tokens, options, java.time.Clock.systemUTC());
    }

    Auth(Tokens tokens, ServerOptions options, java.time.Clock clock) {
        this.clock = clock;
        this.tokens = tokens;
        this.options = options;
    }

    /** The Host header names this server (loopback names, the bind address, or a configured name), with its port. */
    void checkHost(Context ctx) {
        var host = ctx.header("Host");
        if (host == null) throw ApiException.forbidden("A Host header is required");
        String name = host;
        int colon = host.lastIndexOf(':');
        if (colon > 0 && !host.endsWith("]")) name = host.substring(0, colon);
        name = name.toLowerCase(java.util.Locale.ROOT);
        var allowed = new java.util.HashSet<>(List.of("127.0.0.1", "localhost", "[::1]", options.host().toLowerCase(java.util.Locale.ROOT)));
        options.allowedHosts().forEach(h -> allowed.add(h.toLowerCase(java.util.Locale.ROOT)));
        if (!allowed.contains(name) && !(options.host().equals("0.0.0.0") && name.matches("[0-9.]+|\\[[0-9a-f:]+]"))) {
            throw ApiException.forbidden("Host '" + host + "' is not a name of this server; a DNS name must be allowed with serve --allow-host");
        }
    }

    /** An Origin, when sent, must be this server's own (the scheme, host and port the request came to) or a CORS origin. */
    void checkOrigin(Context ctx) {
        var origin = ctx.header("Origin");
        if (origin == null) return;
        if (options.allowedOrigins().contains(origin)) return;
        var own = ctx.scheme() + "://" + ctx.header("Host");
        if (origin.equalsIgnoreCase(own)) return;
        try {
            var u = URI.create(origin);
            if (("http://" + ctx.header("Host")).equalsIgnoreCase(u.getScheme() + "://" + u.getRawAuthority())) return;
        } catch (IllegalArgumentException e) {
            // not an origin at all
        }
        throw ApiException.forbidden("Origin " + origin + " may not call this server (only its own pages, or origins given with serve --cors-origin)");
    }

    /** The caller's name, or 401. */
    String principal(Context ctx) {
        if (!options.auth()) return "local";
        var header = ctx.header("Authorization");
        if (header != null) {
            if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) throw ApiException.unauthorized("Authorization must be 'Bearer TOKEN'");
            return tokens.verify(header.substring(7).strip()).orElseThrow(() -> ApiException.unauthorized("The token is not valid (unknown or revoked)"));
        }
        var cookie = ctx.cookie(COOKIE);
        if (cookie != null) {
            var name = webSession(cookie);
            if (name.isPresent()) return name.get();
        }
        throw ApiException.unauthorized("Sign in: send 'Authorization: Bearer TOKEN' (apprentice serve token create), or open /login in a browser");
    }

    /** The name behind a web session's cookie, while it is live: used within the idle limit and its token not revoked. */
    java.util.Optional<String> webSession(String cookie) {
        var session = webSessions.get(cookie);
        if (session == null) return java.util.Optional.empty();
        var now = clock.instant();
        var name = session.lastSeen().plus(WEB_SESSION_IDLE).isAfter(now) ? tokens.verifyHash(session.tokenHash()) : java.util.Optional.<String>empty();
        if (name.isPresent()) webSessions.put(cookie, new WebSession(session.tokenHash(), now));
        else webSessions.remove(cookie); // idle too long, or its token was revoked
        return name;
    }

    /** Trades a token for a web session; empty when the token is not valid. */
    Optional<String> signIn(String token) {
        if (token == null || token.isBlank()) return Optional.empty();
        return tokens.verify(token.strip()).map(name -> {
            var bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            var id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            webSessions.put(id, new WebSession(Tokens.sha256(token.strip()), clock.instant()));
            return id;
        });
    }

    void signOut(String cookie) {
        if (cookie != null) webSessions.remove(cookie);
    }
}
