package ai.apprentice.mcp;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests in progress that a client may cancel ({@code notifications/cancelled}). The SDK's classic server ignores
 * that notification, so the transports' guards see it first and call {@link #cancel}; keys are scoped by session, so
 * one client cannot stop another's run by guessing a request id.
 */
final class Cancellations {
    /** The _meta key the guards put on each tools/call, carrying the JSON-RPC id the handler cannot otherwise see. */
    static final String REQUEST_KEY = "ai.apprentice/request";

    private final Map<String, Runnable> running = new ConcurrentHashMap<>();
    private final Map<String, Boolean> cancelledEarly = new ConcurrentHashMap<>();

    static String key(String session, Object requestId) {
        return (session == null ? "-" : session) + " " + requestId;
    }

    /** Registers what stops the request; runs it at once when the cancellation came first. */
    void register(String key, Runnable cancel) {
        if (key == null) return;
        running.put(key, cancel);
        if (cancelledEarly.remove(key) != null) cancel.run();
    }

    void done(String key) {
        if (key == null) return;
        running.remove(key);
        cancelledEarly.remove(key);
    }

    void cancel(String key) {
        var c = running.get(key);
        if (c != null) c.run();
    }
}
