package ai.apprentice.channels;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A platform's long connection (DingTalk's Stream mode, Feishu's WebSocket mode): the platform is asked where to
 * connect, a WebSocket is opened there, and when it closes or fails a new one is opened in the background, waiting
 * longer after each failure (1 s, 2 s, ... 60 s), until {@link #close()}. Subclasses say where to connect and what a
 * frame means; connecting, reconnecting and sending one message at a time are here.
 */
public abstract class LongConnection implements AutoCloseable {
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    protected final HttpClient http;
    protected final PrintStream log;
    /** How log lines and errors name this connection, e.g. "dingtalk stream". */
    private final String name;
    private volatile boolean closed;
    private volatile WebSocket socket;
    private final Object sending = new Object();

    protected LongConnection(HttpClient http, PrintStream log, String name) {
        this.http = http;
        this.log = log;
        this.name = name;
    }

    /** Asks the platform where to connect now (URLs usually carry a one-time ticket, so this is asked each time). */
    protected abstract URI where() throws ChatException;

    /** A listener for a new socket; it hands closes and failures to {@link #lost} (see {@link Frames}). */
    protected abstract WebSocket.Listener listener();

    /** Connects once now (so a wrong secret is said at start), then keeps reconnecting until closed. */
    public void start() throws ChatException {
        socket = connect();
    }

    private WebSocket connect() throws ChatException {
        var uri = where();
        try {
            return http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(15)).buildAsync(uri, listener()).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new ChatException(name + ": the WebSocket to " + uri.getHost() + " could not be opened: " + e.getMessage(), e);
        }
    }

    /** The socket {@code lost} is gone (closed, failed, or the platform asked to move): connects anew in the background. */
    protected final void lost(WebSocket lost) {
        if (closed || socket != lost) return;
        socket = null;
        Thread.ofVirtual().name(name.replace(' ', '-') + "-reconnect").start(() -> {
            var wait = Duration.ofSeconds(1);
            while (!closed) {
                try {
                    var s = connect();
                    if (closed) s.abort();
                    else socket = s;
                    return;
                } catch (ChatException e) {
                    log.println(name + ": " + e.getMessage() + "; trying again in " + wait.toSeconds() + " s");
                }
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
                wait = wait.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait.multipliedBy(2);
            }
        });
    }

    /** Sends one message and waits for it: a WebSocket takes one message at a time, so sends wait for each other. */
    protected final void send(WebSocket ws, Function<WebSocket, CompletableFuture<WebSocket>> message, String what) {
        synchronized (sending) {
            try {
                message.apply(ws).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                if (!closed) log.println(name + ": could not send " + what + ": " + e.getMessage());
            }
        }
    }

    /** The current socket, null while reconnecting. */
    protected final WebSocket socket() {
        return socket;
    }

    protected final boolean closed() {
        return closed;
    }

    public boolean connected() {
        var s = socket;
        return s != null && !s.isInputClosed() && !s.isOutputClosed();
    }

    @Override
    public void close() {
        closed = true;
        var s = socket;
        if (s != null) s.abort();
    }

    /** The part of a listener every long connection shares: a close or a failure means "connect anew". */
    protected abstract class Frames implements WebSocket.Listener {
        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            lost(ws);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            if (!closed) log.println(name + ": the connection failed: " + error.getMessage());
            lost(ws);
        }
    }
}
