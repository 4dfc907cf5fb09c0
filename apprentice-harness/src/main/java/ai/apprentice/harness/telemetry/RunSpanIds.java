package ai.apprentice.harness.telemetry;

import io.opentelemetry.sdk.trace.IdGenerator;
import java.util.function.Supplier;

/**
 * Random ids, except while the agent span of a run traced across processes is made: that span's ids were chosen when
 * the run was accepted ({@link RunTrace}), and its children, made earlier by other processes, already point at them.
 * The SDK's span builder cannot be told an id, its id generator can.
 */
final class RunSpanIds implements IdGenerator {
    static final RunSpanIds INSTANCE = new RunSpanIds();
    private static final ThreadLocal<RunTrace> FIXED = new ThreadLocal<>();
    private final IdGenerator random = IdGenerator.random();

    private RunSpanIds() {}

    /** Makes a span with {@code trace}'s ids on this thread. */
    static <T> T with(RunTrace trace, Supplier<T> make) {
        FIXED.set(trace);
        try {
            return make.get();
        } finally {
            FIXED.remove();
        }
    }

    @Override
    public String generateSpanId() {
        var fixed = FIXED.get();
        return fixed != null ? fixed.spanId() : random.generateSpanId();
    }

    @Override
    public String generateTraceId() {
        var fixed = FIXED.get();
        return fixed != null ? fixed.traceId() : random.generateTraceId();
    }
}
