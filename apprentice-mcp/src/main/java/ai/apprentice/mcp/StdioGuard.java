package ai.apprentice.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * Stands between stdin and the SDK's stdio server. The SDK's reader stops for good at the first line that is not
 * JSON, and then never sees the end of input either; here each line is checked first, and one that is not a
 * JSON-RPC message is answered with a JSON-RPC error (-32700 parse error, -32600 invalid request, as JSON-RPC 2.0
 * section 5.1 names them) and not passed on; so is a completion request for what this server does not complete
 * (-32602, see {@link ServerFeatures#completionRefusal}). The end of input ends the server.
 */
final class StdioGuard {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_LINE = 16 * 1024 * 1024;

    private final InputStream in;
    private final LineOutput out;
    private final PipedInputStream toSdk = new PipedInputStream(1 << 16);
    private final PipedOutputStream feed;
    private final Cancellations cancellations;
    private final CountDownLatch ended = new CountDownLatch(1);
    private final java.util.function.Function<JsonNode, String> completionRefusal;

    /** @param completionRefusal why a completion/complete request's params name nothing completed here (null: they do) */
    StdioGuard(InputStream in, OutputStream out, Cancellations cancellations, java.util.function.Function<JsonNode, String> completionRefusal) throws IOException {
        this.completionRefusal = completionRefusal;
        this.in = in;
        this.out = new LineOutput(out);
        this.feed = new PipedOutputStream(toSdk);
        this.cancellations = cancellations;
    }

    InputStream sdkInput() {
        return toSdk;
    }

    OutputStream sdkOutput() {
        return out;
    }

    void start() {
        var t = new Thread(this::pump, "mcp-stdio-guard");
        t.setDaemon(true);
        t.start();
    }

    void awaitEnd() throws InterruptedException {
        ended.await();
    }

    private void pump() {
        try (var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) continue;
                var forward = check(line);
                if (forward != null) {
                    feed.write((forward + "\n").getBytes(StandardCharsets.UTF_8));
                    feed.flush();
                }
            }
        } catch (IOException e) {
            // stdin or the SDK's side broke: either way this server is done
        } finally {
            try {
                feed.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            ended.countDown();
        }
    }

    /** The line to pass on, or null when it was answered here. */
    private String check(String line) throws IOException {
        if (line.length() > MAX_LINE) {
            error(null, -32600, "Invalid Request: a message of " + line.length() + " characters is over the limit of " + MAX_LINE);
            return null;
        }
        JsonNode msg;
        try {
            msg = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            error(null, -32700, "Parse error: not JSON (column " + (loc == null ? "?" : loc.getColumnNr()) + "): " + e.getOriginalMessage());
            return null;
        }
        if (!(msg instanceof ObjectNode o) || !"2.0".equals(o.path("jsonrpc").asText(null))
                || !(o.has("method") || o.has("result") || o.has("error"))) {
            error(msg instanceof ObjectNode o2 ? o2.get("id") : null, -32600,
                    "Invalid Request: expected one JSON-RPC 2.0 object with \"jsonrpc\": \"2.0\" and a method (batches are not part of MCP)");
            return null;
        }
        var method = o.path("method").asText("");
        if (method.equals("notifications/cancelled")) {
            cancellations.cancel(Cancellations.key(null, o.path("params").path("requestId")));
        } else if (method.equals("tools/call") && o.hasNonNull("id") && o.get("params") instanceof ObjectNode params) {
            var meta = params.get("_meta") instanceof ObjectNode m ? m : params.putObject("_meta");
            meta.put(Cancellations.REQUEST_KEY, Cancellations.key(null, o.get("id")));
            return JSON.writeValueAsString(o);
        } else if (method.equals("completion/complete") && o.hasNonNull("id")) {
            var why = completionRefusal.apply(o.get("params"));
            if (why != null) {
                error(o.get("id"), -32602, why);
                return null;
            }
        }
        return line;
    }

    private void error(JsonNode id, int code, String message) throws IOException {
        var e = JSON.createObjectNode().put("jsonrpc", "2.0");
        e.set("id", id == null ? JSON.nullNode() : id);
        e.putObject("error").put("code", code).put("message", message);
        out.writeLine(JSON.writeValueAsBytes(e));
    }

    /** Whole lines only: the SDK's writes and ours never interleave within a line. */
    static final class LineOutput extends OutputStream {
        private final OutputStream out;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        LineOutput(OutputStream out) {
            this.out = out;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            partial.write(b);
            if (b == '\n') {
                partial.writeTo(out);
                partial.reset();
                out.flush();
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) write(b[i]);
        }

        @Override
        public synchronized void flush() throws IOException {
            out.flush();
        }

        /** A complete line of ours, written between two of the SDK's. */
        synchronized void writeLine(byte[] line) throws IOException {
            out.write(line);
            out.write('\n');
            out.flush();
        }
    }
}
