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
 */
final class Approvals {
    record Pending(String id, String runId, String tool, String subject, String arguments, Instant createdAt, Instant expiresAt,
                   CompletableFuture<ai.apprentice.tools.PolicyGate.Approver.Verdict> answer) {}

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
        var p = new Pending(id, runId, tool, subject, arguments, now, now.plus(timeout), new CompletableFuture<>());
        pending.put(id, p);
        events.live(runId, "approval_requested", ai.apprentice.json.Json.write(json(p)));
        for (var l : listeners) {
            try {
                l.requested(view(p));
            } catch (RuntimeException e) {
                // a chat that cannot show it does not stop the run: the request is still listed and answerable over the API
            }
        }
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

    List<Pending> pending() {
        return pending.values().stream().sorted(Comparator.comparing(Pending::createdAt)).toList();
    }

    /** Answers a pending request. */
    void answer(String id, boolean allow, String scope, String reason, String by) {
        var p = pending.remove(id); // taken at once: a second answer finds nothing, however fast it comes
        if (p == null) throw ApiException.notFound("No pending approval " + id + " (answered already, timed out, or never asked). See GET /api/approvals");
        var answer = !allow ? Answer.DENY : "always".equals(scope) ? Answer.ALWAYS : Answer.ONCE;
        if (!p.answer().complete(new ai.apprentice.tools.PolicyGate.Approver.Verdict(answer, reason, by))) throw ApiException.conflict("Approval " + id + " was answered already");
        var o = ai.apprentice.json.Json.object().put("id", id).put("allow", allow).put("scope", scope).put("by", by);
        if (reason != null) o.put("reason", reason);
        events.live(p.runId(), "approval_answered", ai.apprentice.json.Json.write(o));
        told(new Answered(id, allow, scope, reason, by), p.runId());
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
