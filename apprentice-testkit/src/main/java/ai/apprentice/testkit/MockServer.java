package ai.apprentice.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * The shared part of the mock model servers: a real HTTP server on 127.0.0.1 (ephemeral port) that answers
 * each request with the next queued {@link MockReply} (or the default one), and records what it received.
 */
public abstract class MockServer implements AutoCloseable {
    /** A request as received: its path, headers (lower-case names), parsed JSON body and the body's bytes as sent. */
    public record Request(String path, Map<String, List<String>> headers, JsonNode body, byte[] raw) {
        public Request(String path, Map<String, List<String>> headers, JsonNode body) {
            this(path, headers, body, new byte[0]);
        }

        public String header(String name) {
            var v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.getFirst();
        }
    }

    protected static final ObjectMapper JSON = new ObjectMapper();

    static {
        // Small streamed chunks otherwise meet Nagle's algorithm and delayed ACKs: ~40 ms per response.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    private final HttpServer server;
    private final ConcurrentLinkedQueue<MockReply> queue = new ConcurrentLinkedQueue<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile MockReply fallback = MockReply.text("ok");
    private volatile PromptCache cache;
    private volatile java.time.Duration delay = java.time.Duration.ZERO;

    protected MockServer(String path) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a mock server on 127.0.0.1", e);
        }
        server.createContext(path, this::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public MockServer enqueue(MockReply... replies) {
        queue.addAll(List.of(replies));
        return this;
    }

    /** The reply used when the queue is empty. */
    public MockServer fallback(MockReply reply) {
        this.fallback = reply;
        return this;
    }

    /** Waits {@code d} before every reply, as a real model takes its time (zero, the default, answers at once). */
    public MockServer delay(java.time.Duration d) {
        this.delay = d;
        return this;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /**
     * Reports prompt-cache hits as the provider does for a repeated prefix ({@link PromptCache}): usage then counts
     * the request's own tokens (estimated) instead of a reply's fixed numbers.
     */
    public MockServer simulatePromptCache() {
        this.cache = new PromptCache();
        return this;
    }

    /** The simulated cache, or null when this server does not simulate one. */
    protected PromptCache cache() {
        return cache;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            var body = ex.getRequestBody().readAllBytes();
            var headers = new java.util.HashMap<String, List<String>>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), List.copyOf(v)));
            var request = new Request(ex.getRequestURI().getPath(), headers, JSON.readTree(body.length == 0 ? "{}".getBytes() : body), body);
            requests.add(request);
            var reply = queue.poll();
            if (reply == null) reply = fallback;
            if (!delay.isZero()) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            switch (reply) {
                case MockReply.Status s -> {
                    var bytes = (s.body() == null ? "" : s.body()).getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().add("Content-Type", "application/json");
                    if (s.retryAfter() != null) ex.getResponseHeaders().add("Retry-After", s.retryAfter());
                    ex.sendResponseHeaders(s.code(), bytes.length == 0 ? -1 : bytes.length);
                    if (bytes.length > 0) ex.getResponseBody().write(bytes);
                }
                case MockReply.Hang h -> {
                    try {
                        closed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                case MockReply.Raw raw -> {
                    ex.getResponseHeaders().add("Content-Type", "text/event-stream");
                    ex.sendResponseHeaders(200, 0);
                    for (var e : raw.events()) send(ex.getResponseBody(), e.event(), e.data());
                }
                default -> {
                    ex.getResponseHeaders().add("Content-Type", "text/event-stream");
                    ex.sendResponseHeaders(200, 0);
                    stream(reply, request, ex.getResponseBody());
                }
            }
        } catch (IOException e) {
            // the client went away (timeouts, cancellation): nothing to answer
        }
    }

    /** Writes a streamed reply to {@code request} in the provider's own format. */
    protected abstract void stream(MockReply reply, Request request, OutputStream out) throws IOException;

    protected static void send(OutputStream out, String event, Object data) throws IOException {
        var sb = new StringBuilder();
        if (event != null) sb.append("event: ").append(event).append('\n');
        sb.append("data: ").append(data instanceof String s ? s : JSON.writeValueAsString(data)).append("\n\n");
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Splits text into a few pieces, as a real stream would arrive. */
    protected static List<String> pieces(String text, int n) {
        if (text.isEmpty()) return List.of();
        int size = Math.max(1, (text.length() + n - 1) / n);
        var out = new java.util.ArrayList<String>();
        for (int i = 0; i < text.length(); i += size) out.add(text.substring(i, Math.min(text.length(), i + size)));
        return out;
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
    }
}
