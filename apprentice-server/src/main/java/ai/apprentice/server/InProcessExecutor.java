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

    private static final class Job {
        final RunRequest request;
        volatile RunHandle handle;
        volatile boolean cancelled;
        volatile Thread thread;

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
        if (jobs.putIfAbsent(request.runId(), job) != null) throw new IllegalStateException("run " + request.runId() + " is already held");
        job.thread = Thread.ofVirtual().name("queued-" + request.runId()).unstarted(() -> carryOut(job));
        job.thread.start();
    }

    private void carryOut(Job job) {
        boolean started = false;
        try {
            slots.acquire();
            try {
                if (job.cancelled || closing) return;
                RunHandle handle;
                synchronized (job) {
                    if (job.cancelled) return;
                    handle = starter.apply(job.request);
                    job.handle = handle;
                }
                started = true;
                handle.future().join();
            } finally {
                slots.release();
            }
        } catch (InterruptedException e) {
            // shutdown while queued: the run stays accepted and starts after a restart
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
        synchronized (job) {
            job.cancelled = true;
            if (job.handle != null) job.handle.cancel();
            else job.thread.interrupt();
        }
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
        for (var job : held) {
            synchronized (job) {
                if (job.handle != null) job.handle.interrupt();
                else job.thread.interrupt();
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
