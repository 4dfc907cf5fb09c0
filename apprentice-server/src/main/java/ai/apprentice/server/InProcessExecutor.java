package ai.apprentice.server;

import ai.apprentice.runtime.RunHandle;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Carries out runs in this process, at most {@code slots} at a time; the rest wait in a fair queue (first come, first
 * started). Each run waits and is watched on its own virtual thread.
 */
public final class InProcessExecutor implements RunExecutor {
    /** Starts a request and returns its handle: the harness's part, given by the server. */
    public interface Starter extends Function<RunRequest, RunHandle> {}

    /** Told when a run the executor held ends (or was dropped before it started). */
    public interface Finished {
        void finished(RunRequest request, boolean started);
    }

    private final Semaphore slots;
    private final int capacity;
    private final Starter starter;
    private final Finished finished;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private volatile boolean closing;

    /** Runs waiting for a slot, oldest first: whichever thread gets a free slot starts the head of this queue. */
    private final java.util.Queue<Job> waiting = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** The threads waiting for a slot (one per accepted run), interrupted by a shutdown. */
    private final java.util.Set<Thread> takers = ConcurrentHashMap.newKeySet();

    private static final class Job {
        final RunRequest request;
        volatile RunHandle handle;
        volatile boolean cancelled;

        Job(RunRequest request) {
            this.request = request;
        }
    }

    public InProcessExecutor(int slots, Starter starter, Finished finished) {
        if (slots < 1) throw new IllegalArgumentException("the server needs at least one run slot, got " + slots);
        this.capacity = slots;
        this.slots = new Semaphore(slots, true);
        this.starter = starter;
        this.finished = finished;
    }

    @Override
    public void submit(RunRequest request) {
        if (closing) throw new IllegalStateException("the server is shutting down");
        var job = new Job(request);
        synchronized (waiting) { // the queue's order is the order of submission
            if (jobs.putIfAbsent(request.runId(), job) != null) throw new IllegalStateException("run " + request.runId() + " is already held");
            waiting.add(job);
        }
        var taker = Thread.ofVirtual().name("slot-for-" + request.runId()).unstarted(this::takeSlot);
        takers.add(taker);
        taker.start();
    }

    /** Waits for a free slot, then carries out the oldest waiting run (not necessarily the one it was started for). */
    private void takeSlot() {
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            takers.remove(Thread.currentThread()); // shutdown: the queued runs stay accepted and start after a restart
            return;
        }
        try {
            var job = closing ? null : waiting.poll(); // none when cancellations emptied the queue
            if (job != null) carryOut(job);
        } finally {
            slots.release();
            takers.remove(Thread.currentThread());
        }
    }

    private void carryOut(Job job) {
        boolean started = false;
        try {
            RunHandle handle;
            synchronized (job) {
                if (job.cancelled) return;
                handle = starter.apply(job.request);
                job.handle = handle;
            }
            started = true;
            handle.future().join();
        } catch (RuntimeException e) {
            // a run that cannot even start (its settings no longer load) is reported by the starter; nothing to wait for
        } finally {
            jobs.remove(job.request.runId());
            if (!closing || started) finished.finished(job.request, started);
        }
    }

    @Override
    public boolean cancel(String runId) {
        var job = jobs.get(runId);
        if (job == null) return false;
        boolean dropped;
        synchronized (job) {
            job.cancelled = true;
            if (job.handle != null) job.handle.cancel();
            dropped = job.handle == null && waiting.remove(job); // else a slot's thread has it and will see it cancelled
            if (dropped) jobs.remove(runId);
        }
        if (dropped) finished.finished(job.request, false);
        return true;
    }

    @Override
    public Optional<State> state(String runId) {
        var job = jobs.get(runId);
        if (job == null) return Optional.empty();
        return Optional.of(job.handle != null ? State.RUNNING : State.QUEUED);
    }

    @Override
    public int queued() {
        return (int) jobs.values().stream().filter(j -> j.handle == null).count();
    }

    @Override
    public int running() {
        return (int) jobs.values().stream().filter(j -> j.handle != null).count();
    }

    public int slots() {
        return capacity;
    }

    @Override
    public void shutdown(Duration grace) {
        closing = true;
        var held = jobs.values().stream().toList();
        takers.forEach(Thread::interrupt); // those still waiting for a slot give up; their runs stay accepted
        for (var job : held) {
            synchronized (job) {
                if (job.handle != null) job.handle.interrupt();
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (var job : held) {
            var h = job.handle;
            if (h == null) continue;
            try {
                h.future().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                // it ends on its own; the run store marks it interrupted at the next start if it never recorded its end
            }
        }
    }
}
