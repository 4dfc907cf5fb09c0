package ai.apprentice.server;

import ai.apprentice.tools.PolicyGate.Approver.Answer;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tool calls waiting for a person's answer (ask mode): a run asks, the request is listed, and the run waits until
 * someone allows or denies it, or the timeout passes, which denies. Pending requests live in memory: a restart
 * interrupts the runs that were waiting, and their resumed step asks again.
 * <p>
 * Runs on an engine wait in their workflows, not here: the executor reports them ({@link RunExecutor.ApprovalDesk}),
 * they are listed and told as in-process ones, and an answer is handed to the executor ({@code deliver}), which sends
 * it to the workflow; the workflow keeps the timeout and says when it denied one. With several servers on one engine,
 * the calls of runs another server holds are listed here too, and told on this server's streams, but only their
 * holding server tells its listeners (so that a chat gets each request once).
 */
final class Approvals {
    /**
     * {@code deliver} is null for an in-process run (its thread waits on {@code answer}), else where the answer goes;
     * {@code elsewhere}: a call of a run another server holds, whose listeners that server tells.
     */
    record Pending(String id, String runId, String tool, String subject, String arguments, Instant createdAt, Instant expiresAt,
                   CompletableFuture<ai.apprentice.tools.PolicyGate.Approver.Verdict> answer,
                   java.util.function.Consumer<ai.apprentice.tools.PolicyGate.Approver.Verdict> deliver, boolean elsewhere) {}

    /** How a request was answered, for the run's stream and the list of recent answers. */
    record Answered(String id, boolean allow, String scope, String reason, String by) {}

    private final Duration timeout;
    private final RunEvents events;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong counter = new AtomicLong();
    /** Told of every new request and every answer: an entry point that shows approvals elsewhere (a chat) listens. */
    private final List<AgentService.ApprovalListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    Approvals(Duration timeout, RunEvents events) {
        this.timeout = timeout;
        this.events = events;
    }

    Duration timeout() {
        return timeout;
    }

    /** Blocks the run's thread until the request is answered or times out (then DENY). */
    ai.apprentice.tools.PolicyGate.Approver.Verdict ask(String runId, String tool, String subject, String arguments) throws InterruptedException {
        var now = Instant.now();
        var id = "apr_" + Long.toString(counter.incrementAndGet(), 36) + Long.toString(now.toEpochMilli() % 1_000_000, 36);
        var p = new Pending(id, runId, tool, subject, arguments, now, now.plus(timeout), new CompletableFuture<>(), null, false);
        pending.put(id, p);
        requested(p);
        try {
            return p.answer().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            events.live(runId, "approval_answered", ai.apprentice.json.Json.write(
                    ai.apprentice.json.Json.object().put("id", id).put("allow", false).put("reason", "no answer within " + timeout.toSeconds() + " s")));
            told(new Answered(id, false, null, "no answer within " + timeout.toSeconds() + " s", null), runId);
            return new ai.apprentice.tools.PolicyGate.Approver.Verdict(Answer.DENY, "nobody answered within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            return new ai.apprentice.tools.PolicyGate.Approver.Verdict(Answer.DENY, null);
        } finally {
            pending.remove(id);
        }
    }

    private void requested(Pending p) {
        events.live(p.runId(), "approval_requested", ai.apprentice.json.Json.write(json(p)));
        if (!p.elsewhere()) tellRequested(p);
    }

    private void tellRequested(Pending p) {
        for (var l : listeners) {
            try {
                l.requested(view(p));
            } catch (RuntimeException e) {
                // a chat that cannot show it does not stop the run: the request is still listed and answerable over the API
            }
        }
    }

    /** A call of a run on an engine waits in its workflow (see {@link RunExecutor.ApprovalDesk#waiting}). */
    void waiting(String id, String runId, String tool, String subject, String arguments, Instant createdAt, Instant expiresAt,
                 java.util.function.Consumer<ai.apprentice.tools.PolicyGate.Approver.Verdict> deliver) {
        var p = new Pending(id, runId, tool, subject, arguments, createdAt, expiresAt, new CompletableFuture<>(), deliver, false);
        var before = pending.putIfAbsent(id, p);
        if (before == null) {
            requested(p);
        } else if (before.elsewhere() && pending.replace(id, before, p)) {
            tellRequested(p); // listed as another server's until now (this server took the run over): its streams were told
        }
    }

    /** A call of a run another server holds waits (see {@link RunExecutor.ApprovalDesk#waitingElsewhere}). */
    void waitingElsewhere(String id, String runId, String tool, String subject, String arguments, Instant createdAt, Instant expiresAt,
                          java.util.function.Consumer<ai.apprentice.tools.PolicyGate.Approver.Verdict> deliver) {
        var p = new Pending(id, runId, tool, subject, arguments, createdAt, expiresAt, new CompletableFuture<>(), deliver, true);
        if (pending.putIfAbsent(id, p) == null) requested(p);
    }

    /** A call of a run on an engine no longer waits (see {@link RunExecutor.ApprovalDesk#settled}). */
    void settled(String id, RunExecutor.Settled how) {
        var p = pending.remove(id);
        if (p == null || how == null) return; // answered here (told already), or its run ended (as an interrupted in-process run's)
        settledAs(p, how);
    }

    /** A call of a run another server holds no longer waits (see {@link RunExecutor.ApprovalDesk#settledElsewhere}). */
    void settledElsewhere(String id, RunExecutor.Settled how) {
        var p = pending.get(id);
        if (p == null || !p.elsewhere() || !pending.remove(id, p)) return; // answered here, or listed as this server's own now
        if (how != null) settledAs(p, how);
    }

    private void settledAs(Pending p, RunExecutor.Settled how) {
        var id = p.id();
        var reason = how.timedOut() ? "no answer within " + timeout.toSeconds() + " s" : how.reason();
        var o = ai.apprentice.json.Json.object().put("id", id).put("allow", how.allow());
        if (how.allow()) o.put("scope", how.scope());
        if (how.by() != null) o.put("by", how.by());
        if (reason != null) o.put("reason", reason);
        events.live(p.runId(), "approval_answered", ai.apprentice.json.Json.write(o));
        if (!p.elsewhere()) told(new Answered(id, how.allow(), how.allow() ? how.scope() : null, reason, how.by()), p.runId());
    }

    /** Where an answer to an id not pending here may still go (a run another server holds on a shared engine). */
    private volatile java.util.function.BiPredicate<String, ai.apprentice.tools.PolicyGate.Approver.Verdict> elsewhere = (id, v) -> false;

    void answerElsewhereWith(java.util.function.BiPredicate<String, ai.apprentice.tools.PolicyGate.Approver.Verdict> elsewhere) {
        this.elsewhere = elsewhere;
    }

    List<Pending> pending() {
        return pending.values().stream().sorted(Comparator.comparing(Pending::createdAt)).toList();
    }

    /** Answers a pending request. */
    void answer(String id, boolean allow, String scope, String reason, String by) {
        var answer = !allow ? Answer.DENY : "always".equals(scope) ? Answer.ALWAYS : Answer.ONCE;
        var verdict = new ai.apprentice.tools.PolicyGate.Approver.Verdict(answer, reason, by);
        var p = pending.remove(id); // taken at once: a second answer finds nothing, however fast it comes
        if (p == null) {
            // the server that holds the run lists it and tells its stream and listeners when its workflow has the answer
            if (elsewhere.test(id, verdict)) return;
            throw ApiException.notFound("No pending approval " + id + " (answered already, timed out, or never asked). See GET /api/approvals");
        }
        if (!p.answer().complete(verdict)) throw ApiException.conflict("Approval " + id + " was answered already");
        if (p.deliver() != null) {
            try {
                p.deliver().accept(verdict);
            } catch (java.util.NoSuchElementException gone) {
                // its workflow no longer waits for it (settled elsewhere a moment ago): nothing to answer
                throw ApiException.notFound("No pending approval " + id + " (answered already, timed out, or never asked). See GET /api/approvals");
            } catch (RuntimeException e) {
                pending.putIfAbsent(id, new Pending(p.id(), p.runId(), p.tool(), p.subject(), p.arguments(), p.createdAt(), p.expiresAt(),
                        new CompletableFuture<>(), p.deliver(), p.elsewhere()));
                throw new ApiException(503, "unavailable", "Could not send the answer to run " + p.runId() + " on the engine ("
                        + e.getClass().getSimpleName() + "); try again");
            }
        }
        var o = ai.apprentice.json.Json.object().put("id", id).put("allow", allow).put("scope", scope).put("by", by);
        if (reason != null) o.put("reason", reason);
        events.live(p.runId(), "approval_answered", ai.apprentice.json.Json.write(o));
        // another server's run: that server tells its listeners when its workflow has the answer, as for an answer it got
        if (!p.elsewhere()) told(new Answered(id, allow, scope, reason, by), p.runId());
    }

    Pending get(String id) {
        return pending.get(id);
    }

    void listen(AgentService.ApprovalListener l) {
        listeners.add(l);
    }

    private void told(Answered a, String runId) {
        for (var l : listeners) {
            try {
                l.answered(new AgentService.Answer(a.id(), runId, a.allow(), a.scope(), a.reason(), a.by()));
            } catch (RuntimeException e) {
                // as above: showing the answer elsewhere is best effort
            }
        }
    }

    static AgentService.Approval view(Pending p) {
        return new AgentService.Approval(p.id(), p.runId(), p.tool(), p.subject(), p.arguments(), p.createdAt(), p.expiresAt());
    }

    static com.fasterxml.jackson.databind.node.ObjectNode json(Pending p) {
        return ai.apprentice.json.Json.object().put("id", p.id()).put("run_id", p.runId()).put("tool", p.tool()).put("subject", p.subject())
                .put("arguments", p.arguments()).put("created_at", p.createdAt().toString()).put("expires_at", p.expiresAt().toString());
    }
}
