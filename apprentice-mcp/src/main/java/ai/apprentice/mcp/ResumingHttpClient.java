package ai.apprentice.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * SSE resumption for the SDK's streamable HTTP client transport, which does neither (2025-11-25, "Resumability and
 * Redelivery", SEP-1699): when a server closes an SSE stream before the response to the POST it answers has come (or
 * closes the GET stream), the client waits the stream's last {@code retry:} time and resumes it with a GET carrying
 * {@code Last-Event-ID}. It is done below the SDK, in the HTTP client it is given: the resumed stream's bytes are
 * spliced onto the body the SDK is already reading, so to the SDK the stream never ended.
 */
final class ResumingHttpClient extends HttpClient {
    static final Duration DEFAULT_RETRY = Duration.ofSeconds(1);
    /** Resumptions of one stream at most: a server that closes every stream at once is not polled for ever. */
    static final int MAX_RESUMPTIONS = 50;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NOT_COPIED = Set.of("accept", "content-type", "content-length", "last-event-id",
            "host", "connection", "expect", "upgrade");

    private final HttpClient delegate;

    private ResumingHttpClient(HttpClient delegate) {
        this.delegate = delegate;
    }

    /** A builder for the SDK ({@code HttpClientStreamableHttpTransport.Builder.clientBuilder}) whose client resumes streams. */
    static HttpClient.Builder builder(HttpClient.Builder real) {
        return new Builder(real);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return delegate.sendAsync(request, resuming(request, handler));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> push) {
        return delegate.sendAsync(request, resuming(request, handler), push);
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
        return delegate.send(request, resuming(request, handler));
    }

    private <T> HttpResponse.BodyHandler<T> resuming(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        if (!request.method().equals("POST") && !request.method().equals("GET")) return handler;
        return info -> {
            var body = handler.apply(info);
            var type = info.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
            return info.statusCode() == 200 && type.startsWith("text/event-stream") ? new Spliced<>(request, body) : body;
        };
    }

    /** The GET that resumes a stream: the original request's headers (session, protocol version, token) and Last-Event-ID. */
    static HttpRequest resumption(HttpRequest original, String lastEventId) {
        var b = HttpRequest.newBuilder(original.uri()).GET();
        original.headers().map().forEach((name, values) -> {
            if (!NOT_COPIED.contains(name.toLowerCase(Locale.ROOT))) values.forEach(v -> b.header(name, v));
        });
        return b.header("Accept", "text/event-stream").header("Last-Event-ID", lastEventId).build();
    }

    /**
     * The body subscriber the SDK reads, fed by the original stream and then by each resumption. It watches the
     * events go by for their ids, {@code retry:} and whether the response has come.
     */
    private final class Spliced<T> implements HttpResponse.BodySubscriber<T> {
        private final HttpRequest original;
        private final HttpResponse.BodySubscriber<T> inner;
        private final boolean post;
        private final AtomicLong demand = new AtomicLong();
        private volatile Flow.Subscription current;
        private volatile boolean cancelled;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final StringBuilder data = new StringBuilder();
        private String lastEventId;
        private Duration retry = DEFAULT_RETRY;
        private boolean answered;
        private int resumptions;
        private int lastByte = '\n';
        private int beforeLast = '\n';

        Spliced(HttpRequest original, HttpResponse.BodySubscriber<T> inner) {
            this.original = original;
            this.inner = inner;
            this.post = original.method().equals("POST");
        }

        @Override
        public CompletionStage<T> getBody() {
            return inner.getBody();
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            current = subscription;
            inner.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    if (n > 0) demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                    current.request(n);
                }

                @Override
                public void cancel() {
                    cancelled = true;
                    current.cancel();
                }
            });
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            demand.decrementAndGet();
            for (var b : items) scan(b.duplicate());
            inner.onNext(items);
        }

        @Override
        public void onError(Throwable e) {
            inner.onError(e); // a broken connection is the SDK's to report
        }

        @Override
        public void onComplete() {
            // A POST stream that answered is done; the GET stream and an unanswered POST are resumed, if the server said how.
            if (cancelled || lastEventId == null || (post && answered) || resumptions >= MAX_RESUMPTIONS) {
                inner.onComplete();
                return;
            }
            resumptions++;
            if (lastByte != '\n' || beforeLast != '\n') {
                // The stream stopped inside an event: end it, so that the resumed stream starts afresh.
                inner.onNext(List.of(ByteBuffer.wrap("\n\n".getBytes(StandardCharsets.US_ASCII))));
                lastByte = beforeLast = '\n';
            }
            var request = resumption(original, lastEventId);
            CompletableFuture.delayedExecutor(retry.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
                if (cancelled) {
                    inner.onComplete();
                    return;
                }
                delegate.sendAsync(request, info -> {
                    var type = info.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
                    if (info.statusCode() == 200 && type.startsWith("text/event-stream")) return new Continuation();
                    return HttpResponse.BodySubscribers.replacing(null); // the server cannot resume: the stream ends here
                }).whenComplete((response, error) -> {
                    if (error != null || response.statusCode() != 200 || response.body() == null) inner.onComplete();
                });
            });
        }

        /** One resumed stream: its bytes go to the SDK's subscriber as if the first stream had gone on. */
        private final class Continuation implements HttpResponse.BodySubscriber<Boolean> {
            @Override
            public CompletionStage<Boolean> getBody() {
                return CompletableFuture.completedStage(Boolean.TRUE);
            }

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                current = subscription;
                if (cancelled) {
                    subscription.cancel();
                    inner.onComplete();
                    return;
                }
                long d = demand.get();
                if (d > 0) subscription.request(d);
            }

            @Override public void onNext(List<ByteBuffer> items) { Spliced.this.onNext(items); }
            @Override public void onError(Throwable e) { Spliced.this.onError(e); }
            @Override public void onComplete() { Spliced.this.onComplete(); }
        }

        /** Follows the SSE lines (WHATWG "event stream interpretation") for id, retry and data. */
        private void scan(ByteBuffer b) {
            while (b.hasRemaining()) {
                int c = b.get() & 0xff;
                beforeLast = lastByte;
                lastByte = c;
                if (c == '\r') continue; // CRLF: the LF ends the line
                if (c != '\n') {
                    line.write(c);
                    continue;
                }
                var text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                if (text.isEmpty()) {
                    dispatch();
                    continue;
                }
                int colon = text.indexOf(':');
                var field = colon < 0 ? text : text.substring(0, colon);
                var value = colon < 0 ? "" : text.substring(colon + 1).replaceFirst("^ ", "");
                switch (field) {
                    case "id" -> { if (!value.contains("\0")) lastEventId = value; }
                    case "retry" -> { if (value.matches("\\d{1,9}")) retry = Duration.ofMillis(Long.parseLong(value)); }
                    case "data" -> data.append(data.isEmpty() ? "" : "\n").append(value);
                    default -> { }
                }
            }
        }

        private void dispatch() {
            if (data.isEmpty()) return;
            try {
                JsonNode m = JSON.readTree(data.toString());
                if (m != null && m.has("id") && !m.has("method") && (m.has("result") || m.has("error"))) answered = true;
            } catch (IOException notJson) {
                // the SDK reports it
            }
            data.setLength(0);
        }
    }

    @Override public Optional<CookieHandler> cookieHandler() { return delegate.cookieHandler(); }
    @Override public Optional<Duration> connectTimeout() { return delegate.connectTimeout(); }
    @Override public Redirect followRedirects() { return delegate.followRedirects(); }
    @Override public Optional<ProxySelector> proxy() { return delegate.proxy(); }
    @Override public SSLContext sslContext() { return delegate.sslContext(); }
    @Override public SSLParameters sslParameters() { return delegate.sslParameters(); }
    @Override public Optional<Authenticator> authenticator() { return delegate.authenticator(); }
    @Override public Version version() { return delegate.version(); }
    @Override public Optional<Executor> executor() { return delegate.executor(); }
    @Override public void shutdown() { delegate.shutdown(); }
    @Override public void shutdownNow() { delegate.shutdownNow(); }
    @Override public boolean awaitTermination(Duration d) throws InterruptedException { return delegate.awaitTermination(d); }
    @Override public boolean isTerminated() { return delegate.isTerminated(); }
    @Override public void close() { delegate.close(); }

    private record Builder(HttpClient.Builder real) implements HttpClient.Builder {
        @Override public HttpClient.Builder cookieHandler(CookieHandler h) { real.cookieHandler(h); return this; }
        @Override public HttpClient.Builder connectTimeout(Duration d) { real.connectTimeout(d); return this; }
        @Override public HttpClient.Builder sslContext(SSLContext c) { real.sslContext(c); return this; }
        @Override public HttpClient.Builder sslParameters(SSLParameters p) { real.sslParameters(p); return this; }
        @Override public HttpClient.Builder executor(Executor e) { real.executor(e); return this; }
        @Override public HttpClient.Builder followRedirects(Redirect r) { real.followRedirects(r); return this; }
        @Override public HttpClient.Builder version(Version v) { real.version(v); return this; }
        @Override public HttpClient.Builder priority(int p) { real.priority(p); return this; }
        @Override public HttpClient.Builder proxy(ProxySelector p) { real.proxy(p); return this; }
        @Override public HttpClient.Builder authenticator(Authenticator a) { real.authenticator(a); return this; }
        @Override public HttpClient.Builder localAddress(InetAddress a) { real.localAddress(a); return this; }
        @Override public HttpClient build() { return new ResumingHttpClient(real.build()); }
    }
}
