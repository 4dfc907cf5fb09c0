package ai.apprentice.model;

/**
 * Wraps a model with retries on retryable failures. Each wait is reported to the listener, so that it
 * becomes visible in the run's events; after the last attempt the provider's own error is thrown.
 */
public final class RetryingModel implements Model {
    private final Model delegate;
    private final RetryPolicy policy;

    public RetryingModel(Model delegate, RetryPolicy policy) {
        this.delegate = delegate;
        this.policy = policy;
    }

    @Override
    public String id() {
        return delegate.id();
    }

    @Override
    public boolean supportsNativeTools() {
        return delegate.supportsNativeTools();
    }

    @Override
    public ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return delegate.chat(request, listener);
            } catch (ModelException e) {
                if (!e.retryable() || attempt >= policy.maxAttempts()) {
                    if (attempt > 1 && e.retryable()) {
                        throw new ModelException(e.getMessage() + " (gave up after " + attempt + " attempts)",
                                false, e.statusCode(), e.retryAfter(), e);
                    }
                    throw e;
                }
                var wait = policy.backoff(attempt, e.retryAfter());
                listener.onRetry(attempt, wait, e.getMessage());
                Thread.sleep(wait.toMillis());
            }
        }
    }
}
