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

    EventStream(RunStore store, RunEvents events, Duration heartbeat) {
        this.store = store;
        this.events = events;
        this.heartbeat = heartbeat;
    }

    /** Streams until run_finished is sent, the client goes away, or {@code ended} says the run will never have events. */
    void stream(Context ctx, String runId, long after, java.util.function.BooleanSupplier ended) throws IOException, InterruptedException {
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream;charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        // the servlet's own stream: Javalin's (compressing) one does not pass flush() on, and events must leave at once
        OutputStream out = res.getOutputStream();
        long last = after;
        try (var sub = events.subscribe(runId)) {
            write(out, "retry: 1000\n\n");
            while (true) {
                long version = sub.version();
                // asked before reading: if it had ended then, every event it will ever have is among the rows read next
                boolean over = ended.getAsBoolean();
                // live messages that came before these rows go first: the deltas of a step before its step_completed, and
                // none is lost when the rows end with run_finished (a fast run used to finish before they were sent)
                var early = new StringBuilder();
                drainLive(sub, early);
                var rows = store.eventsAfter(runId, last, PAGE);
                boolean finished = false;
                if (!early.isEmpty() && rows.isEmpty()) write(out, early.toString());
                if (!rows.isEmpty()) {
                    var sb = new StringBuilder(early);
                    for (var e : rows) {
                        // every live message of a run is queued before its run_finished is stored: send them all before it
                        if ("run_finished".equals(e.type())) drainLive(sub, sb);
                        sb.append("id: ").append(e.seq()).append('\n').append("event: ").append(e.type()).append('\n')
                                .append("data: ").append(e.json()).append("\n\n");
                        last = e.seq();
                        if ("run_finished".equals(e.type())) {
                            finished = true;
                            break;
                        }
                    }
                    write(out, sb.toString());
                    if (finished) return;
                    if (rows.size() == PAGE) continue; // more to catch up on
                }
                sub.goLive();
                for (var m = sub.pollLive(); m != null; m = sub.pollLive()) {
                    write(out, "event: " + m.event() + "\ndata: " + m.json() + "\n\n");
                }
                if (rows.isEmpty() && over) {
                    write(out, "event: stream_end\ndata: {\"reason\":\"the run has ended: no events after " + last + "\"}\n\n");
                    return;
                }
                if (!sub.await(version, heartbeat.toMillis())) write(out, ": keep-alive\n\n");
            }
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
