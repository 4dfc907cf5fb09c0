package ai.apprentice.server;

import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.EventListener;
import ai.apprentice.store.RunStore;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Tells streams when a run has news. Stored events are always read back from the run store (so a stream that resumes
 * from an event number gets exactly the events after it); this only wakes the streams waiting on a run, right after
 * the store committed, and hands them what is never stored: text deltas and approval requests ("live" messages, which
 * a stream that reconnects does not get again; the stored step_completed holds the full text).
 */
final class RunEvents implements EventListener {
    /** A message for live streams only: its SSE event name and JSON data. */
    record Live(String event, String json) {}

    /** One waiting stream of one run. */
    static final class Subscription implements AutoCloseable {
        private final RunEvents hub;
        final String runId;
        private final Queue<Live> live = new ConcurrentLinkedQueue<>();
        private volatile boolean wantsLive;

        private Subscription(RunEvents hub, String runId) {
            this.hub = hub;
            this.runId = runId;
        }

        /** From now on this stream also gets live messages (once it has caught up with the stored events). */
        void goLive() {
            wantsLive = true;
        }

        Live pollLive() {
            return live.poll();
        }

        /** Waits until the run has news or {@code millis} pass; true when there may be news. */
        boolean await(long version, long millis) throws InterruptedException {
            return hub.signal(runId).await(version, millis);
        }

        long version() {
            return hub.signal(runId).version;
        }

        /** Moves only when stored events changed (not for live messages): whether the store needs reading again. */
        long storedVersion() {
            return hub.signal(runId).stored;
        }

        @Override
        public void close() {
            hub.unsubscribe(this);
        }
    }

    private static final class Signal {
        final ReentrantLock lock = new ReentrantLock();
        final Condition changed = lock.newCondition();
        volatile long version;
        volatile long stored;

        void bump(boolean storedChanged) {
            lock.lock();
            try {
                if (storedChanged) stored++;
                version++;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        boolean await(long seen, long millis) throws InterruptedException {
            lock.lock();
            try {
                long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
                while (version == seen && nanos > 0) nanos = changed.awaitNanos(nanos);
                return version != seen;
            } finally {
                lock.unlock();
            }
        }
    }

    private final Map<String, Signal> signals = new ConcurrentHashMap<>();
    private final Map<String, Set<Subscription>> subscribers = new ConcurrentHashMap<>();
    /** The last stored event number seen of each run with streams, while {@link #watchStore} polls. */
    private final Map<String, Long> seen = new ConcurrentHashMap<>();
    private volatile Thread watcher;

    /**
     * For runs whose events are stored by other processes (a durable engine's workers), which this process is never
     * told of: every {@code every}, one read of the store for all runs that have streams wakes those with new events.
     * Without it a stream learnt of them only at its heartbeat.
     */
    void watchStore(RunStore store, java.time.Duration every, Runnable before) {
        var t = Thread.ofPlatform().daemon().name("apprentice-store-watch").unstarted(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(every.toMillis());
                    var runs = Set.copyOf(subscribers.keySet());
                    seen.keySet().retainAll(runs);
                    if (runs.isEmpty()) continue;
                    before.run();
                    store.lastSeqs(runs).forEach((runId, last) -> {
                        var known = seen.put(runId, last);
                        if (known == null || known < last) changed(runId);
                    });
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // the store may be briefly unreachable (a PostgreSQL restart): streams still look at each heartbeat
                }
            }
        });
        watcher = t;
        t.start();
    }

    /** Stops {@link #watchStore}'s thread. */
    void close() {
        var t = watcher;
        if (t != null) t.interrupt();
    }

    Subscription subscribe(String runId) {
        var s = new Subscription(this, runId);
        subscribers.computeIfAbsent(runId, k -> ConcurrentHashMap.newKeySet()).add(s);
        return s;
    }

    private void unsubscribe(Subscription s) {
        subscribers.computeIfPresent(s.runId, (k, set) -> {
            set.remove(s);
            return set.isEmpty() ? null : set;
        });
    }

    private Signal signal(String runId) {
        return signals.computeIfAbsent(runId, k -> new Signal());
    }

    /** Wakes the streams of {@code runId}: something was written to its stored events (a run's step, feedback, a reward). */
    void changed(String runId) {
        var s = signals.get(runId);
        if (s != null) s.bump(true);
    }

    /** Hands a live message to the streams of {@code runId} that are caught up. */
    void live(String runId, String event, String json) {
        var subs = subscribers.get(runId);
        if (subs == null) return;
        var message = new Live(event, json);
        for (var s : subs) if (s.wantsLive) s.live.add(message);
        var signal = signals.get(runId);
        if (signal != null) signal.bump(false); // wakes the streams, which need not read the store for it
    }



    private volatile java.util.function.BiConsumer<Event, java.time.Instant> committed;

    /** Told of each event the store commits at once, right after the commit (a benchmark measures delivery from there). */
    void onCommitted(java.util.function.BiConsumer<Event, java.time.Instant> hook) {
        this.committed = hook;
    }

    /** Listens after the run store: a persistent event that the store commits at once means rows to read. */
    @Override
    public void onEvent(Event event) {
        if (event instanceof Event.ModelDelta d) {
            live(d.runId(), "model_delta", ai.apprentice.json.Json.write(d));
        } else if (event.persistent() && RunStore.commitsAtOnce(event)) {
            var hook = committed;
            if (hook != null) hook.accept(event, java.time.Instant.now()); // the store has just committed it (it listens first)
            changed(event.runId());
            // a stream that starts later reads run_finished from the store and ends: the signal is no longer needed
            if (event instanceof Event.RunFinished && !subscribers.containsKey(event.runId())) signals.remove(event.runId());
        }
    }
}
