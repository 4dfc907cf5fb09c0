package ai.apprentice.mcp;

import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.regex.Pattern;

/**
 * The SSE streams of each session, for resumption (2025-11-25, "Resumability and Redelivery"): every event gets an id
 * {@code <stream>-<sequence>}, unique in its session, and each stream keeps its last messages, so that a client that
 * comes back with {@code Last-Event-ID} gets the messages of that stream it has not had, each once.
 * <p>
 * A stream outlives its HTTP response: what the SDK writes on it is numbered and kept whether or not a client is
 * connected ({@link Sink}), and a resumed response becomes the stream's sink. The SDK never learns of a broken
 * connection, so it goes on sending into the stream, and the messages wait there for the client.
 * <p>
 * Bounds: each stream keeps its last {@link #MAX_MESSAGES} messages and at most {@link #MAX_CHARS} characters of them
 * (the newest is always kept); a session its last {@link #MAX_STREAMS} streams (ended ones are dropped first), and
 * once its streams keep more than {@link #MAX_SESSION_CHARS} characters its ended streams go, oldest first; the
 * registry keeps the last {@link #MAX_SESSIONS} sessions that were used. A cursor older than what is kept is refused
 * (410), never resumed with a gap.
 */
final class SseStreams {
    static final int MAX_MESSAGES = 1000;
    static final int MAX_CHARS = 1 << 20;
    static final int MAX_STREAMS = 16;
    static final int MAX_SESSIONS = 256;
    static final int MAX_SESSION_CHARS = 4 << 20;
    private static final int MAX_FORGOTTEN = 10_000;
    private static final Pattern ID = Pattern.compile("(\\d{1,9})-(\\d{1,18})");

    private final int maxMessages;
    private final int maxChars;
    private final int maxStreams;
    private final int maxSessions;
    private final long maxSessionChars;
    private final int retryMs;
    /** By last use, oldest first. Guarded by this. */
    private final LinkedHashMap<String, Session> sessions = new LinkedHashMap<>(16, 0.75f, true);
    /**
     * Sessions dropped for room while they may still live in the SDK, with the number their next stream takes: their
     * cursors are expired, not unknown, and a session that comes back goes on numbering where it was, so that no id
     * names two events. Oldest first.
     */
    private final LinkedHashMap<String, Integer> forgotten = new LinkedHashMap<>();

    SseStreams(int retryMs) {
        this(retryMs, MAX_MESSAGES, MAX_CHARS, MAX_STREAMS, MAX_SESSIONS, MAX_SESSION_CHARS);
    }

    SseStreams(int retryMs, int maxMessages, int maxChars, int maxStreams, int maxSessions, long maxSessionChars) {
        this.maxSessionChars = maxSessionChars;
        this.retryMs = retryMs;
        this.maxMessages = maxMessages;
        this.maxChars = maxChars;
        this.maxStreams = maxStreams;
        this.maxSessions = maxSessions;
    }

    /**
     * The session's streams, made when first needed. Past {@link #MAX_SESSIONS} the least recently used session is
     * forgotten: its streams no longer resume, but those with a response open go on being written to.
     */
    synchronized Session open(String sessionId) {
        var s = sessions.get(sessionId);
        if (s != null) return s;
        var next = forgotten.remove(sessionId);
        s = new Session(sessionId, next == null ? 1 : next);
        sessions.put(sessionId, s);
        while (sessions.size() > maxSessions) {
            var oldest = sessions.entrySet().iterator().next();
            sessions.remove(oldest.getKey());
            forgotten.put(oldest.getKey(), oldest.getValue().nextStream());
            if (forgotten.size() > MAX_FORGOTTEN) forgotten.remove(forgotten.keySet().iterator().next());
        }
        return s;
    }

    /** The session is over (deleted, or unknown to the SDK): its streams end and are dropped. */
    void close(String sessionId) {
        Session s;
        synchronized (this) {
            s = sessions.remove(sessionId);
            forgotten.remove(sessionId);
        }
        if (s != null) s.end();
    }

    synchronized boolean knows(String sessionId) {
        return sessions.containsKey(sessionId);
    }

    /** What a {@code Last-Event-ID} leads to. */
    sealed interface Lookup permits Resume, Refusal, UnknownSession {}

    /** Resume {@code stream} after the event with sequence number {@code after}. */
    record Resume(Stream stream, long after) implements Lookup {}

    /** Not resumable: the HTTP status and why. */
    record Refusal(int status, String message) implements Lookup {}

    /** A session this registry never had: the SDK answers (404 if it does not know it either). */
    record UnknownSession() implements Lookup {}

    Lookup find(String sessionId, String lastEventId) {
        Session s;
        synchronized (this) {
            s = sessions.get(sessionId);
            if (s == null && forgotten.containsKey(sessionId)) {
                return new Refusal(410, "Gone: the events of this session are no longer kept (the server keeps the streams of its "
                        + maxSessions + " most recently used sessions); open a new stream with a GET without Last-Event-ID");
            }
        }
        if (s == null) return new UnknownSession();
        var m = ID.matcher(lastEventId.strip());
        if (!m.matches()) {
            return new Refusal(400, "Bad Request: Last-Event-ID '" + lastEventId + "' is not an event id of this server's streams "
                    + "(they look like 3-17: stream 3, event 17)");
        }
        return s.find(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)), lastEventId);
    }

    /** One session's streams. */
    final class Session {
        final String id;
        /** The first stream number of this session's streams here (later than 1 when it was forgotten and came back). */
        private final int firstStream;
        private int nextStream;
        /** In creation order. Guarded by this. */
        private final LinkedHashMap<Integer, Stream> streams = new LinkedHashMap<>();
        /** What the kept streams keep, in characters. Guarded by this. */
        private long keptChars;

        private Session(String id, int firstStream) {
            this.id = id;
            this.firstStream = firstStream;
            this.nextStream = firstStream;
        }

        private synchronized int nextStream() {
            return nextStream;
        }

        /** A new stream (a POST's response stream, or a GET's); its priming event goes to {@code sink}. */
        Stream start(boolean listening, Sink sink) {
            Stream stream;
            Stream dropped = null;
            synchronized (this) {
                stream = new Stream(this, nextStream++, listening);
                streams.put(stream.number, stream);
                if (streams.size() > maxStreams) {
                    dropped = streams.values().stream().filter(Stream::ended).findFirst().orElse(streams.values().iterator().next());
                    streams.remove(dropped.number);
                    keptChars -= dropped.keptChars();
                }
            }
            if (dropped != null) dropped.end();
            stream.prime(sink);
            return stream;
        }

        /** A stream keeps {@code delta} characters more (or fewer); past the session's budget its ended streams go. */
        private synchronized void account(Stream from, long delta) {
            if (!streams.containsKey(from.number)) return; // dropped already: no longer counted
            keptChars += delta;
            if (keptChars <= maxSessionChars) return;
            for (var it = streams.values().iterator(); it.hasNext() && keptChars > maxSessionChars; ) {
                var s = it.next();
                if (s.ended()) {
                    it.remove();
                    keptChars -= s.keptChars();
                }
            }
        }

        /** For tests. */
        synchronized long keptChars() {
            return keptChars;
        }

        private Lookup find(int number, long seq, String lastEventId) {
            Stream stream;
            synchronized (this) {
                if (number <= 0 || number >= nextStream) {
                    return new Refusal(400, "Bad Request: Last-Event-ID '" + lastEventId + "' names no stream of this session");
                }
                stream = streams.get(number);
            }
            if (stream == null && number < firstStream) {
                return new Refusal(410, "Gone: the events of stream " + number + " of this session are no longer kept (the server "
                        + "keeps the streams of its " + maxSessions + " most recently used sessions); open a new stream with a GET without Last-Event-ID");
            }
            if (stream == null) {
                return new Refusal(410, "Gone: stream " + number + " of this session is no longer kept (a session keeps its last "
                        + maxStreams + " streams, and drops its ended ones past " + (maxSessionChars >> 10) + " KiB); "
                        + "open a new stream with a GET without Last-Event-ID");
            }
            return stream.cursor(seq, lastEventId);
        }

        private void end() {
            java.util.List<Stream> all;
            synchronized (this) {
                all = java.util.List.copyOf(streams.values());
            }
            all.forEach(Stream::end);
        }
    }

    private record Event(long seq, String text) {}

    /**
     * One SSE stream: its events numbered, its last messages kept, and the response it is being written to now, if
     * any. Messages are written to the sink under the stream's lock, so a resumption's replay and the live messages
     * never interleave or repeat.
     */
    final class Stream {
        private final Session session;
        final int number;
        final boolean listening;
        /** The last sequence number given (priming events take one too). Guarded by this. */
        private long seq;
        /** The highest sequence number of a message no longer kept: a cursor below it would miss messages. */
        private long evictedUpTo;
        private final ArrayDeque<Event> kept = new ArrayDeque<>();
        private long keptChars;
        private Sink sink;
        private boolean ended;

        private Stream(Session session, int number, boolean listening) {
            this.session = session;
            this.number = number;
            this.listening = listening;
        }

        String id(long s) {
            return number + "-" + s;
        }

        synchronized boolean ended() {
            return ended;
        }

        /** A new stream's first event: an id and empty data, with the reconnection time. */
        private synchronized void prime(Sink s) {
            sink = s;
            deliver("id: " + id(++seq) + "\nretry: " + retryMs + "\ndata: \n\n");
        }

        private synchronized Lookup cursor(long after, String lastEventId) {
            if (after > seq) {
                return new Refusal(400, "Bad Request: Last-Event-ID '" + lastEventId + "' names no event of stream " + number
                        + " (its last is " + id(seq) + ")");
            }
            if (after < evictedUpTo) {
                return new Refusal(410, "Gone: the messages of stream " + number + " after " + lastEventId + " are no longer all kept "
                        + "(a stream keeps its last " + maxMessages + " messages, " + (maxChars >> 10) + " KiB at most); "
                        + "open a new stream with a GET without Last-Event-ID");
            }
            return new Resume(this, after);
        }

        /**
         * The stream goes on in {@code s}: first the reconnection time, then every kept message after {@code after},
         * then whatever comes. A sink this replaces gets nothing more (and is closed if it is ours). An ended stream's
         * sink is closed once the replay is written.
         */
        synchronized void resume(Sink s, long after) {
            if (sink != null && sink != s) sink.close();
            sink = s;
            deliver("retry: " + retryMs + "\n\n");
            for (var e : kept) {
                if (sink == null) return;
                if (e.seq > after) deliver("id: " + id(e.seq) + "\n" + e.text);
            }
            if (ended && sink != null) {
                sink.close();
                sink = null;
            }
        }

        /** A message the SDK sent on this stream: {@code text} is its SSE event without an id line. */
        void append(String text) {
            long delta;
            synchronized (this) {
                var e = new Event(++seq, text);
                kept.addLast(e);
                long before = keptChars;
                keptChars += text.length();
                while (kept.size() > 1 && (kept.size() > maxMessages || keptChars > maxChars)) {
                    var gone = kept.removeFirst();
                    keptChars -= gone.text.length();
                    evictedUpTo = gone.seq;
                }
                delta = keptChars - before;
                if (sink != null) deliver("id: " + id(e.seq) + "\n" + text);
            }
            session.account(this, delta); // outside this stream's lock: the session's lock comes first
        }

        synchronized long keptChars() {
            return keptChars;
        }

        /** No more messages will come (the POST was answered, or the session is over). */
        synchronized void end() {
            ended = true;
            if (sink != null) sink.close();
            sink = null;
        }

        /** The connection of {@code s} is gone: the stream waits for a resumption. */
        synchronized void detach(Sink s) {
            if (sink == s) sink = null;
        }

        private void deliver(String event) {
            if (!sink.write(event)) {
                sink.close();
                sink = null;
            }
        }

        /** For tests: the messages kept. */
        synchronized int keptCount() {
            return kept.size();
        }
    }

    /**
     * A response a stream is written to. {@code complete} ends a response we opened ourselves (a resumed POST stream);
     * the SDK's own responses are the SDK's to end, so theirs is null.
     */
    static final class Sink {
        private final PrintWriter out;
        private final Runnable complete;
        private boolean closed;

        Sink(PrintWriter out, Runnable complete) {
            this.out = out;
            this.complete = complete;
        }

        /** False once the connection is broken. */
        boolean write(String event) {
            if (closed) return false;
            try {
                out.write(event);
                out.flush();
                return !out.checkError();
            } catch (RuntimeException over) {
                return false; // the response is over
            }
        }

        void close() {
            if (closed) return;
            closed = true;
            if (complete != null) {
                try {
                    complete.run();
                } catch (RuntimeException alreadyOver) {
                    // the response ended already
                }
            }
        }
    }
}
