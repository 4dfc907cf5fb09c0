package ai.apprentice.model;

/**
 * Wraps a model with retries on retryable failures. Each wait is reported to the listener, so that it
 * becomes visible in the run's events; after the last attempt the provider's own error is thrown. Tokens the
 * failed attempts consumed are added to the usage of the response (or of the final exception), so budgets count them.
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
    public int contextWindow() {
        return delegate.contextWindow();
    }

    @Override
    public ModelCapabilities capabilities() {
        return delegate.capabilities();
    }

    @Override
    public ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
        var failed = Usage.ZERO; // spent by the attempts that failed
        for (int attempt = 1; ; attempt++) {
            try {
                var response = delegate.chat(request, listener);
                if (failed.total() == 0) return response;
                return new ChatResponse(response.message(), response.usage().plus(failed), response.finishReason());
            } catch (ModelException e) {
                if (!e.retryable() || attempt >= policy.maxAttempts()) {
                    var spent = failed.plus(e.usage());
                    if (attempt > 1 && e.retryable()) {
                        throw new ModelException(e.getMessage() + " (gave up after " + attempt + " attempts)",
                                false, e.statusCode(), e.retryAfter(), e, spent);
                    }
                    throw failed.total() == 0 ? e : e.withUsage(spent);
                }
                failed = failed.plus(e.usage());
                var wait = policy.backoff(attempt, e.retryAfter());
                listener.onRetry(attempt, wait, e.getMessage());
                Thread.sleep(wait.toMillis());
            }
        }
    }
}
