package ai.apprentice.server;

import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import ai.apprentice.learn.Learning;
import ai.apprentice.memory.Memory;
import ai.apprentice.memory.MemoryStore;
import ai.apprentice.memory.playbook.LearnedStore;
import ai.apprentice.skills.Skill;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the agents know, over HTTP: long-term memory (search, list, add, forget, history, undo), the skills an agent
 * in a workspace would see, and what learning changed. Every call goes to the harness's own stores, as the CLI's
 * {@code memory}, {@code skills} and {@code learn} commands do. Workspace scopes and workspaces are confined to the
 * server's root: memories of workspaces elsewhere are neither shown nor changed here.
 */
final class KnowledgeApi {
    private final Harness harness;
    private final Path root;

    KnowledgeApi(Harness harness, ServerOptions options) {
        this.harness = harness;
        this.root = options.root().toAbsolutePath().normalize();
    }

    void routes(RoutesConfig r) {
        r.get("/api/memory", this::searchOrList);
        r.post("/api/memory", this::add);
        r.get("/api/memory/history", this::history);
        r.post("/api/memory/undo/{batch}", this::undo);
        r.get("/api/memory/{id}", this::getMemory);
        r.delete("/api/memory/{id}", this::forget);
        r.get("/api/skills", this::listSkills);
        r.get("/api/skills/{name}", this::showSkill);
        r.get("/api/learning/status", this::learningStatus);
        r.get("/api/learning/history", this::learningHistory);
        r.get("/api/learning/decisions/{id}", this::decision);
    }

    // ---- memory ----

    private MemoryStore memory() {
        return harness.memory();
    }

    private void searchOrList(Context ctx) {
        var query = ctx.queryParam("query");
        var scope = scope(ctx.queryParam("scope"));
        int limit = Api.intParam(ctx, "limit", query != null ? 10 : 50, 1, 500);
        var out = Json.object();
        var arr = out.putArray("memories");
        if (query != null) {
            if (query.isBlank()) throw ApiException.badRequest("query must not be empty; leave it out to list memories");
            MemoryStore.Method method;
            var m = ctx.queryParam("method");
            try {
                method = m == null ? MemoryStore.Method.HYBRID : MemoryStore.Method.valueOf(m.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("Unknown method '" + m + "'; use hybrid, lexical or vector");
            }
            out.put("query", query).put("method", method.name().toLowerCase(Locale.ROOT));
            // without a scope, every scope this server may show: ask for more, then drop the workspaces outside the root
            var hits = memory().recall(query, scope != null ? limit : limit * 4, scope != null ? List.of(scope) : null, method);
            hits.stream().filter(h -> visible(h.memory().scope())).limit(limit).forEach(h -> {
                var o = memoryJson(h.memory()).put("score", h.score());
                o.set("why", Json.MAPPER.valueToTree(h.why()));
                arr.add(o);
            });
        } else {
            boolean all = bool(ctx, "all");
            memory().list(scope, all, scope != null ? limit : Math.max(limit * 4, limit)).stream().filter(mm -> visible(mm.scope()))
                    .limit(limit).forEach(mm -> arr.add(memoryJson(mm)));
        }
        Api.json(ctx, 200, out);
    }

    private void add(Context ctx) {
        var body = Body.of(ctx, Set.of("text", "kind", "scope", "context", "replaces"));
        var text = body.text("text", true);
        if (text.isBlank()) throw ApiException.unprocessable("text must not be empty");
        var kindName = body.text("kind", false);
        Memory.Kind kind;
        try {
            kind = kindName == null ? Memory.Kind.FACT : Memory.Kind.parse(kindName);
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable(e.getMessage());
        }
        var given = body.text("scope", false);
        var scope = given == null ? Memory.USER : scope(given);
        var replaces = body.text("replaces", false);
        if (replaces != null) known(replaces);
        String by = ctx.attribute("principal");
        Memory.Added added;
        try {
            added = memory().add(new Memory.New(text, body.text("context", false), kind, scope, "api:" + by, null, 1.0, replaces),
                    "added over the API by " + by);
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable(e.getMessage());
        }
        var o = Json.object();
        o.set("memory", memoryJson(added.memory()));
        o.put("duplicate", added.duplicate()).put("batch", added.batch());
        o.set("secrets_removed", Json.MAPPER.valueToTree(added.secretsRemoved()));
        ctx.header("Location", "/api/memory/" + added.memory().id());
        Api.json(ctx, added.duplicate() ? 200 : 201, o);
    }

    /** A memory this server may show, or 404. */
    private Memory known(String id) {
        var m = memory().get(id);
        if (m == null || !visible(m.scope())) throw ApiException.notFound("No memory " + id + ". See GET /api/memory?all=true");
        return m;
    }

    private void getMemory(Context ctx) {
        Api.json(ctx, 200, memoryJson(known(ctx.pathParam("id"))));
    }

    private void forget(Context ctx) {
        var id = ctx.pathParam("id");
        var m = known(id);
        boolean hard = bool(ctx, "hard");
        String by = ctx.attribute("principal");
        if (!hard && m.forgotten()) throw ApiException.conflict("Memory " + id + " is forgotten already (undo its batch to bring it back, or forget it with hard=true)");
        // for good means the runs too, but only the runs that recalled or stored this memory, and only under the root: the
        // text is the caller's to choose, and blanking it everywhere would rewrite other people's records
        var store = harness.store();
        var mentioning = new java.util.ArrayList<String>();
        if (hard) {
            var ids = store.runsMentioningMemory(id);
            for (var run : store.list(null, false, ids, Math.max(1, ids.size()), 0)) { // one query for all of them
                if (run.workspace() != null && Path.of(run.workspace()).toAbsolutePath().normalize().startsWith(root)) mentioning.add(run.id());
            }
        }
        if (!memory().forget(id, hard, "forgotten over the API by " + by)) throw ApiException.notFound("No memory " + id);
        var o = Json.object().put("id", id).put("hard", hard);
        if (hard) {
            o.putNull("batch").put("scrubbed_runs", store.scrub(m.text(), "[forgotten]", mentioning));
        } else {
            o.put("batch", memory().history(null, 1).getFirst().batch()).put("scrubbed_runs", 0);
        }
        Api.json(ctx, 200, o);
    }

    private void history(Context ctx) {
        int limit = Api.intParam(ctx, "limit", 30, 1, 1000);
        var batch = ctx.queryParam("batch");
        var arr = Json.MAPPER.createArrayNode();
        memory().history(batch, limit).stream().filter(this::visible).forEach(c -> arr.add(changeJson(c)));
        if (batch != null && arr.isEmpty()) throw ApiException.notFound("No changes in batch " + batch + ". See GET /api/memory/history");
        var o = Json.object();
        o.set("changes", arr);
        Api.json(ctx, 200, o);
    }

    private void undo(Context ctx) {
        Body.of(ctx, Set.of());
        var batch = ctx.pathParam("batch");
        var changes = memory().history(batch, Integer.MAX_VALUE);
        if (changes.isEmpty()) throw ApiException.notFound("No changes in batch " + batch + ". See GET /api/memory/history");
        if (!changes.stream().allMatch(this::visible)) throw ApiException.forbidden("Batch " + batch + " changed memories of a workspace outside the server's root");
        if (changes.stream().anyMatch(c -> c.op().equals("forget-hard"))) {
            throw ApiException.conflict("Batch " + batch + " forgot a memory for good (hard); it cannot be undone");
        }
        List<Memory.Change> undone;
        try {
            undone = memory().undo(batch, "undone over the API by " + ctx.attribute("principal"));
        } catch (IllegalArgumentException e) {
            throw ApiException.conflict(e.getMessage());
        }
        var o = Json.object().put("batch", batch);
        var arr = o.putArray("undone");
        undone.forEach(c -> arr.add(changeJson(c)));
        Api.json(ctx, 200, o);
    }

    /** A change this server may show: one of a memory in a visible scope, or of one erased for good. */
    private boolean visible(Memory.Change c) {
        var m = c.memoryId() == null ? null : memory().get(c.memoryId());
        return m == null || visible(m.scope());
    }

    static ObjectNode memoryJson(Memory m) {
        var o = Json.object().put("id", m.id()).put("text", m.text());
        putNullable(o, "context", m.context());
        o.put("kind", m.kind().label()).put("scope", m.scope());
        putNullable(o, "source", m.source());
        if (m.sourceSeq() == null) o.putNull("source_seq");
        else o.put("source_seq", m.sourceSeq());
        o.put("confidence", m.confidence()).put("weight", m.weight()).put("recalls", m.recalls())
                .put("created_at", String.valueOf(m.createdAt()));
        putNullable(o, "last_recalled_at", m.lastRecalledAt() == null ? null : m.lastRecalledAt().toString());
        putNullable(o, "superseded_by", m.supersededBy());
        return o.put("forgotten", m.forgotten()).put("active", m.active());
    }

    static ObjectNode changeJson(Memory.Change c) {
        var o = Json.object().put("seq", c.seq()).put("batch", c.batch()).put("at", String.valueOf(c.at())).put("op", c.op());
        putNullable(o, "memory_id", c.memoryId());
        putNullable(o, "text", c.text());
        putNullable(o, "before", c.before());
        putNullable(o, "reason", c.reason());
        return o.put("undone", c.undone());
    }

    private static void putNullable(ObjectNode o, String field, String value) {
        if (value == null) o.putNull(field);
        else o.put(field, value);
    }

    // ---- scopes and workspaces ----

    /**
     * A scope a request names, checked: {@code user}, {@code agent:NAME}, {@code workspace} (the server's root) or
     * {@code workspace:PATH} (absolute, or relative to the root; it must lie under the root). Null for none.
     */
    String scope(String s) {
        if (s == null) return null;
        if (s.equals(Memory.USER)) return s;
        if (s.equals("workspace")) return Memory.workspace(root.toString());
        if (s.startsWith("workspace:")) return Memory.workspace(confined(s.substring("workspace:".length()), "scope " + s).toString());
        if (s.startsWith("agent:") && s.length() > "agent:".length()) return s;
        throw ApiException.badRequest("Unknown scope '" + s + "'; use user, workspace, workspace:PATH (under the server's root) or agent:NAME");
    }

    /** Whether a memory's scope may be shown here: every scope but workspaces outside the root. */
    private boolean visible(String scope) {
        if (!scope.startsWith("workspace:")) return true;
        try {
            return Path.of(scope.substring("workspace:".length())).toAbsolutePath().normalize().startsWith(root);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** A path under the root (absolute, or relative to it), or 403; through symbolic links too. */
    private Path confined(String requested, String what) {
        if (requested.isBlank()) throw ApiException.badRequest(what + ": the path is empty");
        if (requested.indexOf('\0') >= 0) throw ApiException.badRequest(what + " contains a NUL character");
        Path p;
        try {
            p = Path.of(requested);
        } catch (InvalidPathException e) {
            throw ApiException.badRequest(what + " is not a path: " + e.getMessage());
        }
        var abs = (p.isAbsolute() ? p : root.resolve(p)).toAbsolutePath().normalize();
        if (!abs.startsWith(root)) throw ApiException.forbidden("The " + what + " is outside the server's root " + root + "; give a path under it.");
        if (Files.exists(abs)) {
            try {
                if (!abs.toRealPath().startsWith(root.toRealPath())) {
                    throw ApiException.forbidden("The " + what + " leads outside the server's root " + root + " through a symbolic link.");
                }
            } catch (IOException e) {
                throw ApiException.unprocessable("Cannot read " + abs + ": " + e.getMessage());
            }
        }
        return abs;
    }

    private Path workspace(Context ctx) {
        var w = ctx.queryParam("workspace");
        return w == null ? root : confined(w, "workspace " + w);
    }

    private static boolean bool(Context ctx, String name) {
        var v = ctx.queryParam(name);
        if (v == null || v.equals("false")) return false;
        if (v.equals("true")) return true;
        throw ApiException.badRequest(name + " must be true or false, got '" + v + "'");
    }

    // ---- skills ----

    private void listSkills(Context ctx) {
        var catalog = harness.skills(workspace(ctx));
        var o = Json.object();
        var arr = o.putArray("skills");
        catalog.skills().forEach(s -> arr.add(skillJson(s)));
        o.set("shadowed", Json.MAPPER.valueToTree(catalog.shadowed()));
        var problems = o.putArray("problems");
        catalog.problems().forEach(p -> problems.add(String.valueOf(p)));
        Api.json(ctx, 200, o);
    }

    private void showSkill(Context ctx) throws IOException {
        var name = ctx.pathParam("name");
        var skill = harness.skills(workspace(ctx)).get(name)
                .orElseThrow(() -> ApiException.notFound("No skill named '" + name + "'. See GET /api/skills"));
        var o = skillJson(skill).put("body", skill.body());
        o.set("files", Json.MAPPER.valueToTree(skill.files()));
        Api.json(ctx, 200, o);
    }

    private static ObjectNode skillJson(Skill s) {
        var o = Json.object().put("name", s.name()).put("description", s.description()).put("source", s.source())
                .put("dir", s.dir().toString());
        putNullable(o, "license", s.license());
        putNullable(o, "compatibility", s.compatibility());
        o.set("allowed_tools", Json.MAPPER.valueToTree(s.allowedTools()));
        o.set("metadata", Json.MAPPER.valueToTree(s.metadata() == null ? java.util.Map.of() : s.metadata()));
        return o;
    }

    // ---- learning ----

    private void learningStatus(Context ctx) {
        Api.json(ctx, 200, new Learning(harness).status());
    }

    private void learningHistory(Context ctx) {
        int limit = Api.intParam(ctx, "limit", 30, 1, 1000);
        var o = Json.object();
        var arr = o.putArray("decisions");
        harness.learned().decisions(limit).forEach(d -> arr.add(decisionJson(d)));
        Api.json(ctx, 200, o);
    }

    private void decision(Context ctx) {
        var id = ctx.pathParam("id");
        LearnedStore.Decision d;
        try {
            d = harness.learned().decision(id).orElseThrow(() -> ApiException.notFound("No decision " + id + ". See GET /api/learning/history"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        Api.json(ctx, 200, decisionJson(d));
    }

    /** A decision of the gate, as {@code apprentice learn history --json} prints it. */
    static ObjectNode decisionJson(LearnedStore.Decision d) {
        var o = Json.object().put("id", d.id()).put("at", d.at().toString()).put("kind", d.kind());
        putNullable(o, "env", d.env());
        o.put("accepted", d.accepted()).put("summary", d.summary());
        putNullable(o, "artifact", d.artifact());
        if (d.before() != null) o.put("version_before", d.before());
        if (d.after() != null) o.put("version_after", d.after());
        if (d.undoneBy() != null) o.put("undone_by", d.undoneBy());
        try {
            o.set("evidence", d.evidence() == null ? Json.object() : Json.tree(d.evidence()));
        } catch (RuntimeException e) {
            o.put("evidence", d.evidence());
        }
        return o;
    }
}
