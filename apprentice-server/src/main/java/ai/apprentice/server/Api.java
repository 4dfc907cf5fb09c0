package ai.apprentice.server;

import ai.apprentice.json.Json;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.store.RunJson;
import ai.apprentice.store.RunRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Set;

/** The REST API under {@code /api}: runs and their event streams, conversations, approvals and feedback. */
final class Api {
    private final Runs runs;
    private final Conversations conversations;
    private final Approvals approvals;
    private final EventStream stream;

    Api(Runs runs, Conversations conversations, Approvals approvals, EventStream stream) {
        this.runs = runs;
        this.conversations = conversations;
        this.approvals = approvals;
        this.stream = stream;
    }

    void routes(RoutesConfig r) {
        r.post("/api/runs", this::createRun);
        r.get("/api/runs", this::listRuns);
        r.get("/api/runs/{id}", this::getRun);
        r.post("/api/runs/{id}/cancel", this::cancelRun);
        r.post("/api/runs/{id}/resume", this::resumeRun);
        r.get("/api/runs/{id}/events", this::events);
        r.post("/api/runs/{id}/feedback", this::feedback);
        r.post("/api/sessions", this::createSession);
        r.get("/api/sessions", this::listSessions);
        r.get("/api/sessions/{id}", this::getSession);
        r.post("/api/sessions/{id}/messages", this::postMessage);
        r.get("/api/approvals", this::listApprovals);
        r.post("/api/approvals/{id}", this::answerApproval);
    }

    static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status).contentType("application/json").result(Json.write(body));
    }

    // ---- runs ----

    private void createRun(Context ctx) {
        var body = Body.of(ctx, Set.of("task", "workspace", "model", "settings"));
        var task = body.text("task", true);
        var workspace = runs.workspace(body.text("workspace", false));
        var flags = runs.flags(body.text("model", false), body.node("settings"));
        var request = runs.accept(task, workspace, flags, null);
        ctx.header("Location", "/api/runs/" + request.runId());
        json(ctx, 201, Json.object().put("id", request.runId()).put("status", status(request.runId())));
    }

    /** queued or running while the executor holds the run, else what the run store (or the accepted record) says. */
    private String status(String runId) {
        return runs.status(runId);
    }

    private void listRuns(Context ctx) {
        int limit = intParam(ctx, "limit", 50, 1, 500);
        int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        RunStatus status = null;
        var s = ctx.queryParam("status");
        if (s != null) {
            try {
                status = RunStatus.parse(s);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("Unknown status '" + s + "'; use running, succeeded, failed, interrupted or cancelled");
            }
        }
        var session = ctx.queryParam("session");
        List<String> ids = null;
        if (session != null) {
            conversations.get(session).orElseThrow(() -> ApiException.notFound("No session " + session));
            ids = runs.runsOf(session);
        }
        boolean all = "true".equals(ctx.queryParam("subagents"));
        var page = runs.harness().store().list(status, !all, ids, limit, offset);
        var outcomes = runs.harness().store().outcomes(page.stream().map(RunRecord::id).toList());
        var arr = Json.MAPPER.createArrayNode();
        page.forEach(r -> arr.add(runJson(r, outcomes.get(r.id()))));
        var o = Json.object();
        o.set("runs", arr);
        o.put("limit", limit).put("offset", offset);
        if (page.size() == limit) o.put("next_offset", offset + limit);
        else o.putNull("next_offset");
        json(ctx, 200, o);
    }

    private ObjectNode runJson(RunRecord r, ai.apprentice.store.RunOutcome outcome) {
        var o = RunJson.of(r, outcome);
        if (runs.busy(r.id()) && r.status() != RunStatus.RUNNING) o.put("status", status(r.id()));
        return withOrigin(o, r.id());
    }

    /** Who started a run accepted here and from where (a chat person, a trigger), when known. */
    private ObjectNode withOrigin(ObjectNode o, String runId) {
        runs.acceptedRow(runId).ifPresent(a -> {
            if (a.author() != null) o.put("author", a.author());
            if (a.origin() != null) o.put("origin", a.origin());
        });
        return o;
    }

    private void getRun(Context ctx) {
        var id = ctx.pathParam("id");
        boolean events = "true".equals(ctx.queryParam("events"));
        boolean heldBefore = runs.busy(id);
        var run = runs.record(id);
        if (run.isEmpty()) {
            var accepted = runs.acceptedRow(id).orElseThrow(() -> ApiException.notFound("No run " + id + ". See GET /api/runs"));
            var status = status(accepted.runId());
            // it may have begun, and even ended, since its row was looked for: then it is answered as a run (CI saw
            // 'succeeded' answered from the accepted record, without the run's answer)
            run = runs.record(accepted.runId());
            if (run.isEmpty()) {
                var o = Json.object().put("id", accepted.runId()).put("status", status).put("task", accepted.task())
                        .put("workspace", accepted.workspace()).put("accepted_at", accepted.acceptedAt());
                if (accepted.error() != null) o.put("error", accepted.error());
                withOrigin(o, accepted.runId());
                if (events) o.putArray("events");
                json(ctx, 200, o);
                return;
            }
            heldBefore = true; // read it again below if it was let go meanwhile
        }
        var runId = run.get().id();
        var live = runs.busy(runId) ? status(runId) : null;
        if (live != null && !live.equals("running") && !live.equals("queued") || live == null && heldBefore) {
            // held when its row was read and let go since: the row may be from before its end (CI saw the 'interrupted' of
            // a run being resumed answered after the resumed run had finished, and a finished run without its answer)
            run = runs.record(runId);
            live = null;
        }
        var store = runs.harness().store();
        var o = events ? withOrigin(RunJson.withEvents(store, run.get()), runId)
                : runJson(run.get(), store.outcomes(List.of(runId)).get(runId));
        if (live != null) o.put("status", live);
        json(ctx, 200, o);
    }

    private String existing(String id) {
        if (runs.busy(id)) return id; // held here: no read of the store (every stream of a live run opens with this)
        var run = runs.record(id);
        if (run.isPresent()) return run.get().id();
        return runs.acceptedRow(id).map(Runs.Accepted::runId).orElseThrow(() -> ApiException.notFound("No run " + id + ". See GET /api/runs"));
    }

    private void cancelRun(Context ctx) {
        var id = existing(ctx.pathParam("id"));
        if (!runs.cancel(id)) throw ApiException.conflict("Run " + id + " is not running here (" + status(id) + "); nothing to cancel");
        json(ctx, 202, Json.object().put("id", id).put("status", "cancelling"));
    }

    private void resumeRun(Context ctx) {
        Body.of(ctx, Set.of());
        var request = runs.resume(existing(ctx.pathParam("id")));
        json(ctx, 202, Json.object().put("id", request.runId()).put("status", status(request.runId())));
    }

    private void events(Context ctx) throws Exception {
        var id = existing(ctx.pathParam("id"));
        long after = 0;
        var header = ctx.header("Last-Event-ID");
        var param = ctx.queryParam("after");
        var given = header != null && !header.isBlank() ? header : param;
        if (given != null) {
            try {
                after = Long.parseLong(given.strip());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Last-Event-ID (or after) must be an event number, got '" + given + "'");
            }
        }
        // a run cancelled or failed before it began has no events and never will; one that is over has no more to come
        stream.stream(ctx, id, after, () -> !runs.busy(id) && runs.record(id).map(r -> !r.running()).orElse(true));
    }

    private void feedback(Context ctx) {
        var id = existing(ctx.pathParam("id"));
        var body = Body.of(ctx, Set.of("rating", "score", "correction"));
        var run = runs.record(id).orElseThrow(() -> ApiException.conflict("Run " + id + " has not started; give feedback once it has finished"));
        if (run.running() || runs.busy(id)) throw ApiException.conflict("Run " + id + " is still running; give feedback once it has finished");
        Event.Feedback event;
        try {
            var rating = body.text("rating", false);
            var score = body.number("score");
            var correction = body.text("correction", false);
            if (rating == null && score == null && (correction == null || correction.isBlank())) {
                throw ApiException.unprocessable("feedback needs a rating (good or bad), a score between 0 and 1, or a correction");
            }
            event = Event.Feedback.of(id, rating, score, correction, ctx.attribute("principal"));
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable(e.getMessage());
        }
        runs.harness().store().append(event);
        runs.events().changed(id);
        json(ctx, 201, Json.MAPPER.valueToTree(event));
    }

    // ---- conversations ----

    private void createSession(Context ctx) {
        var body = Body.of(ctx, Set.of("title", "workspace", "model", "settings"));
        var title = body.text("title", false);
        var workspace = runs.workspace(body.text("workspace", false));
        var flags = runs.flags(body.text("model", false), body.node("settings"));
        var c = conversations.create(title, workspace.toString(), flags);
        ctx.header("Location", "/api/sessions/" + c.id());
        json(ctx, 201, sessionJson(c, false));
    }

    private ObjectNode sessionJson(Conversations.Conversation c, boolean withRuns) {
        var o = Json.object().put("id", c.id()).put("workspace", c.workspace()).put("created_at", c.createdAt());
        if (c.title() != null) o.put("title", c.title());
        else o.putNull("title");
        var ids = runs.runsOf(c.id());
        o.put("messages", ids.size());
        var last = ids.isEmpty() ? null : ids.get(ids.size() - 1);
        if (last != null) o.put("last_run_id", last).put("busy", runs.busy(last));
        else o.putNull("last_run_id").put("busy", false);
        if (withRuns) {
            var arr = o.putArray("runs");
            var store = runs.harness().store();
            var outcomes = store.outcomes(ids);
            for (var id : ids) {
                var r = store.get(id);
                if (r.isPresent()) arr.add(runJson(r.get(), outcomes.get(id)));
                else arr.add(Json.object().put("id", id).put("status", status(id)));
            }
        }
        return o;
    }

    private Conversations.Conversation conversation(Context ctx) {
        var id = ctx.pathParam("id");
        return conversations.get(id).orElseThrow(() -> ApiException.notFound("No session " + id + ". See GET /api/sessions"));
    }

    private void listSessions(Context ctx) {
        int limit = intParam(ctx, "limit", 50, 1, 500);
        int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        var arr = Json.MAPPER.createArrayNode();
        conversations.list(limit, offset).forEach(c -> arr.add(sessionJson(c, false)));
        var o = Json.object();
        o.set("sessions", arr);
        json(ctx, 200, o);
    }

    private void getSession(Context ctx) {
        json(ctx, 200, sessionJson(conversation(ctx), true));
    }

    private void postMessage(Context ctx) {
        var c = conversation(ctx);
        var body = Body.of(ctx, Set.of("text"));
        var text = body.text("text", true);
        // one message at a time: the next continues the history the previous one left
        synchronized (this) {
            var last = runs.lastRunOf(c.id());
            if (last.isPresent() && runs.busy(last.get())) {
                throw ApiException.conflict("Session " + c.id() + " is still answering its last message (run " + last.get() + "); wait for it or cancel it");
            }
            var request = runs.accept(text, runs.workspace(c.workspace()), c.flags(), c.id());
            ctx.header("Location", "/api/runs/" + request.runId());
            json(ctx, 201, Json.object().put("id", request.runId()).put("run_id", request.runId()).put("session_id", c.id())
                    .put("status", status(request.runId())));
        }
    }

    // ---- approvals ----

    private void listApprovals(Context ctx) {
        var arr = Json.MAPPER.createArrayNode();
        var run = ctx.queryParam("run");
        approvals.pending().stream().filter(p -> run == null || p.runId().equals(run)).forEach(p -> arr.add(Approvals.json(p)));
        var o = Json.object();
        o.set("approvals", arr);
        json(ctx, 200, o);
    }

    private void answerApproval(Context ctx) {
        var body = Body.of(ctx, Set.of("allow", "scope", "reason"));
        boolean allow = body.bool("allow", true);
        var scope = body.text("scope", false);
        if (scope == null) scope = "once";
        if (!scope.equals("once") && !scope.equals("always")) throw ApiException.unprocessable("scope must be once or always, got " + scope);
        var reason = body.text("reason", false);
        approvals.answer(ctx.pathParam("id"), allow, scope, reason, ctx.attribute("principal"));
        json(ctx, 200, Json.object().put("id", ctx.pathParam("id")).put("allow", allow).put("scope", scope));
    }

    static int intParam(Context ctx, String name, int fallback, int min, int max) {
        var v = ctx.queryParam(name);
        if (v == null) return fallback;
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) throw ApiException.badRequest(name + " must be between " + min + " and " + max + ", got " + n);
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be a whole number, got '" + v + "'");
        }
    }
}
