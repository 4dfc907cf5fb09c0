package ai.apprentice.temporal.eval;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.regex.Pattern;

/** A Temporal frontend as {@code --temporal-target HOST:PORT} and {@code --namespace} name it, checked before use. */
public final class TemporalTarget {
    public static final String DEFAULT_NAMESPACE = "default";
    public static final String DEFAULT_TASK_QUEUE = "apprentice";
    /** How long a target may take to answer a health check before it is taken for absent. */
    static final Duration CONNECT = Duration.ofSeconds(5);
    private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9._\\[\\]:-]+:\\d{1,5}");

    private TemporalTarget() {}

    /**
     * A client of {@code target}'s namespace, once the target has answered a health check.
     *
     * @throws IllegalArgumentException when the target is not HOST:PORT or does not answer, naming it
     */
    public static WorkflowClient connect(String target, String namespace) {
        var stubs = stubs(target);
        return WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder()
                .setNamespace(namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace).build());
    }

    /** The service stubs of {@code target}, connected (the caller shuts them down); errors as {@link #connect}. */
    public static WorkflowServiceStubs stubs(String target) {
        if (target == null || !HOST_PORT.matcher(target).matches()) {
            throw new IllegalArgumentException("--temporal-target must be HOST:PORT (a Temporal frontend, e.g. localhost:7233), got '" + target + "'");
        }
        try {
            return WorkflowServiceStubs.newConnectedServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(target).build(), CONNECT);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Temporal at " + target + " does not answer (" + shortReason(e)
                    + "); start one (temporal server start-dev) or check --temporal-target", e);
        }
    }

    private static String shortReason(Throwable e) {
        for (var c = e; c != null; c = c.getCause()) {
            if (c instanceof io.grpc.StatusRuntimeException s) return s.getStatus().getCode() + (s.getStatus().getDescription() == null ? "" : ": " + s.getStatus().getDescription());
        }
        return String.valueOf(e.getMessage());
    }
}
