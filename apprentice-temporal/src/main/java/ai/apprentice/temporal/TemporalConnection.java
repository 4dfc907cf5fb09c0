package ai.apprentice.temporal;

import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A connection to the Temporal frontend that {@code --temporal-target HOST:PORT} and {@code --namespace} name, checked
 * when made: a target that does not answer, or lacks the namespace, is told at once rather than as a wait that never ends.
 * Every entry point on the engine (serve, worker, eval, doctor) connects through here.
 */
public final class TemporalConnection implements AutoCloseable {
    public static final String DEFAULT_NAMESPACE = "default";
    /** The task queue of evaluation trials unless {@code --task-queue} names another; runs have their own. */
    public static final String DEFAULT_TASK_QUEUE = "apprentice";
    /**
     * How long a target that accepts connections may take to answer its health check: generous, because a loaded
     * machine is slow, not absent. A target where nothing listens is told at once, by a plain TCP connect first.
     */
    public static final Duration CONNECT = Duration.ofSeconds(30);
    /** How long the TCP connect that tells "nothing listens there" may take. */
    static final Duration REACH = Duration.ofSeconds(5);
    private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9._\\[\\]:-]+:\\d{1,5}");

    private final WorkflowServiceStubs stubs;
    private final WorkflowClient client;

    private TemporalConnection(WorkflowServiceStubs stubs, String namespace) {
        this.stubs = stubs;
        this.client = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
    }

    /**
     * Connects to {@code target} and checks that it answers within {@code timeout} and has {@code namespace} (null or
     * blank: {@value #DEFAULT_NAMESPACE}).
     *
     * @throws IllegalArgumentException when the target is not HOST:PORT, nothing answers there, or the namespace is absent
     */
    public static TemporalConnection connect(String target, String namespace, Duration timeout) {
        var ns = namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace;
        var connection = new TemporalConnection(stubs(target, timeout), ns);
        try {
            connection.stubs.blockingStub().withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(ns).build());
        } catch (RuntimeException e) {
            connection.close();
            throw new IllegalArgumentException("Temporal at " + target + " has no namespace '" + ns + "' (" + reason(e)
                    + "); create it (temporal operator namespace create " + ns + ") or give another --namespace", e);
        }
        return connection;
    }

    /** The service stubs of {@code target}, connected (the caller shuts them down); errors as {@link #connect}. */
    public static WorkflowServiceStubs stubs(String target, Duration timeout) {
        if (target == null || !HOST_PORT.matcher(target).matches()) {
            throw new IllegalArgumentException("--temporal-target must be HOST:PORT (a Temporal frontend, e.g. localhost:7233), got '" + target + "'");
        }
        int colon = target.lastIndexOf(':');
        var host = target.substring(0, colon).replace("[", "").replace("]", "");
        try (var socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(host, Integer.parseInt(target.substring(colon + 1))),
                    (int) Math.min(timeout.toMillis(), REACH.toMillis()));
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException("Temporal at " + target + " does not answer (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); start one (e.g. temporal server start-dev) or check --temporal-target", e);
        }
        try {
            // the SDK gives its health check's each attempt and its first system-info call 5 s of their own: a loaded
            // server (CI saw 4.4 s) is given the whole timeout instead
            return WorkflowServiceStubs.newConnectedServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(target)
                    .setHealthCheckAttemptTimeout(timeout).setHealthCheckTimeout(timeout).setSystemInfoTimeout(timeout).build(), timeout);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Temporal at " + target + " does not answer within " + timeout.toSeconds() + " s (" + reason(e)
                    + "); start one (e.g. temporal server start-dev) or check --temporal-target", e);
        }
    }

    public WorkflowClient client() {
        return client;
    }

    private static String reason(Throwable e) {
        for (var c = e; c != null; c = c.getCause()) {
            if (c instanceof io.grpc.StatusRuntimeException s) {
                return s.getStatus().getCode() + (s.getStatus().getDescription() == null ? "" : ": " + s.getStatus().getDescription());
            }
        }
        return String.valueOf(e.getMessage());
    }

    @Override
    public void close() {
        stubs.shutdown();
    }
}
