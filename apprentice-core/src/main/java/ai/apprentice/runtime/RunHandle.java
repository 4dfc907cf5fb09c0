package ai.apprentice.runtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** A run in progress: wait for it, or cancel it (the current step stops cleanly, the run ends as cancelled). */
public final class RunHandle {
    private final String runId;
    private final RunLoop loop;
    private final CompletableFuture<RunResult> result;

    RunHandle(String runId, RunLoop loop, CompletableFuture<RunResult> result) {
        this.runId = runId;
        this.loop = loop;
        this.result = result;
    }

    public String runId() {
        return runId;
    }

    public void cancel() {
        loop.stop(RunLoop.Stop.CANCELLED);
    }

    /**
     * Stops the run because its process is going down (a server's graceful shutdown): it ends as interrupted, with
     * its completed steps kept, so that it can be resumed after a restart.
     */
    public void interrupt() {
        loop.stop(RunLoop.Stop.SHUTDOWN);
    }

    public boolean isDone() {
        return result.isDone();
    }

    public RunResult await() throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            // RunLoop catches everything; reaching here is a bug worth surfacing as is.
            throw new IllegalStateException("run " + runId + " crashed", e.getCause());
        }
    }

    public CompletableFuture<RunResult> future() {
        return result;
    }
}
