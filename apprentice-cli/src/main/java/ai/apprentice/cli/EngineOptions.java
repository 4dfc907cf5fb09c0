package ai.apprentice.cli;

import ai.apprentice.temporal.TemporalConnection;
import ai.apprentice.temporal.eval.TemporalTrialExecutor;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;

/** Where the trials of 'eval' and 'learn' run: this process, or the workers of a Temporal cluster. */
final class EngineOptions {
    @Option(names = "--engine", defaultValue = "local", paramLabel = "ENGINE",
            description = "Where trials run: local (this process) or temporal (workers of a Temporal cluster; see 'apprentice worker'). Default ${DEFAULT-VALUE}.") String engine;
    @Option(names = "--temporal-target", paramLabel = "HOST:PORT", description = "The Temporal frontend, with --engine temporal.") String temporalTarget;
    @Option(names = "--namespace", defaultValue = TemporalConnection.DEFAULT_NAMESPACE, paramLabel = "N", description = "Temporal namespace (default ${DEFAULT-VALUE}).") String namespace;
    @Option(names = "--task-queue", defaultValue = TemporalConnection.DEFAULT_TASK_QUEUE, paramLabel = "Q", description = "Task queue the workers poll (default ${DEFAULT-VALUE}).") String taskQueue;
    @Option(names = "--heartbeat-timeout", paramLabel = "SECONDS",
            description = "With --engine temporal: how long a worker may go silent before its trial goes to another worker (default 60).") Integer heartbeatTimeout;
    @picocli.CommandLine.Mixin TemporalTlsOptions tls = new TemporalTlsOptions();

    /** Usage errors first: an unknown engine, a target without the engine or the engine without one. */
    void check() {
        if (!engine.equals("local") && !engine.equals("temporal")) throw new UsageException("--engine must be local or temporal, got '" + engine + "'");
        if (engine.equals("temporal") && temporalTarget == null) throw new UsageException("--engine temporal needs --temporal-target HOST:PORT");
        if (engine.equals("local") && temporalTarget != null) throw new UsageException("--temporal-target is for --engine temporal");
        if (engine.equals("local") && tls.given()) throw new UsageException("the --temporal-tls options are for --engine temporal");
        if (engine.equals("local") && heartbeatTimeout != null) throw new UsageException("--heartbeat-timeout is for --engine temporal");
        if (heartbeatTimeout != null && heartbeatTimeout < 1) throw new UsageException("--heartbeat-timeout must be at least 1 second, got " + heartbeatTimeout);
    }

    boolean onTemporal() {
        return engine.equals("temporal");
    }

    /** Into an evaluation's meta, so that 'eval resume' joins the same workflow on the same cluster. */
    void record(ObjectNode meta) {
        if (onTemporal()) meta.put("engine", engine).put("temporal_target", temporalTarget).put("namespace", namespace).put("task_queue", taskQueue);
        if (onTemporal()) tls.record(meta);
        if (heartbeatTimeout != null) meta.put("heartbeat_seconds", heartbeatTimeout);
    }

    /** The cluster, checked now: one that does not answer, or lacks the namespace, is a usage error saying so. */
    TemporalConnection connect(java.util.Map<String, String> env) {
        var access = tls.access(env);
        try {
            return TemporalConnection.connect(temporalTarget, namespace, access, TemporalConnection.CONNECT);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
    }

    TemporalTrialExecutor.Options trialOptions() {
        return new TemporalTrialExecutor.Options(taskQueue, heartbeatTimeout == null ? 0 : heartbeatTimeout, 0);
    }
}
