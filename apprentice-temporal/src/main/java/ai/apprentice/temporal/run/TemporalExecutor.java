package ai.apprentice.temporal.run;

import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.server.InProcessExecutor;
import ai.apprentice.server.RunExecutor;
import ai.apprentice.server.RunRequest;
import ai.apprentice.store.RunStore;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The server's runs as Temporal workflows ({@code apprentice serve --engine temporal}): a submitted run starts the
 * workflow {@code apprentice-run-ID} on the task queue, and workers anywhere carry it out. The workflows outlive this
 * process: a shutdown only stops watching them, and after a restart a run the server resumes is attached to its
 * still-running workflow instead of started twice. There is no queue here: the workers' slots are the queue.
 * <p>
 * Approvals: a run in ask mode waits for a person in its workflow. This executor asks the workflows it holds (those
 * that may ask) for their {@code status} every {@link #POLL}, and reports what they wait for to the server's approvals
 * ({@link RunExecutor.ApprovalDesk}), under the id {@code RUN:STEP:INDEX}; the answer becomes the workflow's
 * {@code approve} signal. A query tells the holding server exactly what the workflow waits for and until when, without
 * writing anything, and only that server tells its chat channels, so a request is posted once, as an in-process run's.
 * <p>
 * The runs other servers hold (several servers on one engine and one run store): the worker that asked records the
 * waiting call in the run store ({@code RunStore.approvalWaiting}, then how it was settled), and every {@link #POLL}
 * this executor reads the calls waiting now in one query ({@code RunStore.approvalsWaiting}), reporting those of runs it
 * does not hold as waiting elsewhere: listed and told on this server's streams, answered by a signal once the workflow
 * is seen to wait for that call. One store read per server per poll, whatever the number of runs, instead of a query
 * per run and server (a query is a workflow task on a worker). An id not listed yet still reaches its workflow through
 * {@link #answerElsewhere}.
 */
public final class TemporalExecutor implements RunExecutor {
    private final WorkflowClient client;
    private final String taskQueue;
    private final int stepsPerExecution;
    private final RunStore store;
    private final Function<RunRequest, Map<String, Object>> flags;
    private final InProcessExecutor.Finished finished;
    private final Map<String, WorkflowStub> held = new ConcurrentHashMap<>();
    private volatile boolean closing;

    /** How often the workflows that may ask are asked what they wait for. */
    static final Duration POLL = Duration.ofSeconds(1);
    private volatile ApprovalDesk desk;
    private volatile Function<RunRequest, Continues> continues = r -> Continues.NOTHING;
    /** Held runs whose calls may wait for a person (not in auto or all mode). */
    private final java.util.Set<String> asking = ConcurrentHashMap.newKeySet();
    /** Runs being asked now (one query per run at a time). */
    private final java.util.Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** The approval (STEP:INDEX) each run was last reported waiting for. */
    private final Map<String, String> reported = new java.util.HashMap<>();
    /** Calls of runs other servers hold that the store listed and this executor reported: approval id to run id. */
    private final Map<String, String> reportedElsewhere = new java.util.HashMap<>();
    /** Whether the store is being read now (one read at a time). */
    private final java.util.concurrent.atomic.AtomicBoolean readingStore = new java.util.concurrent.atomic.AtomicBoolean();
    /**
     * How long past its recorded expiry a call stays listed while its store row still says it waits: the workflow denies
     * it a moment after that time and its worker then records how, as the holding server lists it until its query sees it.
     */
    static final Duration EXPIRY_GRACE = Duration.ofMinutes(1);

    public TemporalExecutor(WorkflowClient client, String taskQueue, int stepsPerExecution, RunStore store,
                            Function<RunRequest, Map<String, Object>> flags, InProcessExecutor.Finished finished) {
        this.client = client;
        this.taskQueue = taskQueue;
        this.stepsPerExecution = stepsPerExecution;
        this.store = store;
        this.flags = flags;
        this.finished = finished;
    }

    /**
     * A factory for {@code ApprenticeServer.start}: runs on {@code client}'s namespace and the given queue, {@code store}
     * the run store the workers write (where the calls of every server's runs that wait for a person are found).
     */
    public static RunExecutor.Factory factory(WorkflowClient client, String taskQueue, RunStore store) {
        return (flags, finished) -> new TemporalExecutor(client, taskQueue, RunInput.DEFAULT_STEPS_PER_EXECUTION, store, flags, finished);
    }

    @Override
    public void submit(RunRequest request) {
        if (closing) throw new IllegalStateException("the server is shutting down");
        // what the run begins with travels by reference: the earlier run's id, or a flag that the run store keeps its given messages
        var continued = continues.apply(request);
        if (held.containsKey(request.runId())) throw new IllegalStateException("run " + request.runId() + " is already held");
        int next = 1;
        if (request.kind() == RunRequest.Kind.RESUME) {
            var events = store.events(request.runId());
            if (!events.isEmpty()) next = RunSnapshot.fromEvents(events).completedSteps() + 1;
        }
        var effective = flags.apply(request);
        var d = desk;
        long timeout = d == null ? 0 : Math.max(1, d.timeout().toSeconds());
        // the trace is chosen here, once: the run's parts are traced by whichever workers carry them out
        var input = new RunInput(request.runId(), request.task(), request.workspace().toString(), effective, null, next,
                stepsPerExecution, timeout, java.util.List.of(), continued.previousRunId(), continued.givenMessages(),
                ai.apprentice.harness.telemetry.RunTrace.start(java.time.Instant.now()));
        var workflow = client.newWorkflowStub(RunWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue(taskQueue).setWorkflowId(RunInput.workflowId(request.runId())).build());
        WorkflowStub stub;
        try {
            WorkflowClient.start(workflow::run, input);
            stub = WorkflowStub.fromTyped(workflow);
        } catch (WorkflowExecutionAlreadyStarted e) {
            // still running in the cluster (this server restarted): watch it, do not start it twice
            stub = client.newUntypedWorkflowStub(RunInput.workflowId(request.runId()));
        }
        held.put(request.runId(), stub);
        var mode = String.valueOf(effective.get("approve"));
        if (!mode.equals("auto") && !mode.equals("all")) asking.add(request.runId());
        stub.getResultAsync(RunOutcome.class).whenComplete((outcome, failure) -> {
            // told first: the server records it done before it is no longer busy, so a conversation's next message finds it
            try {
                if (!closing) finished.finished(request, true);
            } finally {
                held.remove(request.runId());
                asking.remove(request.runId());
            }
            if (waitedFor(request.runId())) {
                // how its last approval was settled (denied at its timeout, say) may have come after the last query
                Thread.ofVirtual().name("approvals-of-" + request.runId()).start(() -> {
                    RunView last = null;
                    try {
                        last = stubOf(request.runId()).query("status", RunView.class);
                    } catch (RuntimeException e) {
                        // not answered: the approval is dropped without saying how it was settled
                    }
                    seen(request.runId(), last, true);
                });
            }
        });
    }

    @Override
    public boolean cancel(String runId) {
        var stub = held.get(runId);
        if (stub == null) return false;
        stub.cancel(); // the workflow stops the part in flight and records the run as cancelled
        return true;
    }

    @Override
    public Optional<State> state(String runId) {
        return held.containsKey(runId) ? Optional.of(State.RUNNING) : Optional.empty();
    }

    @Override
    public int queued() {
        return 0;
    }

    @Override
    public int running() {
        return held.size();
    }

    /** The workflows go on in the cluster; this process only stops watching them. */
    @Override
    public void shutdown(Duration grace) {
        closing = true;
        held.clear();
    }

    @Override
    public boolean runsOutliveTheServer() {
        return true; // a workflow goes on in the cluster while its server is away
    }

    @Override
    public void useContinues(Function<RunRequest, Continues> continues) {
        this.continues = continues;
    }

    @Override
    public void useApprovals(ApprovalDesk desk) {
        this.desk = desk;
        Thread.ofVirtual().name("approvals-on-temporal").start(() -> {
            while (!closing) {
                try {
                    Thread.sleep(POLL);
                } catch (InterruptedException e) {
                    return;
                }
                if (readingStore.compareAndSet(false, true)) {
                    Thread.ofVirtual().name("approvals-in-store").start(() -> {
                        try {
                            seenInStore();
                        } catch (RuntimeException e) {
                            // the store did not answer this time: read again at the next poll
                        } finally {
                            readingStore.set(false);
                        }
                    });
                }
                for (var runId : asking) {
                    var stub = held.get(runId);
                    if (stub == null || !inFlight.add(runId)) continue;
                    Thread.ofVirtual().name("approvals-of-" + runId).start(() -> {
                        try {
                            seen(runId, stub.query("status", RunView.class), false);
                        } catch (RuntimeException e) {
                            // no worker answered this time (busy, restarting): asked again at the next poll
                        } finally {
                            inFlight.remove(runId);
                        }
                    });
                }
            }
        });
    }

    /** {@code RUN:STEP:INDEX}: the run, and the call it waits for. */
    private static final java.util.regex.Pattern APPROVAL_ID = java.util.regex.Pattern.compile("(.+):(\\d+:\\d+)");

    /** The approval id the server lists for call {@code local} ({@code STEP:INDEX}) of a run: unique among all runs. */
    static String approvalId(String runId, String local) {
        return runId + ":" + local;
    }

    private boolean waitedFor(String runId) {
        synchronized (reported) {
            return reported.containsKey(runId);
        }
    }

    private WorkflowStub stubOf(String runId) {
        return client.newUntypedWorkflowStub(RunInput.workflowId(runId));
    }

    /**
     * Reports what the run's workflow waits for now ({@code view}; null: not known) where it changed; {@code ended}:
     * the run has ended, so whatever it waited for waits no more.
     */
    private void seen(String runId, RunView view, boolean ended) {
        var d = desk;
        if (d == null) return;
        synchronized (reported) {
            if (!ended && !held.containsKey(runId)) return; // a query answered after the run ended
            var now = ended || view == null ? null : view.waitingFor();
            var before = reported.get(runId);
            if (before != null && (now == null || !now.id().equals(before))) {
                reported.remove(runId);
                var s = view == null ? null : view.settled(before);
                d.settled(approvalId(runId, before), s == null ? null
                        : new Settled(s.allow(), s.always() ? "always" : "once", s.reason(), s.by(), s.timedOut()));
            }
            if (now != null && !now.id().equals(before)) {
                reported.put(runId, now.id());
                var local = now.id();
                d.waiting(approvalId(runId, local), runId, now.tool(), now.subject(), now.arguments(), java.time.Instant.ofEpochMilli(now.askedAt()),
                        java.time.Instant.ofEpochMilli(now.expiresAt()), verdict -> approve(runId, local, answer(verdict)));
            }
        }
    }

    /** The server's stream watch calls this too: one read at a time, so that an older read never reports after a newer. */
    @Override
    public void beforeStoreRead() {
        seenInStore();
    }

    private final Object storeReads = new Object();

    /**
     * Reports the calls the run store lists as waiting, of runs this executor does not hold, where that changed: new ones
     * as waiting elsewhere, and those no longer listed as settled, as their row says (read by its key).
     */
    private void seenInStore() {
        synchronized (storeReads) {
            seenInStoreNow();
        }
    }

    private void seenInStoreNow() {
        var d = desk;
        if (d == null) return;
        var now = new java.util.LinkedHashMap<String, RunStore.EngineApproval>();
        for (var a : store.approvalsWaiting(java.time.Instant.now().minus(EXPIRY_GRACE))) {
            if (!held.containsKey(a.runId())) now.put(approvalId(a.runId(), a.id()), a);
        }
        synchronized (reportedElsewhere) {
            for (var it = reportedElsewhere.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (now.containsKey(e.getKey())) continue;
                var runId = e.getValue();
                var local = e.getKey().substring(runId.length() + 1);
                RunView.Settled s = null;
                if (!held.containsKey(runId)) s = store.approval(runId, local).map(a -> StoredApprovals.read(a.settled())).orElse(null);
                it.remove();
                // a run this server took over meanwhile: its own report (from its workflow) replaces this one, or this drops it
                d.settledElsewhere(e.getKey(), s == null ? null
                        : new Settled(s.allow(), s.always() ? "always" : "once", s.reason(), s.by(), s.timedOut()));
            }
            for (var e : now.entrySet()) {
                if (reportedElsewhere.putIfAbsent(e.getKey(), e.getValue().runId()) != null) continue;
                var a = e.getValue();
                d.waitingElsewhere(e.getKey(), a.runId(), a.tool(), a.subject(), a.arguments(), a.askedAt(), a.expiresAt(),
                        verdict -> answerWaiting(a.runId(), a.id(), verdict));
            }
        }
    }

    /** How often, and how long apart, an answer to a call listed from the store checks that its workflow waits for it. */
    private static final int CHECKS = 5;
    private static final Duration CHECK_PAUSE = Duration.ofMillis(200);

    /**
     * Sends the answer to a call listed from the store once its workflow is seen to wait for it: the worker records the
     * call just before the workflow begins to wait, and a signal to a call not waited for is dropped.
     *
     * @throws java.util.NoSuchElementException when the workflow no longer waits for it (settled, ended, gone)
     */
    private void answerWaiting(String runId, String local, ai.apprentice.tools.PolicyGate.Approver.Verdict verdict) {
        var workflow = client.newWorkflowStub(RunWorkflow.class, RunInput.workflowId(runId));
        for (int check = 1; ; check++) {
            RunView view;
            try {
                view = workflow.status();
            } catch (io.temporal.client.WorkflowNotFoundException e) {
                throw new java.util.NoSuchElementException("run " + runId + " has no workflow on the engine");
            }
            if (view.waitingFor() != null && view.waitingFor().id().equals(local)) {
                approve(runId, local, answer(verdict));
                return;
            }
            if (view.settled(local) != null || List.of("finished", "cancelled", "failed", "timed_out").contains(view.state())) {
                throw new java.util.NoSuchElementException("run " + runId + " no longer waits for call " + local);
            }
            if (check == CHECKS) throw new IllegalStateException("run " + runId + " does not wait for call " + local + " yet");
            try {
                Thread.sleep(CHECK_PAUSE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while sending an answer to run " + runId, e);
            }
        }
    }

    private static Answer answer(ai.apprentice.tools.PolicyGate.Approver.Verdict v) {
        var a = v.answer();
        return new Answer(a != ai.apprentice.tools.PolicyGate.Approver.Answer.DENY, v.reason(), v.by(),
                a == ai.apprentice.tools.PolicyGate.Approver.Answer.ALWAYS);
    }

    /** An answer to {@code RUN:STEP:INDEX} of a run another server holds: signalled when its workflow waits for that call. */
    @Override
    public boolean answerElsewhere(String id, ai.apprentice.tools.PolicyGate.Approver.Verdict verdict) {
        var m = APPROVAL_ID.matcher(id);
        if (!m.matches()) return false;
        try {
            var view = client.newWorkflowStub(RunWorkflow.class, RunInput.workflowId(m.group(1))).status();
            if (view.waitingFor() == null || !view.waitingFor().id().equals(m.group(2))) return false;
            approve(m.group(1), m.group(2), answer(verdict));
            return true;
        } catch (RuntimeException e) {
            return false; // no such workflow, or it has ended
        }
    }

    /** Sends an approval answer to a run's workflow (ask mode on the engine). */
    public void approve(String runId, String approvalId, Answer answer) {
        client.newWorkflowStub(RunWorkflow.class, RunInput.workflowId(runId)).approve(approvalId, answer);
    }
}
