package ai.apprentice.providers;

import ai.apprentice.json.Json;
import ai.apprentice.model.ModelException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Streaming HTTP for model APIs: one POST, with failures sorted into retryable (429, 5xx, 529, connection and
 * timeout problems) and final (other 4xx), each with the provider's own error text and the URL. The API
 * key is never part of a message.
 */
public final class Streaming {
    private Streaming() {}

    /** One client per connect timeout, shared by every model of every run (see {@link #client}). */
    private static final Map<Duration, HttpClient> CLIENTS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The HTTP client for model calls with this connect timeout, shared: each {@code HttpClient} has its own selector
     * thread and connection pool, and one per run's session cost a thread per run and a fresh connection per run
     * (docs/PERFORMANCE.md, Server). Sharing is safe because the client holds nothing per provider or session:
     * base URLs, keys and headers are set on each request.
     */
    public static HttpClient client(Duration connectTimeout) {
        return CLIENTS.computeIfAbsent(connectTimeout, t -> HttpClient.newBuilder().connectTimeout(t)
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NORMAL).build());
    }

    public static HttpResponse<InputStream> post(HttpClient client, URI uri, Map<String, String> headers, String body,
                                                 Duration readTimeout) throws InterruptedException {
        return post(client, uri, headers, body.getBytes(StandardCharsets.UTF_8), readTimeout);
    }

    public static HttpResponse<InputStream> post(HttpClient client, URI uri, Map<String, String> headers, byte[] body,
                                                 Duration readTimeout) throws InterruptedException {
        var b = HttpRequest.newBuilder(uri).timeout(readTimeout)
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        HttpResponse<InputStream> response;
        try {
            response = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new ModelException("Cannot connect to " + uri + ": no answer within the connect timeout", true, 0, null, e);
        } catch (HttpTimeoutException e) {
            throw new ModelException("No response from " + uri + " within " + readTimeout.toSeconds() + " s", true, 0, null, e);
        } catch (ConnectException e) {
            throw new ModelException("Cannot connect to " + uri + " (" + reason(e) + ")", true, 0, null, e);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
            throw new ModelException("Request to " + uri + " failed: " + reason(e), true, 0, null, e);
        }
        int status = response.statusCode();
        if (status / 100 == 2) return response;
        String text = errorText(response);
        var retryAfter = retryAfter(response);
        boolean retryable = status == 408 || status == 409 || status == 429 || status >= 500;
        throw new ModelException("HTTP " + status + " from " + uri + ": " + text, retryable, status, retryAfter, null);
    }

    private static String reason(IOException e) {
        var m = e.getMessage();
        if (m == null && e.getCause() != null) m = e.getCause().getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** The provider's message from an error body ({"error": {"message": ...}} in both APIs), else the body. */
    private static String errorText(HttpResponse<InputStream> response) {
        String body;
        try (var in = response.body()) {
            body = new String(in.readNBytes(16_384), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "(no body)";
        }
        try {
            var node = Json.MAPPER.readTree(body);
            var msg = node.path("error").path("message");
            if (msg.isTextual()) return msg.asText();
            if (node.path("error").isTextual()) return node.path("error").asText();
            if (node.path("message").isTextual()) return node.path("message").asText();
        } catch (IOException ignored) {
            // not JSON: use the text itself
        }
        return body.isEmpty() ? "(no body)" : body.length() > 500 ? body.substring(0, 500) + "…" : body;
    }

    /** {@code retry-after-ms}, or {@code Retry-After} in seconds or as an HTTP date. */
    static Duration retryAfter(HttpResponse<?> response) {
        var ms = response.headers().firstValue("retry-after-ms");
        if (ms.isPresent()) {
            try {
                return Duration.ofMillis((long) Double.parseDouble(ms.get().strip()));
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        var value = response.headers().firstValue("retry-after").orElse(null);
        if (value == null) return null;
        try {
            return Duration.ofMillis((long) (Double.parseDouble(value.strip()) * 1000));
        } catch (NumberFormatException e) {
            try {
                var when = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                var d = Duration.between(ZonedDateTime.now(), when);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (java.time.format.DateTimeParseException ignored) {
                return null;
            }
        }
    }

    /** One server-sent event: its {@code event:} name (or null) and its {@code data:} lines joined. */
    public record Event(String name, String data) {}

    /** Reads server-sent events from a response body, with an idle watchdog. */
    public static Events events(InputStream body, URI uri, Duration idle) {
        return new Events(body, uri, idle);
    }

    /**
     * Server-sent events from a response body. A watchdog closes the stream when the server stays silent for
     * longer than the idle timeout, so a hung connection becomes a retryable error instead of a hung run.
     */
    public static final class Events implements AutoCloseable {

        private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
            var t = new Thread(r, "apprentice-sse-watchdog");
            t.setDaemon(true);
            return t;
        });

        private final InputStream body;
        private final BufferedReader reader;
        private final URI uri;
        private final Duration idle;
        private volatile long lastActivity = System.nanoTime();
        private volatile boolean timedOut;
        private final java.util.concurrent.ScheduledFuture<?> check;

        Events(InputStream body, URI uri, Duration idle) {
            this.body = body;
            this.reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            this.uri = uri;
            this.idle = idle;
            long period = Math.max(50, Math.min(1000, idle.toMillis() / 4));
            this.check = WATCHDOG.scheduleAtFixedRate(() -> {
                if (System.nanoTime() - lastActivity > idle.toNanos()) {
                    timedOut = true;
                    closeQuietly();
                }
            }, period, period, TimeUnit.MILLISECONDS);
        }

        /** The next event, or null at the end of the stream. */
        public Event next() throws InterruptedException {
            String name = null;
            var data = new StringBuilder();
            try {
                String line;
                while ((line = reader.readLine()) != null) {
                    lastActivity = System.nanoTime();
                    if (line.isEmpty()) {
                        if (!data.isEmpty() || name != null) return new Event(name, data.toString());
                        continue;
                    }
                    if (line.startsWith(":")) continue; // comment / keep-alive
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) value = value.substring(1);
                    switch (field) {
                        case "event" -> name = value;
                        case "data" -> {
                            if (!data.isEmpty()) data.append('\n');
                            data.append(value);
                        }
                        default -> { }
                    }
                }
                if (timedOut) throw stalled(null);
                return data.isEmpty() && name == null ? null : new Event(name, data.toString());
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
                if (timedOut) throw stalled(e);
                throw new ModelException("The stream from " + uri + " broke: " + e.getMessage(), true, 0, null, e);
            }
        }

        private ModelException stalled(Throwable cause) {
            return new ModelException("The stream from " + uri + " stalled: no data for " + idle.toSeconds() + " s", true, 0, null, cause);
        }

        private void closeQuietly() {
            try {
                body.close();
            } catch (IOException ignored) {
                // closing is best effort; the reader sees the end either way
            }
        }

        @Override
        public void close() {
            check.cancel(false);
            if (!timedOut && !Thread.currentThread().isInterrupted()) {
                // Read to the end (normally nothing is left after [DONE]) so the connection goes back to the
                // pool instead of being dropped: a new connection per step costs more than the whole harness.
                try {
                    var rest = new char[8192];
                    long drained = 0;
                    int n;
                    while (drained < 1 << 20 && (n = reader.read(rest)) >= 0) drained += n;
                } catch (IOException ignored) {
                    // the connection is closed below anyway
                }
            }
            closeQuietly();
        }
    }
}
