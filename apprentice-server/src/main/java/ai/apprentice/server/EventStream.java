package ai.apprentice.server;

import ai.apprentice.store.RunStore;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@code GET /api/runs/{id}/events}: a run's events as Server-Sent Events. Every stored event is sent once, in order,
 * with {@code id:} its number in the run, so a client that reconnects with {@code Last-Event-ID} (or {@code ?after=N})
 * gets exactly the events after the last one it saw. Text deltas and approval requests are sent live, without an id.
 * A comment line every heartbeat keeps proxies from closing an idle stream; the stream ends after {@code run_finished}.
 */
final class EventStream {
    private static final int PAGE = 500;
    private final RunStore store;
    private final RunEvents events;
    private final Duration heartbeat;

    /**
     * The newest stored events of a run that has streams, read once for all of them: without it every stream of a
     * run queried the store after every commit, and with 10 streams per run those reads held the store's one lock
     * so long that the runs' own writes queued behind them (see docs/PERFORMANCE.md, Server).
     */
    private static final class Tail {
        final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        final java.util.ArrayDeque<RunStore.StoredEvent> window = new java.util.ArrayDeque<>();
        /** The signal's stored-version read before the last query: everything committed before it is in the window. */
        long loadedAt = -1;
        int streams;
    }

    private final java.util.Map<String, Tail> tails = new java.util.concurrent.ConcurrentHashMap<>();

    EventStream(RunStore store, RunEvents events, Duration heartbeat) {
        this.store = store;
        this.events = events;
        this.heartbeat = heartbeat;
    }

    /**
     * The stored events after {@code after}, at most {@link #PAGE}, as fresh as a query made now: a stream that saw
     * version {@code seen} of the run's signal gets every event committed before that bump. Streams that are behind
     * the window (catching up) read the store themselves.
     */
    private java.util.List<RunStore.StoredEvent> after(String runId, Tail tail, long after, long seen, RunEvents.Subscription sub) {
        tail.lock.lock();
        try {
            if (tail.loadedAt < seen) {
                long version = sub.storedVersion(); // read before the query: every commit signalled up to it is in the rows
                long known = tail.window.isEmpty() ? 0 : tail.window.peekLast().seq();
                var rows = store.eventsAfter(runId, known, PAGE);
                tail.window.addAll(rows);
                while (tail.window.size() > PAGE) tail.window.pollFirst();
                tail.loadedAt = rows.size() < PAGE ? version : -1; // a full page: there may be more, read again next time
            }
            var first = tail.window.peekFirst();
            if (first == null) return java.util.List.of(); // the run has no stored events yet
            if (after >= first.seq() - 1) {
                var out = new java.util.ArrayList<RunStore.StoredEvent>();
                for (var e : tail.window) {
                    if (e.seq() > after) out.add(e);
                    if (out.size() == PAGE) break;
                }
                return out;
            }
        } finally {
            tail.lock.unlock();
        }
        return store.eventsAfter(runId, after, PAGE); // behind the window: catching up from the store
    }

    /**
     * Streams until run_finished is sent, the client goes away, or there is nothing after {@code after} and
     * {@code ended} says the run will write no more (it never began, or it is over: a client that already has
     * run_finished and reconnects, as EventSource does, is told so instead of being kept waiting).
     */
    void stream(Context ctx, String runId, long after, java.util.function.BooleanSupplier ended) throws IOException, InterruptedException {
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream;charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        // the servlet's own stream: Javalin's ctx.outputStream() (its compressing wrapper) ignores flush(), so events
        // would wait in Jetty's buffer until 32 KB piled up or the stream ended
        OutputStream out = res.getOutputStream();
        long last = after;
        var tail = tails.compute(runId, (k, t) -> {
            if (t == null) t = new Tail();
            t.streams++;
            return t;
        });
        try (var sub = events.subscribe(runId)) {
            write(out, "retry: 1000\n\n");
            while (true) {
                long version = sub.version();
                // live messages that came before these rows go first: the deltas of a step before its step_completed, and
                // none is lost when the rows end with run_finished (a fast run used to finish before they were sent)
                var early = new StringBuilder();
                drainLive(sub, early);
                // live messages (text deltas) move only the version: they wake the stream but need no read of the store
                var rows = after(runId, tail, last, sub.storedVersion(), sub);
                // what this wake-up sends goes out in one write and one flush: a flush per part cost a syscall each,
                // paid by every stream of the run at every event
                var sb = early;
                for (var e : rows) {
                    // every live message of a run is queued before its run_finished is stored: send them all before it
                    if ("run_finished".equals(e.type())) drainLive(sub, sb);
                    sb.append("id: ").append(e.seq()).append('\n').append("event: ").append(e.type()).append('\n')
                            .append("data: ").append(e.json()).append("\n\n");
                    last = e.seq();
                    if ("run_finished".equals(e.type())) {
                        write(out, sb.toString());
                        return;
                    }
                }
                if (rows.size() == PAGE) { // more to catch up on
                    write(out, sb.toString());
                    continue;
                }
                sub.goLive();
                drainLive(sub, sb);
                if (!sb.isEmpty()) write(out, sb.toString());
                if (rows.isEmpty() && ended.getAsBoolean()) {
                    // the run may have written its last events between the read above and the check: read once more
                    if (!store.eventsAfter(runId, last, 1).isEmpty()) {
                        stale(tail); // written where this process was not told (a worker on an engine): read the store again
                        continue;
                    }
                    write(out, "event: stream_end\ndata: {\"reason\":\"the run will not produce events\",\"last_event_id\":" + last + "}\n\n");
                    return;
                }
                if (!sub.await(version, heartbeat.toMillis())) {
                    write(out, ": keep-alive\n\n");
                    stale(tail); // a run on an engine stores its events from its workers: look again at each heartbeat
                }
            }
        } finally {
            tails.computeIfPresent(runId, (k, t) -> --t.streams == 0 ? null : t);
        }
    }

    /** The next read of the window goes to the store, whether or not this process was told of a commit. */
    private static void stale(Tail tail) {
        tail.lock.lock();
        try {
            tail.loadedAt = -1;
        } finally {
            tail.lock.unlock();
        }
    }

    private static void drainLive(RunEvents.Subscription sub, StringBuilder sb) {
        for (var m = sub.pollLive(); m != null; m = sub.pollLive()) sb.append("event: ").append(m.event()).append("\ndata: ").append(m.json()).append("\n\n");
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
