package ai.apprentice.temporal.run;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;

/** A connection to a Temporal service at {@code HOST:PORT}, checked when made: a target that does not answer is told at once. */
public final class TemporalConnection implements AutoCloseable {
    public static final String DEFAULT_NAMESPACE = "default";

    private final WorkflowServiceStubs stubs;
    private final WorkflowClient client;

    private TemporalConnection(WorkflowServiceStubs stubs, String namespace) {
        this.stubs = stubs;
        this.client = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
    }

    /**
     * Connects and checks the service answers within {@code timeout}.
     *
     * @throws IllegalArgumentException when the target is not HOST:PORT, or nothing answers there
     */
    public static TemporalConnection connect(String target, String namespace, Duration timeout) {
        if (target == null || !target.matches("[^\\s:/]+:\\d{1,5}")) {
            throw new IllegalArgumentException("--temporal-target must be HOST:PORT (e.g. 127.0.0.1:7233), got " + target);
        }
        var ns = namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace;
        WorkflowServiceStubs stubs;
        try {
            stubs = WorkflowServiceStubs.newConnectedServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(target).build(), timeout);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Temporal at " + target + " does not answer within " + timeout.toSeconds()
                    + " s (" + rootMessage(e) + "); start it (e.g. temporal server start-dev) or give another --temporal-target", e);
        }
        var connection = new TemporalConnection(stubs, ns);
        try {
            connection.client.getWorkflowServiceStubs().blockingStub().withDeadlineAfter(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                    .describeNamespace(io.temporal.api.workflowservice.v1.DescribeNamespaceRequest.newBuilder().setNamespace(ns).build());
        } catch (RuntimeException e) {
            connection.close();
            throw new IllegalArgumentException("Temporal at " + target + " has no namespace '" + ns + "' (" + rootMessage(e)
                    + "); create it or give another --namespace", e);
        }
        return connection;
    }

    public WorkflowClient client() {
        return client;
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) e = e.getCause();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    @Override
    public void close() {
        stubs.shutdown();
    }
}
