package ai.apprentice.server;

import io.javalin.config.RoutesConfig;

/**
 * An entry point that lives in the server process (the team chat, triggers): it adds routes when the server is built
 * (under {@code /api} they need a token like every API route; {@code POST /channels/NAME/events} and
 * {@code POST /hooks/NAME} need none and must check their own signatures), and is started once the server listens and
 * closed before it stops. It reaches the agent only through {@link AgentService}: the same runs as the API's.
 */
public interface ServerExtension extends AutoCloseable {
    /** Adds this extension's routes. Called once, while the server is built. */
    default void routes(RoutesConfig routes, AgentService agents) {}

    /** The server listens: start background work (long connections, schedulers). */
    default void started(ApprenticeServer server) {}

    /** The server stops: end background work. Must not throw. */
    @Override
    default void close() {}
}
