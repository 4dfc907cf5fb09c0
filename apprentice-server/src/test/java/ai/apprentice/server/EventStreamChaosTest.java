package ai.apprentice.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that drops its connection at random points (mid-event included) 1,000 times, and reconnects each time
 * with {@code Last-Event-ID} = the last complete event it got, receives every stored event exactly once, in order.
 * The run needs a person's approval for each of its 40 tool calls and the test gives one only every few reconnects,
 * so that hundreds of the reconnects happen while the run is live whatever the machine's speed.
 */
class EventStreamChaosTest {
    @TempDir Path home;
    @TempDir Path root;

    static final int STEPS = 40;
    static final int CONNECTIONS = 1000;
    static final int RECONNECTS_PER_APPROVAL = 8;

    static String script() {
        var sb = new StringBuilder();
        for (int i = 0; i < STEPS; i++) {
            sb.append("{\"delay_ms\": 5, \"text\": \"Writing file number ").append(i).append(" now.\", \"tool_calls\": [{\"name\": \"write_file\", ")
                    .append("\"arguments\": {\"path\": \"f").append(i).append(".txt\", \"content\": \"").append("x".repeat(i * 7)).append("\"}}]}\n");
        }
        sb.append("{\"text\": \"All ").append(STEPS).append(" files written.\"}\n");
        return sb.toString();
    }

    @Test
    void aClientThatDisconnectsAtRandom1000TimesGetsEveryEventExactlyOnceInOrder() throws Exception {
        try (var s = new TestServer(home, root, script(), Map.of("approve", "ask", "max_steps", 100))) {
            var id = s.post("/api/runs", "{\"task\": \"write " + STEPS + " files\"}").json().path("id").asText();
            var rnd = new Random(20240515L);
            var sessions = new ArrayList<List<SseParser.Event>>();
            var current = new ArrayList<SseParser.Event>();
            int liveReconnects = -1; // connections made before run_finished was first received
            int cutMidEvent = 0;
            int approved = 0;
            long started = System.nanoTime();
            for (int n = 0; n < CONNECTIONS; n++) {
                long last = current.isEmpty() ? 0 : current.getLast().id();
                var cut = new Cut(rnd.nextInt(10) == 0 ? 0 : rnd.nextInt(2500), 1 + rnd.nextInt(30), rnd.nextBoolean());
                var got = connect(s, id, last == 0 ? null : String.valueOf(last), cut);
                if (got.partial) cutMidEvent++;
                for (var e : got.events) {
                    if (e.id() == null) continue; // live messages (deltas, approvals) carry no id and are not replayed
                    assertThat(e.id()).as("connection %d resumed after %d: the next stored event, no gap and no repeat", n, last)
                            .isEqualTo(last + 1);
                    current.add(e);
                    last = e.id();
                    if (e.type().equals("run_finished")) {
                        if (liveReconnects < 0) liveReconnects = n + 1;
                        sessions.add(List.copyOf(current));
                        current.clear();
                        last = 0; // the next connection is a new client, reading the finished run from the start
                        break;
                    }
                }
                if (liveReconnects < 0 && n % RECONNECTS_PER_APPROVAL == RECONNECTS_PER_APPROVAL - 1) {
                    var pending = s.get("/api/approvals?run=" + id).json().path("approvals");
                    for (var p : pending) {
                        assertThat(s.post("/api/approvals/" + p.path("id").asText(), "{\"allow\": true}").status()).isEqualTo(200);
                        approved++;
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            // the client that was mid-way when the 1,000 ran out finishes without cuts
            if (!current.isEmpty() || sessions.isEmpty()) {
                var rest = connect(s, id, current.isEmpty() ? null : String.valueOf(current.getLast().id()), Cut.NONE);
                for (var e : rest.events) if (e.id() != null) current.add(e);
                sessions.add(List.copyOf(current));
            }

            var stored = s.get("/api/runs/" + id + "?events=true").json();
            assertThat(stored.path("status").asText()).isEqualTo("succeeded");
            assertThat(stored.path("steps").asInt()).isEqualTo(STEPS + 1);
            var events = stored.path("events");
            assertThat(events.size()).isGreaterThan(STEPS * 4);
            for (var session : sessions) {
                assertThat(session).as("every stored event once, in order").hasSize(events.size());
                for (int i = 0; i < session.size(); i++) {
                    var e = session.get(i);
                    assertThat(e.id()).isEqualTo(i + 1L);
                    assertThat(e.type()).isEqualTo(events.get(i).path("type").asText());
                    assertThat(Json.tree(e.data())).as("event %d as stored", i + 1).isEqualTo(events.get(i));
                }
            }
            assertThat(approved).isEqualTo(STEPS);
            assertThat(liveReconnects).as("connections made while the run was live").isGreaterThanOrEqualTo(RECONNECTS_PER_APPROVAL * (STEPS - 1));
            assertThat(cutMidEvent).as("connections dropped in the middle of an event").isGreaterThan(100);
            assertThat(sessions.size()).as("clients that read the whole run, reconnecting").isGreaterThan(2);

            // a client that already has run_finished and reconnects (EventSource does) is told the stream is over at once
            var after = connect(s, id, String.valueOf(events.size()), Cut.NONE);
            assertThat(after.ended).as("the stream ends instead of idling with keep-alives").isTrue();
            assertThat(after.events).extracting(SseParser.Event::type).containsExactly("stream_end");
            System.out.printf("chaos: %d connections in %.1f s, %d while live, %d cut mid-event, %d full replays%n",
                    CONNECTIONS, seconds, liveReconnects, cutMidEvent, sessions.size());
        }
    }

    /** Where a connection is dropped: after {@code bytes} bytes of the body, or after {@code idleMillis} without any; {@code reset} sends a TCP RST. */
    record Cut(int bytes, int idleMillis, boolean reset) {
        static final Cut NONE = new Cut(Integer.MAX_VALUE, 10_000, false);
    }

    /** What one connection got: its complete events, whether it was dropped inside one, and whether the server ended the stream. */
    record Got(List<SseParser.Event> events, boolean partial, boolean ended) {}

    /** One connection over a raw socket (so that it can be dropped at any byte), decoding chunked transfer by hand. */
    static Got connect(TestServer s, String runId, String lastEventId, Cut cut) throws IOException {
        var parser = new SseParser();
        boolean ended = false;
        var socket = new Socket("127.0.0.1", s.server.port());
        try {
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            var req = "GET /api/runs/" + runId + "/events HTTP/1.1\r\nHost: 127.0.0.1:" + s.server.port() + "\r\nAuthorization: Bearer "
                    + TestServer.TOKEN + "\r\nAccept: text/event-stream\r\n" + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n")
                    + "Connection: close\r\n\r\n";
            out.write(req.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            var in = new BufferedInputStream(socket.getInputStream());
            socket.setSoTimeout(10_000);
            var head = headers(in);
            assertThat(head).startsWith("HTTP/1.1 200");
            assertThat(head.toLowerCase()).contains("content-type: text/event-stream");
            boolean chunked = head.toLowerCase().contains("transfer-encoding: chunked");
            socket.setSoTimeout(cut.idleMillis());
            int budget = cut.bytes();
            var buf = new byte[512];
            try {
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (budget > 0) {
                    if (System.nanoTime() > deadline) throw new AssertionError("the stream after " + lastEventId + " did not end in 20 s");
                    int size = chunked ? chunkSize(in) : Integer.MAX_VALUE;
                    if (size == 0) {
                        ended = true;
                        break;
                    }
                    while (size > 0 && budget > 0) {
                        int r = in.read(buf, 0, Math.min(buf.length, Math.min(size, budget)));
                        if (r < 0) {
                            ended = true;
                            break;
                        }
                        parser.feed(buf, 0, r);
                        size -= chunked ? r : 0;
                        budget -= r;
                    }
                    if (ended) break;
                    if (chunked && size == 0) crlf(in);
                }
            } catch (SocketTimeoutException idle) {
                // dropped while the stream waits for news
            }
        } finally {
            if (cut.reset() && !ended) socket.setSoLinger(true, 0);
            socket.close();
        }
        return new Got(parser.events(), parser.partial(), ended);
    }

    private static String headers(InputStream in) throws IOException {
        var sb = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) throw new IOException("the server closed the connection inside the headers: " + sb);
            sb.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return sb.toString(StandardCharsets.US_ASCII);
    }

    private static int chunkSize(InputStream in) throws IOException {
        var line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) return 0;
            if (b != '\r') line.append((char) b);
        }
        var hex = line.toString();
        int semi = hex.indexOf(';');
        return Integer.parseInt((semi >= 0 ? hex.substring(0, semi) : hex).strip(), 16);
    }

    private static void crlf(InputStream in) throws IOException {
        int a = in.read();
        if (a == '\r') in.read();
    }

    // ---- the client's parser, and its edge: an event split across reads ----

    @Test
    void theParserGivesTheSameEventsHoweverTheBytesAreSplitAndNothingOfACutEvent() {
        var stream = "retry: 1000\r\n\r\n: keep-alive\n\nid: 1\nevent: run_started\ndata: {\"a\":1}\n\n"
                + "event: model_delta\ndata: {\"t\":\"h\u00e9llo \u2603\"}\r\n\r\n"
                + "id: 2\revent: step_completed\rdata: {\"b\":\r\rid: 3\nevent: x\ndata: line one\ndata: line two\n\n"
                + "id: 4\nevent: run_finished\ndata: {}\n\n";
        var bytes = stream.getBytes(StandardCharsets.UTF_8);
        var whole = new SseParser();
        whole.feed(bytes, 0, bytes.length);
        var expected = whole.events();
        assertThat(expected).extracting(SseParser.Event::type).containsExactly("run_started", "model_delta", "step_completed", "x", "run_finished");
        assertThat(expected.get(1).id()).as("a live message has no id of its own").isNull();
        assertThat(expected.get(1).data()).isEqualTo("{\"t\":\"h\u00e9llo \u2603\"}");
        assertThat(expected.get(3).data()).isEqualTo("line one\nline two");
        assertThat(whole.partial()).isFalse();

        var rnd = new Random(7);
        for (int trial = 0; trial < 2000; trial++) {
            var p = new SseParser();
            int at = 0;
            while (at < bytes.length) {
                int n = Math.min(bytes.length - at, 1 + rnd.nextInt(trial % 2 == 0 ? 3 : 40));
                p.feed(bytes, at, n);
                at += n;
            }
            assertThat(p.events()).as("split #%d", trial).isEqualTo(expected);
        }
        // cut after every byte: only events whose blank line arrived count, and a cut inside one says so
        for (int cut = 0; cut <= bytes.length; cut++) {
            var p = new SseParser();
            p.feed(bytes, 0, cut);
            var got = p.events();
            assertThat(got).isEqualTo(expected.subList(0, got.size()));
        }
    }

    /**
     * An incremental Server-Sent Events parser as the HTML standard describes it: lines end at CR, LF or CRLF (a CR
     * at the end of one read may be followed by the LF in the next), UTF-8 across reads, and an event is dispatched
     * only at its blank line. {@link Event#id} is the id given in that event (null for none).
     */
    static final class SseParser {
        record Event(Long id, String type, String data) {}

        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final List<Event> events = new ArrayList<>();
        private boolean lastWasCr;
        private String id;
        private String type;
        private StringBuilder data;
        private boolean inEvent;

        void feed(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                byte c = b[i];
                if (c == '\n' && lastWasCr) {
                    lastWasCr = false;
                    continue;
                }
                lastWasCr = c == '\r';
                if (c == '\r' || c == '\n') {
                    line(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                } else {
                    line.write(c);
                }
            }
        }

        private void line(String l) {
            if (l.isEmpty()) {
                if (data != null) events.add(new Event(id == null ? null : Long.parseLong(id), type == null ? "message" : type, data.toString()));
                id = null;
                type = null;
                data = null;
                inEvent = false;
                return;
            }
            if (l.startsWith(":")) return;
            int colon = l.indexOf(':');
            var field = colon < 0 ? l : l.substring(0, colon);
            var value = colon < 0 ? "" : l.substring(colon + 1);
            if (value.startsWith(" ")) value = value.substring(1);
            if (field.equals("id") || field.equals("event") || field.equals("data")) inEvent = true;
            switch (field) {
                case "id" -> id = value;
                case "event" -> type = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> { }
            }
        }

        List<Event> events() {
            return List.copyOf(events);
        }

        /** Whether the bytes so far end inside an event (some of its lines arrived, not its blank line). */
        boolean partial() {
            if (inEvent) return true;
            if (line.size() == 0) return false;
            var start = line.toString(StandardCharsets.UTF_8);
            return !start.startsWith(":") && !start.startsWith("r");
        }
    }
}
