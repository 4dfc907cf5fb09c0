package ai.apprentice.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/** Runs trials in this process, each on a virtual thread, at most {@code concurrency} at once. */
public final class LocalTrialExecutor implements TrialExecutor {
    private final TrialRunner runner;

    public LocalTrialExecutor(TrialRunner runner) {
        this.runner = runner;
    }

    @Override
    public void execute(List<Spec> trials, int concurrency, Consumer<TrialResult> finished) throws InterruptedException {
        var permits = new Semaphore(Math.max(1, concurrency));
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var futures = new ArrayList<Future<?>>();
            for (var spec : trials) {
                futures.add(pool.submit(() -> {
                    permits.acquire();
                    try {
                        finished.accept(runner.run(spec.task(), spec.trial(), spec.seed()));
                        return null;
                    } finally {
                        permits.release();
                    }
                }));
            }
            for (var f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("evaluation failed", e.getCause());
                }
            }
        }
    }
}
