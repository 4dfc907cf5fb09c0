package ai.apprentice.channels.triggers;

import ai.apprentice.json.Json;
import ai.apprentice.server.ApiException;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Set;

/**
 * {@code /api/triggers}: list, add, show, change, remove and fire triggers, with the CLI's checks (token-guarded like
 * every API route). Errors are the server's JSON shape with the right status.
 */
final class TriggersApi {
    private static final Set<String> FIELDS = Set.of("name", "task", "workspace", "cron", "tz", "missed", "webhook", "secret_env", "github",
            "mention", "token_env", "api_url", "watch");
    private final Triggers triggers;

    TriggersApi(Triggers triggers) {
        this.triggers = triggers;
    }

    void routes(RoutesConfig r) {
        r.get("/api/triggers", ctx -> handle(ctx, this::list));
        r.post("/api/triggers", ctx -> handle(ctx, this::add));
        r.get("/api/triggers/{name}", ctx -> handle(ctx, this::show));
        r.put("/api/triggers/{name}", ctx -> handle(ctx, this::replace));
        r.delete("/api/triggers/{name}", ctx -> handle(ctx, this::remove));
        r.post("/api/triggers/{name}/fire", ctx -> handle(ctx, this::fire));
    }

    private interface Handler {
        void handle(Context ctx);
    }

    private static void handle(Context ctx, Handler h) {
        try {
            h.handle(ctx);
        } catch (TriggerException e) {
            error(ctx, e.status(), e.code(), e.getMessage());
        } catch (ApiException e) {
            error(ctx, e.status(), e.code(), e.getMessage());
        }
    }

    private static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status).contentType("application/json").result(Json.write(body));
    }

    private static void error(Context ctx, int status, String code, String message) {
        var o = Json.object();
        o.putObject("error").put("status", status).put("code", code).put("message", message);
        json(ctx, status, o);
    }

    private JsonNode view(Trigger t) {
        var store = triggers.store();
        return TriggerJson.of(t, store.fires(t.name(), 1).stream().findFirst(), triggers.clock().instant(), triggers.env());
    }

    private void list(Context ctx) {
        var arr = Json.MAPPER.createArrayNode();
        triggers.store().list().forEach(t -> arr.add(view(t)));
        var o = Json.object();
        o.set("triggers", arr);
        json(ctx, 200, o);
    }

    private void show(Context ctx) {
        var name = ctx.pathParam("name");
        var t = triggers.store().get(name).orElseThrow(() -> TriggerException.notFound(name));
        var o = (com.fasterxml.jackson.databind.node.ObjectNode) view(t);
        var fires = o.putArray("fires");
        triggers.store().fires(name, 20).forEach(f -> fires.add(TriggerJson.fire(f)));
        json(ctx, 200, o);
    }

    private void add(Context ctx) {
        var t = definition(body(ctx), null).build(triggers.agents().root(), triggers.clock().instant());
        triggers.agents().workspace(t.workspace()); // links and protected folders, as a run would see them
        triggers.store().add(t);
        triggers.changed();
        ctx.header("Location", "/api/triggers/" + t.name());
        json(ctx, 201, view(t));
    }

    /** A new definition under the same name; its fires stay, and a schedule counts from now. */
    private void replace(Context ctx) {
        var name = ctx.pathParam("name");
        var old = triggers.store().get(name).orElseThrow(() -> TriggerException.notFound(name));
        var body = body(ctx);
        if (body.has("name") && !name.equals(body.path("name").asText())) {
            throw TriggerException.invalid("name cannot change (remove the trigger and add it under the new name)");
        }
        var now = triggers.clock().instant();
        var built = definition(body, name).build(triggers.agents().root(), now);
        triggers.agents().workspace(built.workspace());
        var t = new Trigger(name, built.task(), built.workspace(), built.source(), now, old.createdAt());
        triggers.store().replace(t);
        triggers.changed();
        json(ctx, 200, view(t));
    }

    private void remove(Context ctx) {
        var name = ctx.pathParam("name");
        if (!triggers.store().remove(name)) throw TriggerException.notFound(name);
        triggers.changed();
        json(ctx, 200, Json.object().put("removed", name));
    }

    private void fire(Context ctx) {
        switch (triggers.fire(ctx.pathParam("name"))) {
            case Triggers.Started.Run r -> json(ctx, 202, Json.object().put("trigger", ctx.pathParam("name")).put("run_id", r.runId()));
            case Triggers.Started.Duplicate d -> error(ctx, 409, "conflict", "That fire was claimed already");
            case Triggers.Started.Failed f -> error(ctx, f.status(), f.code(), f.message());
        }
    }

    private static JsonNode body(Context ctx) {
        var text = ctx.body();
        JsonNode node;
        try {
            node = text.isBlank() ? Json.object() : Json.MAPPER.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new TriggerException(400, "bad_request", "The body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) throw new TriggerException(400, "bad_request", "The body must be a JSON object");
        for (var it = node.fieldNames(); it.hasNext(); ) {
            var f = it.next();
            if (!FIELDS.contains(f)) {
                throw new TriggerException(400, "bad_request", "Unknown field '" + f + "'; this endpoint takes " + String.join(", ", new java.util.TreeSet<>(FIELDS)));
            }
        }
        return node;
    }

    private static Definition definition(JsonNode b, String name) {
        return new Definition(name != null ? name : text(b, "name"), text(b, "task"), text(b, "workspace"), text(b, "cron"), text(b, "tz"), text(b, "missed"),
                bool(b, "webhook"), text(b, "secret_env"), bool(b, "github"), text(b, "mention"), text(b, "token_env"), text(b, "api_url"), text(b, "watch"));
    }

    private static String text(JsonNode b, String field) {
        var v = b.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw TriggerException.invalid(field + " must be a string");
        return v.textValue();
    }

    private static boolean bool(JsonNode b, String field) {
        var v = b.get(field);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw TriggerException.invalid(field + " must be true or false");
        return v.booleanValue();
    }
}
