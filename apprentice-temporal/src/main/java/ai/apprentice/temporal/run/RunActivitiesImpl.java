package ai.apprentice.temporal.run;

import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.runtime.StepDriver;
import ai.apprentice.tools.PolicyGate;
import io.temporal.activity.Activity;

/** The activities of run workflows: each builds the run's agent and carries out one part with a {@link StepDriver}. */
public final class RunActivitiesImpl implements RunActivities {
    /** Thrown by the approver when a call needs a person and the workflow has no answer yet: nothing was recorded. */
    static final class NeedsApproval extends RuntimeException {
        final String tool, subject, arguments;

        NeedsApproval(String tool, String subject, String arguments) {
            super("waiting for a person's approval of " + tool, null, false, false);
            this.tool = tool;
            this.subject = subject;
            this.arguments = arguments;
        }
    }

    private final RunAgents agents;
    private final WarmRuns warm;

    /** A worker's parts, keeping up to {@link WarmRuns#DEFAULT_SIZE} runs' agents and events between parts. */
    public RunActivitiesImpl(RunAgents agents) {
        this(agents, WarmRuns.DEFAULT_SIZE);
    }

    /** {@code warmRuns}: how many runs' agents and events this worker keeps between parts (0: none, each part builds all from the store). */
    public RunActivitiesImpl(RunAgents agents, int warmRuns) {
        this.agents = agents;
        this.warm = new WarmRuns(warmRuns);
    }

    /**
     * The approver of a run's gate: the workflow's answer for this part (null: none yet, so a call that needs a person
     * makes the part return the question) and the run's "always" answers, told anew before each part.
     * {@code retried}: the part is Temporal's retry of a tool part whose earlier attempt failed, and the answer is the
     * one the workflow gave the first attempt, to a question asked before that attempt ran the call. It cannot say
     * whether the call may run again now that an attempt died with it started: a not-twice call's "again after a
     * crash" is asked anew.
     */
    static final class PartApprover implements PolicyGate.Approver {
        private volatile RunInput input;
        private volatile ai.apprentice.temporal.run.Answer answer;
        private volatile boolean retried;

        void tell(RunInput input, ai.apprentice.temporal.run.Answer answer, boolean retried) {
            this.input = input;
            this.answer = answer;
            this.retried = retried;
        }

        @Override
        public Answer ask(String tool, String subject, String arguments) {
            throw new NeedsApproval(tool, subject, arguments);
        }

        @Override
        public Verdict decide(String tool, String subject, String arguments) {
            var given = answer;
            if (given == null || retried && subject.startsWith(RunWorkflowImpl.AGAIN)) throw new NeedsApproval(tool, subject, arguments);
            return new Verdict(!given.allow() ? Answer.DENY : given.always() ? Answer.ALWAYS : Answer.ONCE, given.reason(), given.by());
        }

        @Override
        public boolean alwaysAllowed(String key) {
            return input.alwaysAllowed().contains(key); // the workflow keeps the run's "always" answers
        }
    }

    /** A part carried out with its run's driver; {@code warm} holds the agent it drives. */
    private interface DriverPart<T> {
        T run(StepDriver driver, WarmRuns.Warm warm) throws InterruptedException;
    }

    /**
     * Carries out a part with the run's kept agent and events when this worker has them and the store has nothing
     * newer, else with an agent and events built from the store. Kept again after, unless the part failed or
     * {@code ended} says the run is over.
     */
    private <T> T driven(RunInput input, ai.apprentice.temporal.run.Answer answer, DriverPart<T> part, java.util.function.Predicate<T> ended)
            throws InterruptedException {
        return driven(input, answer, false, false, part, ended);
    }

    private <T> T driven(RunInput input, ai.apprentice.temporal.run.Answer answer, boolean fresh, boolean retried, DriverPart<T> part,
                         java.util.function.Predicate<T> ended) throws InterruptedException {
        var settings = WarmRuns.Settings.of(input);
        var w = warm.take(input.runId());
        // a run's first part in a workflow (its beginning, a resumed run's first part) starts from the store, as a new
        // loop does in process: nothing of an earlier workflow of the run (its gate's answers) carries over
        if (fresh) w = null;
        // other settings, or events stored since (another worker's part, an attempt given up): built again, from the store
        if (w != null && (!w.settings.equals(settings) || w.events.catchUp() > 0)) w = null;
        if (w == null) {
            var approver = new PartApprover();
            approver.tell(input, answer, retried);
            w = new WarmRuns.Warm(settings, agents.agent(input, approver), approver, new WarmRuns.Events(agents.store(), input.runId()));
        } else {
            w.approver.tell(input, answer, retried);
        }
        T result = part.run(new StepDriver(w.agent, w.events), w);
        if (!ended.test(result)) {
            w.events.catchUp(); // this part's own events, so that the next part finds nothing newer
            warm.keep(input.runId(), w);
        }
        return result;
    }

    /** Runs whose agents and events this worker keeps now (for tests). */
    int warmRuns() {
        return warm.size();
    }

    private static Long millis(java.time.Duration timeout) {
        return timeout == null || timeout.isZero() || timeout.isNegative() ? null : Math.max(1, timeout.toMillis());
    }

    /** A part of the loop; it may block (a model call, a shell command) and is interrupted when the run is cancelled. */
    private interface Part<T> {
        T run() throws InterruptedException;
    }

    /**
     * Runs a part on its own thread while this one heartbeats: a cancelled workflow's cancellation arrives with a
     * heartbeat's answer, and then the part is interrupted (a model call or a shell command stops as it does in
     * process) before the activity ends, so nothing of it is recorded after the run's end.
     */
    private static <T> T heartbeating(RunInput input, Part<T> part) {
        var result = new java.util.concurrent.CompletableFuture<T>();
        var thread = Thread.ofVirtual().name("run-part").start(() -> {
            // the part's events are traced under the run's agent span, which another worker may make
            try (var traced = input.trace() == null ? null : input.trace().enter(input.runId())) {
                result.complete(part.run());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        var context = Activity.getExecutionContext();
        try {
            while (true) {
                try {
                    return result.get(1, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    context.heartbeat(null);
                }
            }
        } catch (io.temporal.client.ActivityCompletionException cancelled) {
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            throw cancelled;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw Activity.wrap(e.getCause());
        } catch (InterruptedException e) {
            thread.interrupt();
            throw Activity.wrap(e);
        }
    }

    @Override
    public Long begin(RunInput input) {
        // heartbeating too: the first part a cold worker runs assembles the agent, which on a loaded machine can outlast
        // the heartbeat timeout, and a begin timed out for that is retried with growing back-off
        return heartbeating(input, () -> driven(input, null, true, false, (driver, w) -> {
            // the messages the request brought, or everything a conversation's previous run had (as in process): read from
            // the store, where the server left them under this run's id, never carried in the workflow's input
            var conversation = input.givenMessages() ? givenMessages(input.runId())
                    : input.previousRunId() == null ? java.util.List.<ai.apprentice.model.Message>of()
                    : previousHistory(input.previousRunId());
            driver.begin(input.runId(), conversation, input.task(), input.parentId());
            // run_started holds them now (redacted, as every event): the copy kept as given goes
            if (input.givenMessages()) agents.store().forgetGivenMessages(input.runId());
            // the run outlives this worker: the death of the process that began it must not mark it interrupted
            agents.store().heldByEngine(input.runId());
            return millis(w.agent.budget().timeout()); // the workflow keeps the deadline
        }, t -> false));
    }

    @Override
    public Long timeout(RunInput input) {
        return heartbeating(input, () -> driven(input, null, true, false, (driver, w) -> millis(w.agent.budget().timeout()), t -> false));
    }

    private java.util.List<ai.apprentice.model.Message> givenMessages(String runId) {
        var given = agents.store().givenMessages(runId);
        // a begin retried after it stored run_started (and dropped them): begin does nothing more
        if (given.isEmpty() && !agents.store().eventsAfter(runId, 0, 1).isEmpty()) return java.util.List.of();
        return given.orElseThrow(() -> new IllegalArgumentException(
                "the messages given with run " + runId + " are not in the run store this worker uses (" + agents.store().location() + ")"));
    }

    private java.util.List<ai.apprentice.model.Message> previousHistory(String runId) {
        var events = agents.store().events(runId);
        if (events.isEmpty()) throw new IllegalArgumentException("run " + runId + ", whose conversation this run continues, is not in the run store");
        return ai.apprentice.runtime.RunSnapshot.fromEvents(events).history();
    }

    @Override
    public Reply model(RunInput input, int step) {
        return heartbeating(input, () -> driven(input, null, (driver, w) -> {
            var reply = driver.model(input.runId(), step);
            return new Reply(reply.toolCalls(), RunOutcome.of(reply.ended()));
        }, r -> r.ended() != null));
    }

    /**
     * A call that waits for a person is also recorded in the run store, and so is how it was settled (the answer the
     * workflow hands the call's next activity): every server that shares the store lists it with one read, whichever
     * server accepted the run (the accepting one also asks the workflow). Times are this worker's clock; the workflow
     * starts its own timer a moment later, so the recorded expiry is never later than the real one.
     */
    @Override
    public ToolOutcome tool(RunInput input, int step, int index, Answer answer, boolean completeStep) {
        boolean retried = Activity.getExecutionContext().getInfo().getAttempt() > 1; // read here: the part runs on a thread of its own
        return heartbeating(input, () -> driven(input, answer, false, retried, (driver, w) -> {
            var id = Approval.id(step, index);
            if (answer != null) agents.store().approvalSettled(input.runId(), id, StoredApprovals.settled(id, answer));
            try {
                driver.tool(input.runId(), step, index);
            } catch (NeedsApproval n) {
                var now = java.time.Instant.now();
                agents.store().approvalWaiting(input.runId(), id, n.tool, n.subject, n.arguments, now, now.plus(input.approvalTimeout()));
                return new ToolOutcome(new Approval(id, step, index, n.tool, n.subject, n.arguments), false, null);
            }
            if (!completeStep) return ToolOutcome.done();
            return new ToolOutcome(null, true, RunOutcome.of(driver.complete(input.runId(), step)));
        }, o -> o.ended() != null));
    }

    @Override
    public RunOutcome complete(RunInput input, int step) {
        return heartbeating(input, () -> driven(input, null, (driver, w) -> RunOutcome.of(driver.complete(input.runId(), step)), o -> o != null));
    }

    @Override
    public RunOutcome stop(RunInput input, String status, String reason, String error) {
        return heartbeating(input, () -> {
            agents.store().approvalsSettled(input.runId(), StoredApprovals.ENDED); // cancelled while a call waited: it waits no more
            return driven(input, null, (driver, w) -> RunOutcome.of(driver.stop(input.runId(), RunStatus.parse(status), reason, error)), o -> true);
        });
    }

    @Override
    public RunOutcome timedOut(RunInput input, int step) {
        return heartbeating(input, () -> {
            agents.store().approvalsSettled(input.runId(), StoredApprovals.ENDED); // out of time while a call waited: it waits no more
            return driven(input, null, (driver, w) -> RunOutcome.of(driver.timedOut(input.runId(), step)), o -> true);
        });
    }

    @Override
    public void feedback(String runId, String rating, String note, String author) {
        agents.store().append(Event.Feedback.of(runId, rating, null, note, author));
    }

}
