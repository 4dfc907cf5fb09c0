package ai.apprentice.channels;

import ai.apprentice.json.Json;
import ai.apprentice.server.ServerDb;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the intern remembers between deliveries, in {@code $APPRENTICE_HOME/server/channels.db}: the deliveries it took
 * (a platform's retry carries the same event id and is dropped), which chat thread each run belongs to and the message
 * that shows its progress, the messages that show approvals, and corrections a person announced with the button.
 */
final class ChannelsDb implements AutoCloseable {
    private static final List<String> STEPS = List.of("""
            CREATE TABLE deliveries (
              channel TEXT NOT NULL,
              event_id TEXT NOT NULL,
              received_at TEXT NOT NULL,
              PRIMARY KEY (channel, event_id)
            );
            CREATE TABLE runs (
              run_id TEXT PRIMARY KEY,
              channel TEXT NOT NULL,
              place_json TEXT NOT NULL,
              progress_ref TEXT,
              author TEXT NOT NULL,
              started_at TEXT NOT NULL
            );
            CREATE INDEX runs_author ON runs(channel, author, started_at);
            CREATE TABLE approval_messages (
              approval_id TEXT PRIMARY KEY,
              channel TEXT NOT NULL,
              place_json TEXT NOT NULL,
              message_ref TEXT
            );
            CREATE TABLE pending_corrections (
              channel TEXT NOT NULL,
              thread_key TEXT NOT NULL,
              author TEXT NOT NULL,
              run_id TEXT NOT NULL,
              PRIMARY KEY (channel, thread_key, author)
            );
            CREATE TABLE refusals (
              channel TEXT NOT NULL,
              author TEXT NOT NULL,
              day TEXT NOT NULL,
              PRIMARY KEY (channel, author, day)
            );
            """);

    private final ServerDb db;

    /** In the harness's database: {@code server/channels.db} in its home, or schema apprentice_channels of its PostgreSQL. */
    ChannelsDb(ai.apprentice.harness.Harness harness) {
        this.db = ServerDb.open(harness, "channels", STEPS);
    }

    /** True the first time a delivery is seen: exactly one caller gets true, also across processes on one home. */
    boolean firstDelivery(String channel, String eventId) {
        return db.update("INSERT INTO deliveries(channel, event_id, received_at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                channel, eventId, ServerDb.now()) == 1;
    }

    /** True the first time today that {@code author} is told they may not start runs (once a day is polite enough). */
    boolean firstRefusalToday(String channel, String author) {
        return db.update("INSERT INTO refusals(channel, author, day) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                channel, author, java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString()) == 1;
    }

    record ChatRun(String runId, String channel, ChatEvent.Place place, String progressRef, String author, String startedAt) {}

    void addRun(String runId, String channel, ChatEvent.Place place, String progressRef, String author) {
        db.update("INSERT INTO runs(run_id, channel, place_json, progress_ref, author, started_at) VALUES (?,?,?,?,?,?)",
                runId, channel, Json.write(place), progressRef, author, ServerDb.now());
    }

    void removeRun(String runId) {
        db.update("DELETE FROM runs WHERE run_id=?", runId);
    }

    void setProgressRef(String runId, String ref) {
        db.update("UPDATE runs SET progress_ref=? WHERE run_id=?", ref, runId);
    }

    Optional<ChatRun> run(String runId) {
        return db.query("SELECT run_id, channel, place_json, progress_ref, author, started_at FROM runs WHERE run_id=?", ChannelsDb::chatRun, runId)
                .stream().findFirst();
    }

    /** The runs {@code author} started on {@code channel} since {@code since} (an ISO instant). */
    List<String> runsSince(String channel, String author, String since) {
        return db.query("SELECT run_id FROM runs WHERE channel=? AND author=? AND started_at>=?", rs -> rs.getString(1), channel, author, since);
    }

    private static ChatRun chatRun(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new ChatRun(rs.getString(1), rs.getString(2), Json.read(rs.getString(3), ChatEvent.Place.class), rs.getString(4), rs.getString(5),
                rs.getString(6));
    }

    void addApprovalMessage(String approvalId, String channel, ChatEvent.Place place, String ref) {
        db.update("INSERT INTO approval_messages(approval_id, channel, place_json, message_ref) VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
                approvalId, channel, Json.write(place), ref);
    }

    /** The message that shows an approval is posted: its reference, for editing it once the request is answered. */
    void approvalMessagePosted(String approvalId, String channel, String ref) {
        db.update("UPDATE approval_messages SET message_ref=? WHERE approval_id=? AND channel=?", ref, approvalId, channel);
    }

    void forgetApprovalMessage(String approvalId, String channel) {
        db.update("DELETE FROM approval_messages WHERE approval_id=? AND channel=?", approvalId, channel);
    }

    /** {@code ref} is null while the message is being posted. */
    record ApprovalMessage(ChatEvent.Place place, String ref) {}

    Optional<ApprovalMessage> approvalMessage(String approvalId, String channel) {
        return db.query("SELECT place_json, message_ref FROM approval_messages WHERE approval_id=? AND channel=?",
                rs -> new ApprovalMessage(Json.read(rs.getString(1), ChatEvent.Place.class), rs.getString(2)), approvalId, channel).stream().findFirst();
    }

    void expectCorrection(String channel, String threadKey, String author, String runId) {
        db.update("INSERT INTO pending_corrections(channel, thread_key, author, run_id) VALUES (?,?,?,?) "
                + "ON CONFLICT(channel, thread_key, author) DO UPDATE SET run_id=excluded.run_id", channel, threadKey, author, runId);
    }

    /** The run a person said they would correct in this thread, taken (a second message is a new task again). */
    Optional<String> takeCorrection(String channel, String threadKey, String author) {
        var run = db.query("SELECT run_id FROM pending_corrections WHERE channel=? AND thread_key=? AND author=?", rs -> rs.getString(1),
                channel, threadKey, author);
        if (run.isEmpty()) return Optional.empty();
        int taken = db.update("DELETE FROM pending_corrections WHERE channel=? AND thread_key=? AND author=?", channel, threadKey, author);
        return taken == 1 ? Optional.of(run.get(0)) : Optional.empty();
    }


    @Override
    public void close() {
        db.close();
    }
}
