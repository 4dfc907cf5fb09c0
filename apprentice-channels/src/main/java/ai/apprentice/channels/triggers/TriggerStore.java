package ai.apprentice.channels.triggers;

import ai.apprentice.json.Json;
import ai.apprentice.server.ServerDb;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

/**
 * Triggers and their fires, in {@code $APPRENTICE_HOME/server/triggers.db}, shared by the server and the CLI. A fire is
 * claimed by inserting its row: {@code UNIQUE(trigger, due_at)} makes exactly one process win a schedule's due time, a
 * GitHub delivery or a file's version, however many servers run on one home.
 */
public final class TriggerStore implements AutoCloseable {
    private static final List<String> STEPS = List.of("""
            CREATE TABLE triggers (
              name TEXT PRIMARY KEY,
              kind TEXT NOT NULL,
              task TEXT NOT NULL,
              workspace TEXT NOT NULL,
              config_json TEXT NOT NULL,
              since TEXT NOT NULL,
              created_at TEXT NOT NULL
            );
            CREATE TABLE fires (
              trigger TEXT NOT NULL,
              due_at TEXT NOT NULL,
              source TEXT NOT NULL,
              fired_at TEXT NOT NULL,
              status TEXT NOT NULL,
              run_id TEXT,
              detail TEXT,
              reply_json TEXT,
              replied TEXT,
              ended INTEGER NOT NULL DEFAULT 0,
              UNIQUE(trigger, due_at)
            );
            CREATE INDEX fires_by_run ON fires(run_id);
            """);

    /**
     * One fire: {@code key} is what makes it unique (a schedule's due time, {@code delivery:ID}, {@code file:PATH@...},
     * {@code manual:...}); {@code status} is started, skipped or failed.
     */
    public record Fire(String trigger, String key, String source, Instant firedAt, String status, String runId, String detail, String replied) {}

    private final ServerDb db;

    private TriggerStore(ServerDb db) {
        this.db = db;
    }

    /**
     * The triggers of the server whose home is {@code home}: {@code server/triggers.db} there, or schema
     * apprentice_triggers of the PostgreSQL its {@code store} setting names ({@code env} holds the password), where every
     * server sharing it claims each fire once.
     */
    public static TriggerStore open(Path home, java.util.Map<String, String> env) {
        return new TriggerStore(ServerDb.open(home, env, "triggers", STEPS));
    }

    // ---- triggers ----

    /** @throws TriggerException 409 when the name is taken */
    public void add(Trigger t) {
        int n = db.update("INSERT INTO triggers(name, kind, task, workspace, config_json, since, created_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(name) DO NOTHING",
                t.name(), t.kind(), t.task(), t.workspace(), config(t.source()), t.since().toString(), t.createdAt().toString());
        if (n == 0) throw TriggerException.conflict("A trigger named '" + t.name() + "' exists; remove it first or choose another name");
    }

    /** Replaces a trigger's definition (its fires stay). @throws TriggerException 404 when there is none */
    public void replace(Trigger t) {
        int n = db.update("UPDATE triggers SET kind=?, task=?, workspace=?, config_json=?, since=? WHERE name=?",
                t.kind(), t.task(), t.workspace(), config(t.source()), t.since().toString(), t.name());
        if (n == 0) throw TriggerException.notFound(t.name());
    }

    public boolean remove(String name) {
        return db.update("DELETE FROM triggers WHERE name=?", name) > 0;
    }

    public Optional<Trigger> get(String name) {
        return db.query("SELECT name, kind, task, workspace, config_json, since, created_at FROM triggers WHERE name=?", TriggerStore::trigger, name)
                .stream().findFirst();
    }

    public List<Trigger> list() {
        return db.query("SELECT name, kind, task, workspace, config_json, since, created_at FROM triggers ORDER BY name", TriggerStore::trigger);
    }

    private static String config(Trigger.Source source) {
        var o = Json.object();
        switch (source) {
            case Trigger.Schedule s -> o.put("cron", s.cron()).put("zone", s.zone().getId()).put("missed", s.missed().wire());
            case Trigger.Webhook w -> o.put("secret_env", w.secretEnv()).put("github", w.github()).put("mention", w.mention())
                    .put("token_env", w.tokenEnv()).put("api_url", w.apiUrl());
            case Trigger.Watch w -> o.put("dir", w.dir());
        }
        return Json.write(o);
    }

    private static Trigger trigger(ResultSet rs) throws SQLException {
        JsonNode c = Json.tree(rs.getString("config_json"));
        Trigger.Source source = switch (rs.getString("kind")) {
            case "schedule" -> new Trigger.Schedule(c.path("cron").asText(), ZoneId.of(c.path("zone").asText()), Trigger.Missed.parse(c.path("missed").asText()));
            case "webhook" -> new Trigger.Webhook(c.path("secret_env").asText(), c.path("github").asBoolean(), text(c, "mention"), text(c, "token_env"),
                    text(c, "api_url"));
            case "watch" -> new Trigger.Watch(c.path("dir").asText());
            default -> throw new SQLException("unknown trigger kind " + rs.getString("kind"));
        };
        return new Trigger(rs.getString("name"), rs.getString("task"), rs.getString("workspace"), source, Instant.parse(rs.getString("since")),
                Instant.parse(rs.getString("created_at")));
    }

    private static String text(JsonNode o, String field) {
        var v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    // ---- fires ----

    /** Claims a fire; false when it is claimed already (by this process or another). */
    public boolean claim(String trigger, String key, String source, String status, String detail, Instant now) {
        return db.update("INSERT INTO fires(trigger, due_at, source, fired_at, status, detail, ended) VALUES (?,?,?,?,?,?,?) ON CONFLICT(trigger, due_at) DO NOTHING",
                trigger, key, source, now.toString(), status, detail, status.equals("claimed") ? 0 : 1) > 0;
    }

    public boolean claimed(String trigger, String key) {
        return !db.query("SELECT 1 FROM fires WHERE trigger=? AND due_at=?", rs -> 1, trigger, key).isEmpty();
    }

    /** The claimed fire started run {@code runId}; {@code reply} says where its answer goes (null: nowhere). */
    public void started(String trigger, String key, String runId, JsonNode reply) {
        db.update("UPDATE fires SET status='started', run_id=?, reply_json=? WHERE trigger=? AND due_at=?",
                runId, reply == null ? null : Json.write(reply), trigger, key);
    }

    public void failed(String trigger, String key, String detail) {
        db.update("UPDATE fires SET status='failed', detail=?, ended=1 WHERE trigger=? AND due_at=?", detail, trigger, key);
    }

    public Optional<Fire> fire(String trigger, String key) {
        return db.query("SELECT * FROM fires WHERE trigger=? AND due_at=?", TriggerStore::fire, trigger, key).stream().findFirst();
    }

    /** The trigger's latest fires, newest first. */
    public List<Fire> fires(String trigger, int limit) {
        return db.query("SELECT * FROM fires WHERE trigger=? ORDER BY rowid DESC LIMIT ?", TriggerStore::fire, trigger, limit);
    }

    private static Fire fire(ResultSet rs) throws SQLException {
        return new Fire(rs.getString("trigger"), rs.getString("due_at"), rs.getString("source"), Instant.parse(rs.getString("fired_at")),
                rs.getString("status"), rs.getString("run_id"), rs.getString("detail"), rs.getString("replied"));
    }

    /** A fire in a workspace, as a folder watch sees it: its run, when it was claimed, whether its run was seen to end. */
    record WorkspaceFire(String runId, Instant firedAt, String status, boolean ended) {}

    /** The fires of any trigger of {@code workspace} whose runs were not seen to end, and the latest others. */
    List<WorkspaceFire> workspaceFires(String workspace) {
        return db.query("""
                SELECT f.run_id, f.fired_at, f.status, f.ended FROM fires f JOIN triggers t ON t.name = f.trigger
                WHERE t.workspace = ? AND (f.ended = 0 OR f.rowid IN (SELECT rowid FROM fires ORDER BY rowid DESC LIMIT 100))""",
                rs -> new WorkspaceFire(rs.getString(1), Instant.parse(rs.getString(2)), rs.getString(3), rs.getInt(4) != 0), workspace);
    }

    void ended(String runId) {
        db.update("UPDATE fires SET ended=1 WHERE run_id=?", runId);
    }

    /** A fire whose answer is still to be posted. */
    record PendingReply(String trigger, String key, String runId, JsonNode reply) {}

    List<PendingReply> pendingReplies() {
        return db.query("SELECT trigger, due_at, run_id, reply_json FROM fires WHERE reply_json IS NOT NULL AND replied IS NULL AND run_id IS NOT NULL",
                rs -> new PendingReply(rs.getString(1), rs.getString(2), rs.getString(3), Json.tree(rs.getString(4))));
    }

    /** Claims the posting of a fire's answer, so that one process posts it once. */
    boolean claimReply(String trigger, String key) {
        return db.update("UPDATE fires SET replied='posting' WHERE trigger=? AND due_at=? AND replied IS NULL", trigger, key) > 0;
    }

    void replied(String trigger, String key, String outcome) {
        db.update("UPDATE fires SET replied=? WHERE trigger=? AND due_at=?", outcome, trigger, key);
    }

    @Override
    public void close() {
        db.close();
    }
}
