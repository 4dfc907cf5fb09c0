package ai.apprentice.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.spec.ProtocolVersions;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * What the streamable HTTP transport of the specification (2025-11-25, "Security Warning" and "Protocol Version
 * Header") and its authorization part ask of a server, in front of the SDK's servlet:
 * <ul>
 * <li>Host and Origin are checked (DNS rebinding): a page on another site cannot drive a server on loopback (403);</li>
 * <li>a bearer token is required when an authenticator is set; a 401 names the protected-resource metadata
 * (RFC 9728), which is served at {@code /.well-known/oauth-protected-resource[/mcp]};</li>
 * <li>an unsupported {@code MCP-Protocol-Version} is a 400, a POST that is not {@code application/json} a 415;</li>
 * <li>error bodies are JSON-RPC errors, never a serialised exception;</li>
 * <li>{@code notifications/cancelled} reaches the run it names (the SDK's classic server ignores it);</li>
 * <li>a completion request for a prompt, argument or template this server does not complete is invalid params;</li>
 * <li>SSE streams open with a priming event and {@code retry:}, their events carry ids of our own, unique in the
 * session ({@code <stream>-<sequence>}), and a GET with {@code Last-Event-ID} resumes the stream it names, POST's or
 * GET's, with the messages after it ({@link SseStreams}; the SDK keeps none).</li>
 * </ul>
 */
final class HttpGuard implements Filter {
    static final String METADATA_PATH = "/.well-known/oauth-protected-resource";
    static final List<String> VERSIONS = List.of(ProtocolVersions.MCP_2024_11_05, ProtocolVersions.MCP_2025_03_26,
            ProtocolVersions.MCP_2025_06_18, ProtocolVersions.MCP_2025_11_25);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 4 * 1024 * 1024;
    static final int RETRY_MS = 2000;

    private final String bindHost;
    private final IntSupplier port;
    private final McpAuthenticator authenticator;
    private final List<String> allowedOrigins;
    private final Cancellations cancellations;
    private final java.util.function.Function<JsonNode, String> completionRefusal;
    private final SseStreams streams = new SseStreams(RETRY_MS);

    HttpGuard(String bindHost, IntSupplier port, McpAuthenticator authenticator, List<String> allowedOrigins, Cancellations cancellations,
              java.util.function.Function<JsonNode, String> completionRefusal) {
        this.completionRefusal = completionRefusal;
        this.bindHost = bindHost;
        this.port = port;
        this.authenticator = authenticator;
        this.allowedOrigins = List.copyOf(allowedOrigins);
        this.cancellations = cancellations;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        var request = (HttpServletRequest) req;
        var response = (HttpServletResponse) res;
        var path = request.getRequestURI();
        if (!hostAllowed(request.getHeader("Host"))) {
            fail(response, 403, -32600, "Forbidden: Host '" + request.getHeader("Host") + "' is not this server's (DNS rebinding protection)");
            return;
        }
        var origin = request.getHeader("Origin");
        if (origin != null && !originAllowed(origin)) {
            fail(response, 403, -32600, "Forbidden: Origin '" + origin + "' may not use this server; allow it with --allow-origin");
            return;
        }
        if (path.equals(METADATA_PATH) || path.equals(METADATA_PATH + "/mcp")) {
            metadata(request, response);
            return;
        }
        if (!path.equals("/mcp")) {
            fail(response, 404, -32601, "Not found: the MCP endpoint is /mcp");
            return;
        }
        if (authenticator != null && !authenticated(request, response)) return;
        var version = request.getHeader("MCP-Protocol-Version");
        if (version != null && !VERSIONS.contains(version)) {
            fail(response, 400, -32600, "Bad Request: unsupported MCP-Protocol-Version '" + version + "'; supported: " + String.join(", ", VERSIONS));
            return;
        }
        if (request.getMethod().equals("POST")) {
            var type = request.getContentType();
            if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                fail(response, 415, -32600, "Unsupported Media Type: a POST to /mcp carries application/json, not " + type);
                return;
            }
            var body = request.getInputStream().readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                fail(response, 413, -32600, "Payload Too Large: a message may be at most " + MAX_BODY + " bytes");
                return;
            }
            if (refusedCompletion(body, request.getHeader("Mcp-Session-Id"), response)) return;
            request = new Body(request, rewrite(body, request.getHeader("Mcp-Session-Id")));
        }
        var session = request.getHeader("Mcp-Session-Id");
        var method = request.getMethod();
        SseStreams.Resume resume = null;
        var lastEventId = request.getHeader("Last-Event-ID");
        if (method.equals("GET") && session != null && lastEventId != null) {
            switch (streams.find(session, lastEventId)) {
                case SseStreams.Refusal r -> {
                    fail(response, r.status(), -32600, r.message());
                    return;
                }
                case SseStreams.Resume r when !r.stream().listening -> {
                    resumePostStream(request, response, r);
                    return;
                }
                case SseStreams.Resume r -> resume = r; // the GET stream: the SDK makes this response its listening stream again
                case SseStreams.UnknownSession u -> { } // the SDK answers 404
            }
        }
        var cleaned = new CleanErrors(response, session, method.equals("GET"), resume);
        try {
            chain.doFilter(request, cleaned);
            cleaned.finish();
        } finally {
            // A POST's stream is over once the SDK returns: it answers the request before that.
            if (method.equals("POST") && cleaned.stream != null) cleaned.stream.end();
        }
        if (session != null && (cleaned.status == 404 || (method.equals("DELETE") && cleaned.status < 400))) streams.close(session);
        var created = cleaned.getHeader("Mcp-Session-Id");
        if (session == null && created != null && cleaned.status < 400) streams.open(created);
    }

    /**
     * A GET with the Last-Event-ID of a POST's stream: this response carries that stream on, with what it kept after
     * that id, then what the SDK still sends on it (its response last), and ends with it. The SDK cannot serve it: to
     * the SDK a GET opens the session's listening stream.
     */
    private void resumePostStream(HttpServletRequest request, HttpServletResponse response, SseStreams.Resume resume) throws IOException {
        var accept = request.getHeader("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            fail(response, 400, -32600, "Bad Request: resuming a stream needs 'Accept: text/event-stream'");
            return;
        }
        response.setStatus(200);
        response.setContentType("text/event-stream");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache, no-transform");
        response.setHeader("X-Accel-Buffering", "no");
        var async = request.startAsync();
        async.setTimeout(0);
        var sink = new SseStreams.Sink(response.getWriter(), async::complete);
        async.addListener(new jakarta.servlet.AsyncListener() {
            @Override public void onComplete(jakarta.servlet.AsyncEvent e) { resume.stream().detach(sink); }
            @Override public void onTimeout(jakarta.servlet.AsyncEvent e) { resume.stream().detach(sink); }
            @Override public void onError(jakarta.servlet.AsyncEvent e) { resume.stream().detach(sink); }
            @Override public void onStartAsync(jakarta.servlet.AsyncEvent e) { }
        });
        resume.stream().resume(sink, resume.after());
    }

    private boolean hostAllowed(String host) {
        if (host == null) return false;
        int p = port.getAsInt();
        var h = host.toLowerCase(Locale.ROOT);
        if (!loopback(bindHost)) return true; // bound for other machines: names are the operator's; the token guards it
        return Set.of("127.0.0.1:" + p, "localhost:" + p, "[::1]:" + p).contains(h);
    }

    private boolean originAllowed(String origin) {
        if (allowedOrigins.contains(origin) || allowedOrigins.contains("*")) return true;
        try {
            var u = URI.create(origin);
            return (u.getScheme().equals("http") || u.getScheme().equals("https")) && loopback(u.getHost())
                    && u.getPort() == port.getAsInt() && loopback(bindHost);
        } catch (RuntimeException e) {
            return false;
        }
    }

    static boolean loopback(String host) {
        return host != null && Set.of("127.0.0.1", "localhost", "::1", "[::1]").contains(host.toLowerCase(Locale.ROOT));
    }

    private String resource(HttpServletRequest request) {
        return request.getScheme() + "://" + request.getHeader("Host") + "/mcp";
    }

    private boolean authenticated(HttpServletRequest request, HttpServletResponse response) throws IOException {
        var header = request.getHeader("Authorization");
        var metadata = request.getScheme() + "://" + request.getHeader("Host") + METADATA_PATH + "/mcp";
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            response.setHeader("WWW-Authenticate", "Bearer resource_metadata=\"" + metadata + "\"");
            fail(response, 401, -32001, "Unauthorized: this MCP server needs 'Authorization: Bearer <token>'; "
                    + "create a token with: apprentice serve token create --name NAME");
            return false;
        }
        if (authenticator.authenticate(header.substring(7).strip()).isEmpty()) {
            response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\", resource_metadata=\"" + metadata + "\"");
            fail(response, 401, -32001, "Unauthorized: the bearer token is not valid (unknown or revoked)");
            return false;
        }
        return true;
    }

    /** RFC 9728 protected-resource metadata. Tokens are made with the CLI, so no authorization server is named. */
    private void metadata(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (authenticator == null) {
            fail(response, 404, -32601, "Not found: this server was started without authentication");
            return;
        }
        var m = JSON.createObjectNode().put("resource", resource(request)).put("resource_name", "apprentice MCP server");
        m.putArray("bearer_methods_supported").add("header");
        m.putArray("authorization_servers");
        m.put("resource_documentation", "Tokens are created with 'apprentice serve token create --name NAME'.");
        response.setStatus(200);
        response.setContentType("application/json");
        response.getOutputStream().write(JSON.writeValueAsBytes(m));
    }

    /** Marks each tools/call with its session and id, and passes a cancellation to the run it names. */
    private byte[] rewrite(byte[] body, String session) {
        JsonNode msg;
        try {
            msg = JSON.readTree(body);
        } catch (IOException e) {
            return body; // the SDK answers a parse error
        }
        if (!(msg instanceof ObjectNode o)) return body;
        var method = o.path("method").asText("");
        if (method.equals("notifications/cancelled")) {
            cancellations.cancel(Cancellations.key(session, o.path("params").path("requestId")));
            return body;
        }
        if (method.equals("tools/call") && o.hasNonNull("id") && o.get("params") instanceof ObjectNode params) {
            var meta = params.get("_meta") instanceof ObjectNode m ? m : params.putObject("_meta");
            meta.put(Cancellations.REQUEST_KEY, Cancellations.key(session, o.get("id")));
            try {
                return JSON.writeValueAsBytes(o);
            } catch (IOException e) {
                return body;
            }
        }
        return body;
    }

    /**
     * Answers, in a session, a completion request for what this server does not complete: invalid params (-32602)
     * as the JSON-RPC response (see {@link ServerFeatures#completionRefusal}); true when it did.
     */
    private boolean refusedCompletion(byte[] body, String session, HttpServletResponse response) throws IOException {
        if (session == null) return false; // the SDK refuses a request outside a session
        JsonNode msg;
        try {
            msg = JSON.readTree(body);
        } catch (IOException e) {
            return false;
        }
        if (!(msg instanceof ObjectNode o) || !o.path("method").asText("").equals("completion/complete") || !o.hasNonNull("id")) return false;
        var why = completionRefusal.apply(o.get("params"));
        if (why == null) return false;
        response.setStatus(200);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        var e = JSON.createObjectNode().put("jsonrpc", "2.0");
        e.set("id", o.get("id"));
        e.putObject("error").put("code", -32602).put("message", why);
        response.getOutputStream().write(JSON.writeValueAsBytes(e));
        return true;
    }

    static void fail(HttpServletResponse response, int status, int code, String message) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        var e = JSON.createObjectNode().put("jsonrpc", "2.0").putNull("id");
        e.putObject("error").put("code", code).put("message", message);
        response.getOutputStream().write(JSON.writeValueAsBytes(e));
    }

    /** The request with its body read already (and perhaps rewritten). */
    private static final class Body extends HttpServletRequestWrapper {
        private final byte[] body;

        Body(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            var in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override public int read() { return in.read(); }
                @Override public int read(byte[] b, int off, int len) { return in.read(b, off, len); }
                @Override public boolean isFinished() { return in.available() == 0; }
                @Override public boolean isReady() { return true; }
                @Override public void setReadListener(ReadListener l) { throw new UnsupportedOperationException("blocking reads only"); }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }

    /**
     * Holds back what the SDK writes with an error status (its McpError serialised, stack trace and all) and writes
     * a JSON-RPC error with the same status and message instead.
     */
    private final class CleanErrors extends HttpServletResponseWrapper {
        private ByteArrayOutputStream held;
        private PrintWriter heldWriter;
        private int status = 200;
        private final String session;
        private final boolean listening;
        private final SseStreams.Resume resume;
        /** The stream this response carries, once it is known to be an SSE response. */
        private volatile SseStreams.Stream stream;
        private SdkWriter sdkWriter;

        CleanErrors(HttpServletResponse response, String session, boolean listening, SseStreams.Resume resume) {
            super(response);
            this.session = session;
            this.listening = listening;
            this.resume = resume;
        }

        /**
         * The SDK flushes an SSE response's headers once and then writes nothing until it has a message. The
         * specification (2025-11-25, "Sending Messages to the Server" and "Resumability") asks for a priming event
         * first: an event id and empty data, with {@code retry:} saying how long a client waits before it reconnects.
         * Here the response becomes a stream of {@link SseStreams}: a new one, primed, or the one its Last-Event-ID
         * resumes, whose kept messages after that id are written first.
         */
        @Override
        public void flushBuffer() throws IOException {
            var type = getContentType();
            if (stream == null && status < 400 && session != null && type != null && type.startsWith("text/event-stream")) {
                var sink = new SseStreams.Sink(super.getWriter(), null);
                if (resume != null) {
                    resume.stream().resume(sink, resume.after());
                    stream = resume.stream();
                } else {
                    stream = streams.open(session).start(listening, sink);
                }
            }
            super.flushBuffer();
        }

        @Override
        public void setStatus(int sc) {
            status = sc;
            super.setStatus(sc);
        }

        @Override
        public void sendError(int sc, String msg) throws IOException {
            status = sc;
            fail((HttpServletResponse) getResponse(), sc, -32600, msg == null ? "HTTP " + sc : msg);
        }

        @Override
        public void sendError(int sc) throws IOException {
            sendError(sc, null);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            if (status < 400) return super.getOutputStream();
            if (held == null) held = new ByteArrayOutputStream();
            return new ServletOutputStream() {
                @Override public void write(int b) { held.write(b); }
                @Override public boolean isReady() { return true; }
                @Override public void setWriteListener(WriteListener l) { throw new UnsupportedOperationException(); }
            };
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            if (status < 400) {
                if (sdkWriter == null) sdkWriter = new SdkWriter(super.getWriter());
                return sdkWriter;
            }
            if (heldWriter == null) heldWriter = new PrintWriter(new java.io.OutputStreamWriter(getOutputStream(), StandardCharsets.UTF_8), true);
            return heldWriter;
        }

        /**
         * The writer the SDK writes its responses with. Until the response is an SSE stream it is the container's;
         * then each event the SDK writes (its id being the SDK's) is handed to the stream, which numbers it, keeps
         * it and writes it on to whichever response carries the stream now. The SDK is never told of a broken
         * connection: the stream keeps its messages for the client's return.
         */
        private final class SdkWriter extends PrintWriter {
            private final PrintWriter real;

            SdkWriter(PrintWriter real) {
                super(new Router(real));
                this.real = real;
            }

            @Override
            public boolean checkError() {
                return super.checkError() || (stream == null && real.checkError());
            }
        }

        /** Passes writes to the container's writer, or, once this is a stream, cuts them into events for it. */
        private final class Router extends java.io.Writer {
            private final PrintWriter real;
            private final StringBuilder pending = new StringBuilder();

            Router(PrintWriter real) {
                this.real = real;
            }

            @Override
            public void write(char[] c, int off, int len) {
                if (stream == null) real.write(c, off, len);
                else pending.append(c, off, len);
            }

            @Override
            public void flush() {
                var s = stream;
                if (s == null) {
                    real.flush();
                    return;
                }
                int end;
                while ((end = pending.indexOf("\n\n")) >= 0) {
                    var event = pending.substring(0, end);
                    pending.delete(0, end + 2);
                    var text = new StringBuilder();
                    for (var line : event.split("\n", -1)) {
                        if (!line.isEmpty() && !line.startsWith("id:")) text.append(line).append('\n');
                    }
                    if (!text.isEmpty()) s.append(text.append('\n').toString());
                }
            }

            @Override
            public void close() {
                flush();
                if (stream == null) real.close();
            }
        }

        void finish() throws IOException {
            if (heldWriter != null) heldWriter.flush();
            if (held == null) return;
            String message = "HTTP " + status;
            int code = -32600;
            try {
                var e = JSON.readTree(held.toByteArray());
                var rpc = e.path("jsonRpcError");
                if (rpc.isObject()) {
                    code = rpc.path("code").asInt(code);
                    message = rpc.path("message").asText(message);
                } else if (e.path("error").isObject()) {
                    code = e.path("error").path("code").asInt(code);
                    message = e.path("error").path("message").asText(message);
                } else if (e.hasNonNull("message")) {
                    message = e.get("message").asText();
                }
            } catch (IOException notJson) {
                // keep the plain status message
            }
            ((HttpServletResponse) getResponse()).resetBuffer();
            fail((HttpServletResponse) getResponse(), status, code, message);
        }
    }
}
