package ai.apprentice.temporal;

import ai.apprentice.temporal.TemporalConnection;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What {@code apprentice doctor --temporal-target} reports about the engine: whether the frontend answers (and its
 * version), whether the namespace exists, and how many workers poll each task queue, so that "the evaluation waits
 * forever" shows up as "no worker polls apprentice" before anyone waits.
 */
public final class EngineCheck {
    /** The outcome: {@code ok} false when the engine cannot be used as named. */
    public record Report(boolean ok, String detail) {}

    private EngineCheck() {}

    public static Report check(String target, String namespace, List<String> taskQueues) {
        return check(target, TemporalAccess.PLAINTEXT, namespace, taskQueues);
    }

    /** As {@link #check(String, String, List)}, connecting as {@code access} says (TLS, mTLS, API key). */
    public static Report check(String target, TemporalAccess access, String namespace, List<String> taskQueues) {
        io.temporal.serviceclient.WorkflowServiceStubs stubs;
        try {
            stubs = TemporalConnection.stubs(target, access, TemporalConnection.CONNECT);
        } catch (IllegalArgumentException e) {
            return new Report(false, e.getMessage());
        }
        try {
            var rpc = stubs.blockingStub().withDeadlineAfter(5, TimeUnit.SECONDS);
            String version;
            try {
                var info = rpc.getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
                version = info.getServerVersion().isBlank() ? "" : " " + info.getServerVersion();
            } catch (StatusRuntimeException e) {
                version = "";
            }
            try {
                TemporalConnection.namespaced(stubs.blockingStub(), namespace).withDeadlineAfter(5, TimeUnit.SECONDS).describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build());
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                    return new Report(false, "Temporal" + version + " at " + target + " has no namespace '" + namespace
                            + "': create it (temporal operator namespace create " + namespace + ") or pass --namespace");
                }
                var denied = TemporalConnection.denied(target, namespace, access, e);
                if (denied != null) return new Report(false, denied.getMessage());
                if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
                    return new Report(false, "Temporal at " + target + ": cannot describe namespace '" + namespace + "': " + e.getStatus());
                }
            }
            var queues = new ArrayList<String>();
            boolean someoneWorks = true;
            for (var q : taskQueues) {
                int pollers = -1;
                for (var type : List.of(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)) {
                    try {
                        int n = TemporalConnection.namespaced(stubs.blockingStub(), namespace).withDeadlineAfter(5, TimeUnit.SECONDS).describeTaskQueue(DescribeTaskQueueRequest.newBuilder()
                                .setNamespace(namespace).setTaskQueue(TaskQueue.newBuilder().setName(q)).setTaskQueueType(type).build()).getPollersCount();
                        pollers = Math.max(pollers, n);
                    } catch (StatusRuntimeException e) {
                        // a server that does not report pollers (the test server) leaves the count unknown
                    }
                }
                if (pollers == 0) someoneWorks = false;
                queues.add("task queue " + q + ": " + (pollers < 0 ? "workers not reported by this server" : pollers == 0
                        ? "no worker polls it (start one: apprentice worker --temporal-target " + target + ")" : pollers + " worker(s) polling"));
            }
            return new Report(someoneWorks, "Temporal" + version + " at " + target + (access.tls() ? " (" + access.describe() + ")" : "") + ", namespace " + namespace
                    + (queues.isEmpty() ? "" : "; " + String.join("; ", queues)));
        } finally {
            stubs.shutdown();
        }
    }
}
