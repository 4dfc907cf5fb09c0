package ai.apprentice.server;

import ai.apprentice.harness.Harness;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.store.RunRecord;
import ai.apprentice.store.RunStore.StoredEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an entry point living in the server (a chat channel, a trigger) does with the agent: start runs in a workspace
 * under the server's root, continue a thread's conversation, follow a run's events, answer its approvals and attach
 * feedback. The same runs as the API's: accepted and recorded before they are queued, carried out by the server's
 * executor through the one harness, with the server's defaults and model, picked up again after a restart.
 * <p>
 * A run started here carries a profile (settings from the operator's config, such as a channel's approval mode and
 * budgets), an author and an origin, which are recorded with it and shown in {@code GET /api/runs/{id}}.
 */
public final class AgentService {
    /** Who asked ({@code slack:U123}, null for nobody in particular) and from where ({@code slack:T1/C2/1700.1}, {@code trigger:nightly}). */
    public record Origin(String author, String source) {}

    /** A tool call waiting for a person's answer. */
    public record Approval(String id, String runId, String tool, String subject, String arguments, Instant createdAt, Instant expiresAt) {}

    /** How an approval was answered; {@code by} is null when nobody answered in time. */
    public record Answer(String id, String runId, boolean allow, String scope, String reason, String by) {}

    /** Told of approvals as runs ask for them and as they are answered (from anywhere: the API, the web UI, a chat). */
    public interface ApprovalListener {
        void requested(Approval approval);

        default void answered(Answer answer) {}
    }

    private final Runs runs;
    private final Conversations conversations;

    AgentService(Runs runs, Conversations conversations) {
        this.runs = runs;
        this.conversations = conversations;
    }

    public Harness harness() {
        return runs.harness();
    }

    /** The folder runs' workspaces are confined to. */
    public Path root() {
        return runs.options().root();
    }

    /**
     * {@code relative} as a workspace, confined under the root (created when missing).
     *
     * @throws ApiException 403 when it lies outside the root or in a protected folder
     */
    public Path workspace(String relative) {
        return runs.workspace(relative);
    }

    /**
     * Starts a run of {@code task}. With a {@code conversationKey} (a chat thread's), the run continues the
     * conversation of that key, created at its first message; a conversation whose last run is still going refuses
     * (409), so that one thread runs one thing at a time.
     *
     * @return the new run's id
     * @throws ApiException 403 for a workspace outside the root, 409 for a busy conversation, 422 for bad settings
     */
    public String start(String task, String workspace, Map<String, Object> profile, String conversationKey, Origin origin) {
        return start(RunIds.next(), task, workspace, profile, conversationKey, origin);
    }

    /**
     * The same with an id chosen beforehand ({@link #newRunId()}), so that the caller can note the run before it can
     * begin (and ask for approvals).
     */
    public String start(String id, String task, String workspace, Map<String, Object> profile, String conversationKey, Origin origin) {
        var ws = runs.workspace(workspace);
        String conversationId = null;
        if (conversationKey != null) {
            conversationId = conversationFor(conversationKey, ws);
            var last = runs.lastRunOf(conversationId);
            if (last.isPresent() && runs.busy(last.get())) {
                throw ApiException.conflict("The conversation is still working on run " + last.get());
            }
        }
        runs.accept(id, task, ws, Map.of(), conversationId, List.of(), profile, origin.author(), origin.source());
        return id;
    }

    /** A fresh run id, for {@link #start(String, String, String, Map, String, Origin)}. */
    public String newRunId() {
        return RunIds.next();
    }

    private synchronized String conversationFor(String key, Path workspace) {
        var db = runs.db();
        var known = db.query("SELECT conversation_id FROM conversation_keys WHERE key=?", rs -> rs.getString(1), key);
        if (!known.isEmpty()) return known.get(0);
        var c = conversations.create(key, workspace.toString(), Map.of());
        db.update("INSERT INTO conversation_keys(key, conversation_id) VALUES (?,?)", key, c.id());
        return c.id();
    }

    /** The runs of a conversation key, oldest first (empty when the key never started one). */
    public List<String> runsOf(String conversationKey) {
        var known = runs.db().query("SELECT conversation_id FROM conversation_keys WHERE key=?", rs -> rs.getString(1), conversationKey);
        return known.isEmpty() ? List.of() : runs.runsOf(known.get(0));
    }

    /** queued, running, succeeded, failed, cancelled, interrupted, ... (as in {@code GET /api/runs/{id}}), or unknown. */
    public String status(String runId) {
        return runs.status(runId);
    }

    /** Whether the run is queued or still going. */
    public boolean busy(String runId) {
        var s = status(runId);
        return s.equals("queued") || s.equals("running");
    }

    public Optional<RunRecord> run(String runId) {
        return runs.record(runId);
    }

    /** Who started the run and from where, as recorded when it was accepted here. */
    public Optional<Origin> origin(String runId) {
        return runs.acceptedRow(runId).map(a -> new Origin(a.author(), a.origin()));
    }

    /** The run's stored events after sequence number {@code afterSeq}, at most {@code limit}. */
    public List<StoredEvent> eventsAfter(String runId, long afterSeq, int limit) {
        return harness().store().eventsAfter(runId, afterSeq, limit);
    }

    /**
     * Waits until the run has stored something new after {@code afterSeq} or {@code millis} pass; returns what is
     * there then. A follower calls this in a loop until it sees run_finished or the run is no longer busy.
     */
    public List<StoredEvent> awaitEvents(String runId, long afterSeq, long millis) throws InterruptedException {
        try (var sub = runs.events().subscribe(runId)) {
            long version = sub.storedVersion();
            var now = eventsAfter(runId, afterSeq, 500);
            if (!now.isEmpty()) return now;
            long deadline = System.nanoTime() + millis * 1_000_000;
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0 || !busy(runId)) return eventsAfter(runId, afterSeq, 500);
                sub.await(sub.version(), Math.min(left, 250));
                if (sub.storedVersion() != version) return eventsAfter(runId, afterSeq, 500);
            }
        }
    }

    public boolean cancel(String runId) {
        return runs.cancel(runId);
    }

    /** Tells {@code listener} of every approval asked for and answered from now on. */
    public void onApproval(ApprovalListener listener) {
        runs.approvals().listen(listener);
    }

    public Optional<Approval> approval(String id) {
        return Optional.ofNullable(runs.approvals().get(id)).map(Approvals::view);
    }

    /**
     * Answers a pending approval as {@code by} ({@code slack:U123}), which the run's permission event records.
     *
     * @throws ApiException 404 when it is no longer pending
     */
    public void answer(String approvalId, boolean allow, String scope, String reason, String by) {
        runs.approvals().answer(approvalId, allow, allow ? (scope == null ? "once" : scope) : null, reason, by);
    }

    /**
     * Attaches a person's feedback to a finished run, and wakes its streams.
     *
     * @throws ApiException 409 when the run has not finished, 422 for feedback with nothing in it
     */
    public Event.Feedback feedback(String runId, String rating, String correction, String author) {
        var run = runs.record(runId).orElseThrow(() -> ApiException.conflict("Run " + runId + " has not started"));
        if (run.running() || runs.busy(runId)) throw ApiException.conflict("Run " + runId + " is still running");
        Event.Feedback event;
        try {
            event = Event.Feedback.of(run.id(), rating, null, correction, author);
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable(e.getMessage());
        }
        harness().store().append(event);
        runs.events().changed(run.id());
        return event;
    }

    /** Secrets replaced: what anything the server sends outside (a chat message) passes through. */
    public String redact(String text) {
        return harness().store().redact(text);
    }
}
