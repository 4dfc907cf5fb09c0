package ai.apprentice.temporal.run;

import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.runtime.StepDriver;
import ai.apprentice.tools.PolicyGate;
import io.temporal.activity.Activity;

/** The activities of run workflows: each builds the run's agent and carries out one part with a {@link StepDriver}. */
public final class RunActivitiesImpl implements RunActivities {
    /** Thrown by the approver when a call needs a person and the workflow has no answer yet: nothing was recorded. */
    private static final class NeedsApproval extends RuntimeException {
        final String tool, subject, arguments;

        NeedsApproval(String tool, String subject, String arguments) {
            super("waiting for a person's approval of " + tool, null, false, false);
            this.tool = tool;
            this.subject = subject;
            this.arguments = arguments;
        }
    }

    private final RunAgents agents;

    public RunActivitiesImpl(RunAgents agents) {
        this.agents = agents;
    }

    private StepDriver driver(RunInput input, Answer answer) {
        return new StepDriver(agent(input, answer, false), agents.store());
    }

    /**
     * {@code retried}: this is Temporal's retry of a tool part whose earlier attempt failed, and {@code answer} is the one
     * the workflow gave the first attempt, to a question asked before that attempt ran the call. It cannot say whether
     * the call may run again now that an attempt died with it started: a not-twice call's "again after a crash" is asked anew.
     */
    private ai.apprentice.runtime.Agent agent(RunInput input, Answer answer, boolean retried) {
        PolicyGate.Approver approver = new PolicyGate.Approver() {
            @Override
            public Answer ask(String tool, String subject, String arguments) {
                throw new NeedsApproval(tool, subject, arguments);
            }

            @Override
            public Verdict decide(String tool, String subject, String arguments) {
                if (answer == null || retried && subject.startsWith(RunWorkflowImpl.AGAIN)) throw new NeedsApproval(tool, subject, arguments);
                return new Verdict(!answer.allow() ? Answer.DENY : answer.always() ? Answer.ALWAYS : Answer.ONCE, answer.reason(), answer.by());
            }

            @Override
            public boolean alwaysAllowed(String key) {
                return input.alwaysAllowed().contains(key); // the workflow keeps the run's "always" answers
            }
        };
        return agents.agent(input, approver);
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
        return heartbeating(input, () -> {
            // the messages the request brought, or everything a conversation's previous run had (as in process): read from
            // the store, where the server left them under this run's id, never carried in the workflow's input
            var conversation = input.givenMessages() ? givenMessages(input.runId())
                    : input.previousRunId() == null ? java.util.List.<ai.apprentice.model.Message>of()
                    : previousHistory(input.previousRunId());
            var agent = agent(input, null, false);
            new StepDriver(agent, agents.store()).begin(input.runId(), conversation, input.task(), input.parentId());
            // run_started holds them now (redacted, as every event): the copy kept as given goes
            if (input.givenMessages()) agents.store().forgetGivenMessages(input.runId());
            // the run outlives this worker: the death of the process that began it must not mark it interrupted
            agents.store().heldByEngine(input.runId());
            return millis(agent.budget().timeout()); // the workflow keeps the deadline
        });
    }

    @Override
    public Long timeout(RunInput input) {
        return heartbeating(input, () -> millis(agent(input, null, false).budget().timeout()));
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
        return heartbeating(input, () -> {
            var reply = driver(input, null).model(input.runId(), step);
            return new Reply(reply.toolCalls(), RunOutcome.of(reply.ended()));
        });
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
        return heartbeating(input, () -> {
            var driver = new StepDriver(agent(input, answer, retried), agents.store());
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
        });
    }

    @Override
    public RunOutcome complete(RunInput input, int step) {
        return heartbeating(input, () -> RunOutcome.of(driver(input, null).complete(input.runId(), step)));
    }

    @Override
    public RunOutcome stop(RunInput input, String status, String reason, String error) {
        return heartbeating(input, () -> {
            agents.store().approvalsSettled(input.runId(), StoredApprovals.ENDED); // cancelled while a call waited: it waits no more
            return RunOutcome.of(driver(input, null).stop(input.runId(), RunStatus.parse(status), reason, error));
        });
    }

    @Override
    public RunOutcome timedOut(RunInput input, int step) {
        return heartbeating(input, () -> {
            agents.store().approvalsSettled(input.runId(), StoredApprovals.ENDED); // out of time while a call waited: it waits no more
            return RunOutcome.of(driver(input, null).timedOut(input.runId(), step));
        });
    }

    @Override
    public void feedback(String runId, String rating, String note, String author) {
        agents.store().append(Event.Feedback.of(runId, rating, null, note, author));
    }

}
