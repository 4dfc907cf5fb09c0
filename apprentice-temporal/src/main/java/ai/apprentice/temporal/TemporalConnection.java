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
    /** How long the first call that tells a failed TLS handshake may take before the health check takes over. */
    static final Duration PROBE = Duration.ofSeconds(10);
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
        return connect(target, namespace, TemporalAccess.PLAINTEXT, timeout);
    }

    /**
     * As {@link #connect(String, String, Duration)}, secured as {@code access} says (TLS, mTLS, API key).
     *
     * @throws IllegalArgumentException as there, and when a TLS file is unusable or the TLS handshake fails
     */
    public static TemporalConnection connect(String target, String namespace, TemporalAccess access, Duration timeout) {
        var ns = namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace;
        var connection = new TemporalConnection(stubs(target, access, timeout), ns);
        try {
            namespaced(connection.stubs.blockingStub(), ns).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(ns).build());
        } catch (RuntimeException e) {
            connection.close();
            var denied = denied(target, ns, access, e);
            if (denied != null) throw denied;
            throw new IllegalArgumentException("Temporal at " + target + " has no namespace '" + ns + "' (" + reason(e)
                    + "); create it (temporal operator namespace create " + ns + ") or give another --namespace", e);
        }
        return connection;
    }

    /** The service stubs of {@code target}, connected (the caller shuts them down); errors as {@link #connect}. */
    public static WorkflowServiceStubs stubs(String target, Duration timeout) {
        return stubs(target, TemporalAccess.PLAINTEXT, timeout);
    }

    /** The service stubs of {@code target}, secured as {@code access} says; errors as {@link #connect}. */
    public static WorkflowServiceStubs stubs(String target, TemporalAccess access, Duration timeout) {
        if (target == null || !HOST_PORT.matcher(target).matches()) {
            throw new IllegalArgumentException("--temporal-target must be HOST:PORT (a Temporal frontend, e.g. localhost:7233), got '" + target + "'");
        }
        // the TLS files first: a bad one is told whether or not the server answers. The SDK gives its health check's
        // each attempt and its first system-info call 5 s of their own: a loaded server (CI saw 4.4 s) is given the whole timeout instead
        var options = access.apply(WorkflowServiceStubsOptions.newBuilder().setTarget(target)
                .setHealthCheckAttemptTimeout(timeout).setHealthCheckTimeout(timeout).setSystemInfoTimeout(timeout)).build();
        int colon = target.lastIndexOf(':');
        var host = target.substring(0, colon).replace("[", "").replace("]", "");
        try (var socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(host, Integer.parseInt(target.substring(colon + 1))),
                    (int) Math.min(timeout.toMillis(), REACH.toMillis()));
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException("Temporal at " + target + " does not answer (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); start one (e.g. temporal server start-dev) or check --temporal-target", e);
        }
        handshake(target, access, options, timeout);
        try {
            return WorkflowServiceStubs.newConnectedServiceStubs(options, timeout);
        } catch (RuntimeException e) {
            var tls = tlsFailure(e);
            if (tls != null) throw tlsError(target, access, tls, e);
            var denied = denied(target, null, access, e);
            if (denied != null) throw denied;
            throw new IllegalArgumentException("Temporal at " + target + " does not answer within " + timeout.toSeconds() + " s (" + reason(e)
                    + "); start one (e.g. temporal server start-dev) or check --temporal-target", e);
        }
    }

    /**
     * One call on lazily connected stubs, so that a TLS handshake that fails (an untrusted certificate, a client
     * certificate the server requires or refuses), or plaintext sent to a TLS port, is told at once: the SDK's health
     * check would retry it until the timeout.
     */
    private static void handshake(String target, TemporalAccess access, WorkflowServiceStubsOptions options, Duration timeout) {
        var probe = WorkflowServiceStubs.newServiceStubs(options);
        try {
            // a handshake fails at once; a slow server is left to the health check, so the probe waits a little only
            probe.blockingStub().withDeadlineAfter(Math.min(timeout.toMillis(), PROBE.toMillis()), TimeUnit.MILLISECONDS)
                    .getSystemInfo(io.temporal.api.workflowservice.v1.GetSystemInfoRequest.getDefaultInstance());
        } catch (RuntimeException e) {
            var tls = tlsFailure(e);
            if (tls != null) throw tlsError(target, access, tls, e);
            if (!access.tls() && speaksTls(e)) {
                throw new IllegalArgumentException("Temporal at " + target + " does not speak plaintext gRPC (" + reason(e)
                        + "): if it takes TLS, add --temporal-tls (Temporal Cloud: with an API key in $TEMPORAL_API_KEY or a client certificate)", e);
            }
            // anything else (a slow server, no such method): the health check that follows tells it
        } finally {
            probe.shutdownNow();
        }
    }

    /**
     * {@code stub} with the {@code temporal-namespace} header, as the SDK's client puts on its own calls: Temporal Cloud's
     * regional endpoints (API keys) route a call by it.
     */
    public static io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub namespaced(
            io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub stub, String namespace) {
        var headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("temporal-namespace", io.grpc.Metadata.ASCII_STRING_MARSHALLER), namespace);
        return stub.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** The error of a server that refused the credentials (or their lack), or null for any other failure. */
    static IllegalArgumentException denied(String target, String namespace, TemporalAccess access, Throwable e) {
        for (var c = e; c != null; c = c.getCause()) {
            if (c instanceof io.grpc.StatusRuntimeException s && (s.getStatus().getCode() == io.grpc.Status.Code.UNAUTHENTICATED
                    || s.getStatus().getCode() == io.grpc.Status.Code.PERMISSION_DENIED)) {
                var what = access.apiKey() != null ? "the API key from " + access.apiKeySource()
                        : access.cert() != null ? "the client certificate --temporal-tls-cert " + access.cert()
                        : "no credentials (Temporal Cloud wants an API key in $TEMPORAL_API_KEY, or a client certificate)";
                var detail = s.getStatus().getDescription() == null ? "" : ": " + s.getStatus().getDescription();
                if (access.apiKey() != null) detail = detail.replace(access.apiKey(), "***");
                return new IllegalArgumentException("Temporal at " + target + " refused access" + (namespace == null ? "" : " to namespace '" + namespace + "'") + " ("
                        + s.getStatus().getCode() + detail + ") with " + what, e);
            }
        }
        return null;
    }

    /** Whether a plaintext call failed as it does against a TLS port: the server's TLS alert read as HTTP/2. */
    private static boolean speaksTls(Throwable e) {
        for (var c = e; c != null; c = c.getCause()) {
            if (c instanceof io.grpc.StatusRuntimeException s && s.getStatus().getCode() == io.grpc.Status.Code.INTERNAL
                    && String.valueOf(s.getStatus().getDescription()).contains("http2")) return true;
        }
        return false;
    }

    /** The TLS failure in {@code e}'s causes, or null. */
    private static Throwable tlsFailure(Throwable e) {
        for (var c = e; c != null; c = c.getCause()) {
            if (c instanceof javax.net.ssl.SSLException || c instanceof java.security.cert.CertificateException) return c;
            if (c instanceof io.grpc.StatusRuntimeException s && s.getStatus().getDescription() != null
                    && s.getStatus().getDescription().toLowerCase(java.util.Locale.ROOT).contains("ssl")) {
                var deeper = s.getCause() == null ? null : tlsFailure(s.getCause());
                return deeper != null ? deeper : s;
            }
        }
        return null;
    }

    private static IllegalArgumentException tlsError(String target, TemporalAccess access, Throwable tls, Throwable e) {
        var message = String.valueOf(tls.getMessage());
        for (var c = tls.getCause(); c != null; c = c.getCause()) {
            if (c.getMessage() != null && !message.contains(c.getMessage())) message += ": " + c.getMessage();
        }
        var lower = message.toLowerCase(java.util.Locale.ROOT);
        String hint;
        if (lower.contains("pkix") || lower.contains("certification path") || lower.contains("unable to find valid")) {
            hint = access.ca() == null ? "the server's certificate is not trusted by the system: give --temporal-ca FILE, the PEM CA that signed it"
                    : "the server's certificate is not signed by a CA in --temporal-ca " + access.ca();
        } else if (lower.contains("no subject alternative") || lower.contains("hostname") || lower.contains("subject alternative")) {
            hint = access.serverName() == null ? "the server's certificate does not name " + target + ": give --temporal-server-name NAME, the name it holds"
                    : "the server's certificate does not hold --temporal-server-name " + access.serverName();
        } else if (lower.contains("certificate_required") || lower.contains("bad_certificate") || lower.contains("certificate required")
                || lower.contains("unknown_ca") || lower.contains("certificate_unknown")) {
            hint = access.cert() == null ? "the server requires a client certificate: give --temporal-tls-cert FILE and --temporal-tls-key FILE"
                    : "the server refused the client certificate --temporal-tls-cert " + access.cert();
        } else if (lower.contains("not an ssl") || lower.contains("plaintext") || lower.contains("unrecognized ssl")) {
            hint = "the server does not speak TLS there: leave out --temporal-tls (and the other TLS options"
                    + (access.apiKey() != null ? "; an API key, here from " + access.apiKeySource() + ", turns TLS on" : "") + ")";
        } else {
            hint = "check the TLS options (" + access.describe() + ")";
        }
        var key = access.apiKey();
        if (key != null) message = message.replace(key, "***");
        return new IllegalArgumentException("Temporal at " + target + ": the TLS handshake failed (" + message + "): " + hint, e);
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
