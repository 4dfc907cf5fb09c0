package ai.apprentice.store;

import ai.apprentice.json.Json;
import ai.apprentice.redact.Redactor;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.EventListener;
import ai.apprentice.runtime.RunStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Every run and every event, in SQLite (WAL) or in PostgreSQL ({@link Database}). As an {@link EventListener} it
 * appends each persistent event and updates the run's row in one short transaction, before the loop goes on: what
 * the CLI reports done is on disk. Several processes may share one database. On SQLite its locks and a busy timeout
 * serialise them; on PostgreSQL writers of different runs go side by side, and the events of one run are numbered
 * under a lock on the run's row, so that the numbers stay unique and without gaps whoever writes.
 */
public final class RunStore implements EventListener, ai.apprentice.runtime.RunLog, AutoCloseable {
    private static final long PID = ProcessHandle.current().pid();
    /** Fixed-width UTC timestamps, so that text order is time order (Instant.toString drops trailing zeros). */
    private static final java.time.format.DateTimeFormatter TIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);
    private static final String PID_STARTED = ProcessHandle.current().info().startInstant().map(TIME::format).orElse("");
    /** The JDK derives a process's start time from the boot time, which can drift by a second between reads. */
    private static final java.time.Duration START_TOLERANCE = java.time.Duration.ofSeconds(2);

    /** The machine this process runs on: a run's pid means something only there. */
    private static final String HOST = hostName();
    private static final String INSERT_EVENT = """
            INSERT INTO events(run_id, seq, type, at, payload)
            SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ? FROM events WHERE run_id = ?""";
    private static final String INSERT_EVENT_AT = "INSERT INTO events(run_id, seq, type, at, payload) VALUES (?,?,?,?,?)";

    private final Path file;
    /** SQLite: the one connection, for the store's life. Null on PostgreSQL, where each unit of work borrows one. */
    private final Connection fixed;
    /** PostgreSQL: the pool (owned by whoever opened it). Null on SQLite. */
    private final Database database;
    private final Dialect dialect;
    /** The file or the URL, for messages (never a password). */
    private final String where;
    private final Redactor redactor;
    private final ReentrantLock lock = new ReentrantLock();
    /** The connection of the unit of work in progress (guarded by {@link #lock}). */
    private Connection current;
    /**
     * The next number of runs this store is writing. Only a hint: another process may append to the same run (a
     * reward, feedback) at any time; then the numbered insert conflicts and the number is taken from the table.
     */
    private final java.util.Map<String, Long> nextSeqOfRun = new java.util.HashMap<>();
    /**
     * SQLite: read-only connections beside the writer's, so that reads ({@code get}, {@code list}, events) neither wait
     * for the store's lock nor hold up the runs' commits (WAL lets readers go beside the one writer). At most
     * {@link #READERS}, opened on first use; idle ones wait here.
     */
    private final java.util.concurrent.LinkedBlockingDeque<Connection> idleReaders = new java.util.concurrent.LinkedBlockingDeque<>();
    private static final int READERS = 4;
    private final java.util.concurrent.atomic.AtomicInteger openReaders = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;
    /** The reader connection the current thread is reading with, if any. */
    private final ThreadLocal<Connection> reader = new ThreadLocal<>();
    /** Prepared statements: on SQLite for the store's life; on PostgreSQL for one unit of work (one borrowed connection). */
    private final java.util.Map<String, PreparedStatement> statements = new java.util.HashMap<>();

    private RunStore(Path file, Connection fixed, Database database, Redactor redactor) {
        this.file = file;
        this.fixed = fixed;
        this.database = database;
        this.dialect = database == null ? Dialect.SQLITE : Dialect.POSTGRESQL;
        this.where = database == null ? String.valueOf(file) : database.toString();
        this.redactor = redactor;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            var h = System.getenv("HOSTNAME");
            return h == null || h.isBlank() ? "localhost" : h;
        }
    }

    /** The store, redacting with this process's {@link Redactor#standard()}. */
    public static RunStore open(Path file) {
        return open(file, Redactor.standard());
    }

    /** The store; every event is passed through {@code redactor} before it is written. */
    public static RunStore open(Path file, Redactor redactor) {
        try {
            var parent = file.toAbsolutePath().getParent();
            if (parent != null) java.nio.file.Files.createDirectories(parent);
            var db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (var st = db.createStatement()) {
                st.execute("PRAGMA busy_timeout = 10000");
                st.execute("PRAGMA journal_mode = WAL");
                st.execute("PRAGMA synchronous = NORMAL");
                st.execute("PRAGMA foreign_keys = ON");
            }
            Migrations.apply(db, file.toString());
            var store = new RunStore(file, db, null, redactor);
            store.markInterrupted();
            return store;
        } catch (SQLException | java.io.IOException e) {
            throw new StoreException("Cannot open the run store " + file + ": " + e.getMessage(), e);
        }
    }

    /** The store in a PostgreSQL database, redacting with this process's {@link Redactor#standard()}. */
    public static RunStore open(Database database) {
        return open(database, Redactor.standard());
    }

    /**
     * The store in a PostgreSQL database, its schema brought up to date; {@code database} stays the caller's to close
     * (after the store). Every event is passed through {@code redactor} before it is written.
     */
    public static RunStore open(Database database, Redactor redactor) {
        try (var c = database.connection()) {
            Migrations.applyPostgresql(c, database.toString());
        } catch (SQLException e) {
            throw new StoreException("Cannot open the run store in " + database + ": " + database.explain(e), e);
        }
        var store = new RunStore(null, null, database, redactor);
        store.markInterrupted();
        return store;
    }

    /** Redacts {@code text} as this store redacts what it writes (for records kept beside the store, such as evaluations' trial files). */
    public String redact(String text) {
        return text == null ? null : redactor.redact(text);
    }

    /** The SQLite file; null when the store is in PostgreSQL (see {@link #location()}). */
    public Path file() {
        return file;
    }

    /** Where the runs are: the SQLite file, or the PostgreSQL URL (without a password). */
    public String location() {
        return where;
    }

    public Dialect dialect() {
        return dialect;
    }

    /**
     * Events inside a step (usage, tool calls and results, permission decisions, retries) are committed
     * together with the event that closes the step, in one transaction: what is reported done is on disk,
     * and a crash loses only the step in flight, which resume runs again. Events that open or end a run, and
     * errors, are committed at once.
     */
    private static boolean deferrable(Event e) {
        return !commitsAtOnce(e);
    }

    /** Whether the store commits this event (and the step's events held back before it) as soon as it arrives. */
    public static boolean commitsAtOnce(Event e) {
        return (e instanceof Event.RunStarted || e instanceof Event.RunResumed || e instanceof Event.StepCompleted
                || e instanceof Event.RunFinished || e instanceof Event.ErrorEvent || e instanceof Event.MemoryUpdated);
    }

    private final List<Event> pending = new ArrayList<>();

    @Override
    public void onEvent(Event event) {
        if (!event.persistent()) return;
        lock.lock();
        try {
            if (deferrable(event)) {
                pending.add(event);
                return;
            }
            var batch = new ArrayList<>(pending);
            batch.add(event);
            pending.clear();
            write(() -> {
                for (var e : batch) insert(e);
            }, "record a " + event.type() + " event of run " + event.runId());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Commits the events held back for steps in flight now, in one transaction: a run driven in parts (a durable
     * engine's activities) makes each part's events durable before the part returns.
     */
    @Override
    public void flush() {
        lock.lock();
        try {
            if (pending.isEmpty()) return;
            var batch = new ArrayList<>(pending);
            pending.clear();
            write(() -> {
                for (var e : batch) insert(e);
            }, "record " + batch.size() + " events of a step in flight");
        } finally {
            lock.unlock();
        }
    }

    /**
     * Attaches an event to an existing run, in its own transaction, whenever: a reward or feedback long after the
     * run finished, from any process. It takes the run's next number (events this store still holds back for a
     * step in flight of the same run are numbered after it, when the step ends).
     *
     * @throws IllegalArgumentException when there is no run with that id (nothing is stored)
     */
    public void append(Event event) {
        if (!event.persistent()) return;
        write(() -> appendToRun(event), "record a " + event.type() + " event of run " + event.runId());
    }

    /** {@link #append} inside a transaction the caller holds. */
    void appendToRun(Event event) throws SQLException {
        try (var ps = conn().prepareStatement("SELECT 1 FROM runs WHERE id=?")) {
            ps.setString(1, event.runId());
            try (var rs = ps.executeQuery()) {
                if (!rs.next()) throw new IllegalArgumentException("No run with id " + event.runId() + " in " + where);
            }
        }
        insert(event);
    }

    /**
     * Writes one event and its effect on the run's row; inside a transaction. Secrets are redacted first, here, so
     * that nothing read back (runs show, exports, resume) holds one: a resumed run's history holds the redaction.
     */
    private void insert(Event original) throws SQLException {
            // One tree for both jobs: redacted in place, then written as the payload (no second serialisation).
            com.fasterxml.jackson.databind.JsonNode tree = Json.MAPPER.valueToTree(original);
            Event event;
            try {
                event = redactor.redactStrings(tree) ? Json.MAPPER.treeToValue(tree, Event.class) : original;
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("a redacted " + original.type() + " event no longer reads as one", e);
            }
            switch (event) {
                case Event.RunStarted s -> {
                    try (var ps = conn().prepareStatement("""
                            INSERT INTO runs(id, parent_id, status, task, model, workspace, started_at, updated_at, pid, pid_started_at, host)
                            VALUES (?,?,?,?,?,?,?,?,?,?,?)""")) {
                        ps.setString(1, s.runId());
                        ps.setString(2, s.parentId());
                        ps.setString(3, RunStatus.RUNNING.wireName());
                        ps.setString(4, s.task());
                        ps.setString(5, s.model());
                        ps.setString(6, s.workspace());
                        ps.setString(7, time(s.at()));
                        ps.setString(8, time(s.at()));
                        ps.setLong(9, PID);
                        ps.setString(10, PID_STARTED);
                        ps.setString(11, HOST);
                        ps.executeUpdate();
                    }
                }
                case Event.RunResumed r -> update("UPDATE runs SET status=?, stop_reason=NULL, finished_at=NULL, pid=?, pid_started_at=?, host=?, updated_at=? WHERE id=?",
                        RunStatus.RUNNING.wireName(), PID, PID_STARTED, HOST, time(r.at()), r.runId());
                case Event.StepCompleted c -> update("UPDATE runs SET steps=?, updated_at=? WHERE id=?", c.step(), time(c.at()), c.runId());
                case Event.UsageEvent u -> update("UPDATE runs SET input_tokens=?, output_tokens=?, cost_usd=?, updated_at=? WHERE id=?",
                        u.totalInputTokens(), u.totalOutputTokens(), u.totalCostUsd(), time(u.at()), u.runId());
                case Event.RunFinished f -> update("""
                        UPDATE runs SET status=?, stop_reason=?, answer=?, finished_at=?, updated_at=?, steps=?,
                          input_tokens=?, output_tokens=?, cost_usd=? WHERE id=?""",
                        f.status().wireName(), f.stopReason(), f.answer(), time(f.at()), time(f.at()), f.steps(),
                        f.inputTokens(), f.outputTokens(), f.costUsd(), f.runId());
                default -> { }
            }
            insertPayload(event, Json.write(tree));
    }

    private void insertPayload(Event event, String payload) throws SQLException {
        String runId = event.runId();
        if (dialect == Dialect.POSTGRESQL) {
            insertNumberedUnderRowLock(event, payload);
            return;
        }
        Long next = event instanceof Event.RunStarted ? Long.valueOf(1) : nextSeqOfRun.get(runId);
        if (next != null) {
            var insertEventAt = prepared(INSERT_EVENT_AT);
            insertEventAt.setString(1, runId);
            insertEventAt.setLong(2, next);
            insertEventAt.setString(3, event.type());
            insertEventAt.setString(4, time(event.at()));
            insertEventAt.setString(5, payload);
            try {
                insertEventAt.executeUpdate();
                if (event instanceof Event.RunFinished) nextSeqOfRun.remove(runId);
                else nextSeqOfRun.put(runId, next + 1);
                return;
            } catch (SQLException e) {
                if (!dialect.isUniqueViolation(e)) throw e; // not SQLITE_CONSTRAINT (any extended code): a real failure
                nextSeqOfRun.remove(runId); // someone else appended: number it from the table
            }
        }
        insertNext(event, payload);
        if (event instanceof Event.RunResumed) {
            try (var ps = conn().prepareStatement("SELECT MAX(seq) FROM events WHERE run_id = ?")) {
                ps.setString(1, runId);
                try (var rs = ps.executeQuery()) {
                    nextSeqOfRun.put(runId, rs.getLong(1) + 1); // this store writes the run from here on
                }
            }
        }
        if (event instanceof Event.RunFinished) nextSeqOfRun.remove(runId);
    }

    /**
     * The number is taken inside the write transaction, not cached: another process may append to the same run
     * (a reward, feedback) at any time. MAX(seq) is one seek in the primary key.
     */
    private void insertNext(Event event, String payload) throws SQLException {
        var insertEvent = prepared(INSERT_EVENT);
        insertEvent.setString(1, event.runId());
        insertEvent.setString(2, event.type());
        insertEvent.setString(3, time(event.at()));
        insertEvent.setString(4, payload);
        insertEvent.setString(5, event.runId());
        insertEvent.executeUpdate();
    }

    /**
     * PostgreSQL: writers do not take the whole database as SQLite's do, so the run's row is locked (FOR UPDATE, held
     * to the commit) before its next number is read: a second writer of the same run waits, then sees the first's
     * event. Numbers stay unique and gap-free without a retry; writers of other runs are not held up. A failed
     * statement would abort the whole transaction here, so SQLite's try-the-hint-then-fall-back is not used.
     */
    private void insertNumberedUnderRowLock(Event event, String payload) throws SQLException {
        if (event instanceof Event.RunStarted) { // the row was created in this transaction: nobody else can number it
            var ps = prepared(INSERT_EVENT_AT);
            ps.setString(1, event.runId());
            ps.setLong(2, 1);
            ps.setString(3, event.type());
            ps.setString(4, time(event.at()));
            ps.setString(5, payload);
            ps.executeUpdate();
            return;
        }
        var lockRow = prepared("SELECT 1 FROM runs WHERE id = ? FOR UPDATE");
        lockRow.setString(1, event.runId());
        try (var rs = lockRow.executeQuery()) {
            if (!rs.next()) throw new IllegalArgumentException("No run with id " + event.runId() + " in " + where);
        }
        insertNext(event, payload);
    }

    /** Keeps the settings a run was started with (opaque JSON, never secrets), for resume. */
    public void setSettings(String runId, String json) {
        write(() -> update("UPDATE runs SET settings_json=? WHERE id=?", json, runId), "save settings of run " + runId);
    }

    public Optional<String> settings(String runId) {
        return read(() -> {
            try (var ps = conn().prepareStatement("SELECT settings_json FROM runs WHERE id=?")) {
                ps.setString(1, runId);
                try (var rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    /**
     * Keeps the earlier messages a request brought for a run that has not begun yet (an OpenAI-compatible conversation:
     * a chat completion's history, or what {@code previous_response_id} continues), under the run's id: whoever begins
     * the run reads them here, the server that accepted it or any worker of a durable engine, so that they travel by
     * reference and never inside an engine's workflow history. Kept as given, as the run's task is until its
     * {@code run_started} event (redacted, as every event) holds them. Once per run id (a second time is an error).
     */
    public void giveMessages(String runId, List<ai.apprentice.model.Message> messages) {
        var json = Json.write(messages);
        write(() -> update("INSERT INTO given_messages(run_id, messages_json, given_at) VALUES (?,?,?)", runId, json, time(Instant.now())),
                "keep the messages given with run " + runId);
    }

    /** The messages {@link #giveMessages} kept for {@code runId}; empty when its request brought none. */
    public Optional<List<ai.apprentice.model.Message>> givenMessages(String runId) {
        var json = read(() -> {
            try (var ps = conn().prepareStatement("SELECT messages_json FROM given_messages WHERE run_id=?")) {
                ps.setString(1, runId);
                try (var rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
        return json.map(j -> List.of(Json.read(j, ai.apprentice.model.Message[].class)));
    }

    /** Drops the messages kept for {@code runId}: once its run_started holds them, or when its acceptance failed after they were kept. */
    public void forgetGivenMessages(String runId) {
        write(() -> update("DELETE FROM given_messages WHERE run_id=?", runId), "drop the messages given with run " + runId);
    }

    /**
     * Replaces every occurrence of {@code text} in stored events and in runs' task and answer with {@code replacement}:
     * for a memory forgotten for good, whose text memory_updated events and recall or remember results still hold.
     * Strings are replaced inside the parsed events (so text that JSON escapes is found, also inside tool arguments,
     * which are JSON text themselves), never in the fields that identify and type an event. Returns how many events
     * and runs changed.
     */
    public int scrub(String text, String replacement) {
        return scrub(text, replacement, null);
    }

    /** The runs whose memory events (recalled, stored) name the memory {@code memoryId}. */
    public List<String> runsMentioningMemory(String memoryId) {
        return read(() -> {
            var out = new ArrayList<String>();
            try (var ps = conn().prepareStatement("SELECT DISTINCT run_id FROM events" + dialect.indexedBy("events_type")
                    + " WHERE type IN ('memory_recalled','memory_updated') AND " + dialect.contains("payload"))) {
                ps.setString(1, Json.write(memoryId));
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    /** As {@link #scrub(String, String)}, in the runs {@code onlyRuns} only (all when null). */
    public int scrub(String text, String replacement, java.util.Collection<String> onlyRuns) {
        if (onlyRuns != null && onlyRuns.isEmpty()) return 0;
        String only = onlyRuns == null ? "" : " AND run_id IN (" + String.join(",", java.util.Collections.nCopies(onlyRuns.size(), "?")) + ")";
        String onlyIds = onlyRuns == null ? "" : " AND id IN (" + String.join(",", java.util.Collections.nCopies(onlyRuns.size(), "?")) + ")";
        Object[] ids = onlyRuns == null ? new Object[0] : onlyRuns.toArray();
        if (text == null || text.isBlank()) return 0;
        String escaped = Json.write(text);
        escaped = escaped.substring(1, escaped.length() - 1); // as it appears inside a JSON string
        String twice = Json.write(escaped);
        twice = twice.substring(1, twice.length() - 1); // inside a JSON string inside a JSON string (tool arguments)
        String esc = escaped, nested = twice;
        String escapedReplacement = Json.write(replacement).substring(1, Json.write(replacement).length() - 1);
        return transaction(() -> {
            var changed = new ArrayList<Object[]>(); // payload, run_id, seq
            try (var ps = conn().prepareStatement("SELECT run_id, seq, payload FROM events WHERE (" + dialect.contains("payload")
                    + " OR " + dialect.contains("payload") + ")" + only)) {
                ps.setString(1, esc);
                ps.setString(2, nested);
                for (int i = 0; i < ids.length; i++) ps.setObject(3 + i, ids[i]);
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        var tree = Json.tree(rs.getString(3));
                        if (replaceIn(tree, List.of(text, esc), List.of(replacement, escapedReplacement))) {
                            changed.add(new Object[] {Json.write(tree), rs.getString(1), rs.getLong(2)});
                        }
                    }
                }
            }
            for (var row : changed) update("UPDATE events SET payload=? WHERE run_id=? AND seq=?", row);
            int runs;
            try (var ps = conn().prepareStatement("UPDATE runs SET task=replace(task, ?, ?), answer=replace(answer, ?, ?) WHERE ("
                    + dialect.contains("task") + " OR " + dialect.contains("answer") + ")" + onlyIds)) {
                bind(ps, text, replacement, text, replacement, text, text);
                for (int i = 0; i < ids.length; i++) ps.setObject(7 + i, ids[i]);
                runs = ps.executeUpdate();
            }
            return changed.size() + runs;
        }, "scrub forgotten text from the runs");
    }

    /** Fields that identify or type an event or a message: a forgotten text that happens to equal one stays there. */
    private static final java.util.Set<String> STRUCTURAL = java.util.Set.of("type", "run_id", "at", "role", "status",
            "stop_reason", "call_id", "tool_call_id", "id", "parent_id", "batch", "memory_ids", "name", "tool_name", "tool",
            "source", "rating", "decided_by");

    private static boolean replaceIn(com.fasterxml.jackson.databind.JsonNode node, List<String> from, List<String> to) {
        boolean changed = false;
        if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            for (var it = o.fields(); it.hasNext(); ) {
                var f = it.next();
                if (STRUCTURAL.contains(f.getKey())) continue;
                if (f.getValue().isTextual()) {
                    String s = f.getValue().textValue(), r = s;
                    for (int i = 0; i < from.size(); i++) r = r.replace(from.get(i), to.get(i));
                    if (!r.equals(s)) {
                        f.setValue(com.fasterxml.jackson.databind.node.TextNode.valueOf(r));
                        changed = true;
                    }
                } else {
                    changed |= replaceIn(f.getValue(), from, to);
                }
            }
        } else if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isTextual()) {
                    String s = a.get(i).textValue(), r = s;
                    for (int j = 0; j < from.size(); j++) r = r.replace(from.get(j), to.get(j));
                    if (!r.equals(s)) {
                        a.set(i, com.fasterxml.jackson.databind.node.TextNode.valueOf(r));
                        changed = true;
                    }
                } else {
                    changed |= replaceIn(a.get(i), from, to);
                }
            }
        }
        return changed;
    }

    /** Runs newest first. */
    public List<RunRecord> list(int limit) {
        markInterrupted();
        return read(() -> query("SELECT * FROM runs ORDER BY started_at DESC, id DESC LIMIT ?", limit));
    }

    /**
     * A page of runs, newest first: with {@code status} only runs in that status, with {@code topLevel} only runs that
     * are not subagents, with {@code ids} (not null) only those runs.
     */
    public List<RunRecord> list(RunStatus status, boolean topLevel, java.util.Collection<String> ids, int limit, int offset) {
        markInterrupted();
        var where = new ArrayList<String>();
        var args = new ArrayList<Object>();
        if (status != null) {
            where.add("status = ?");
            args.add(status.wireName());
        }
        if (topLevel) where.add("parent_id IS NULL");
        if (ids != null) {
            if (ids.isEmpty()) return List.of();
            where.add("id IN (" + String.join(",", java.util.Collections.nCopies(ids.size(), "?")) + ")");
            args.addAll(ids);
        }
        args.add(limit);
        args.add(offset);
        var sql = "SELECT * FROM runs" + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?";
        return read(() -> query(sql, args.toArray()));
    }

    public List<RunRecord> children(String parentId) {
        return read(() -> query("SELECT * FROM runs WHERE parent_id=? ORDER BY started_at", parentId));
    }

    /** Some run ids, newest first, and how many there are in all. */
    public record Ids(List<String> ids, int total) {}

    /** The ids that start with {@code prefix} (case-sensitive; empty: all), newest first, at most {@code limit}, and their count. */
    public Ids idsStartingWith(String prefix, int limit) {
        var p = prefix == null ? "" : prefix;
        return read(() -> {
            var ids = new ArrayList<String>();
            try (var ps = conn().prepareStatement("SELECT id FROM runs WHERE substr(id, 1, length(?)) = ? ORDER BY started_at DESC, id DESC LIMIT ?")) {
                bind(ps, p, p, limit);
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) ids.add(rs.getString(1));
                }
            }
            if (ids.size() < limit) return new Ids(ids, ids.size());
            try (var ps = conn().prepareStatement("SELECT COUNT(*) FROM runs WHERE substr(id, 1, length(?)) = ?")) {
                bind(ps, p, p);
                try (var rs = ps.executeQuery()) {
                    return new Ids(ids, rs.next() ? rs.getInt(1) : ids.size());
                }
            }
        });
    }

    /** A run by id or by a unique prefix of its id. */
    public Optional<RunRecord> get(String idOrPrefix) {
        markInterrupted();
        // the whole id by its key first (every server request names one); the prefix query reads every row
        var exact = read(() -> query("SELECT * FROM runs WHERE id = ?", idOrPrefix));
        if (!exact.isEmpty()) return Optional.of(exact.get(0));
        // substr, not LIKE: LIKE ignores case and treats % and _ as wildcards.
        var found = read(() -> query("SELECT * FROM runs WHERE substr(id, 1, length(?)) = ? ORDER BY id LIMIT 3", idOrPrefix, idOrPrefix));
        if (found.size() <= 1) return found.stream().findFirst();
        // a subagent's id begins with its parent's (RunIds.child): a prefix of a run's id that matches only it and its
        // descendants names that run (the first by id: an id sorts before the ids it begins)
        var first = found.get(0).id();
        var other = read(() -> query("SELECT * FROM runs WHERE substr(id, 1, length(?)) = ? AND id <> ? AND substr(id, 1, length(?)) <> ? LIMIT 1",
                idOrPrefix, idOrPrefix, first, first + "-", first + "-"));
        if (other.isEmpty()) return Optional.of(found.get(0));
        throw new IllegalArgumentException("Run id prefix '" + idOrPrefix + "' is ambiguous: it matches "
                + found.stream().map(RunRecord::id).toList() + (found.size() == 3 ? " and more" : "") + ". Give more characters.");
    }

    /** A run's events in order. A row that cannot be read is an error naming the run and the event. */
    public List<Event> events(String runId) {
        return read(() -> {
            var out = new ArrayList<Event>();
            try (var ps = conn().prepareStatement("SELECT seq, payload FROM events WHERE run_id=? ORDER BY seq")) {
                ps.setString(1, runId);
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) out.add(parse(runId, rs.getLong(1), rs.getString(2)));
                }
            }
            return out;
        });
    }

    /** The event a row of {@link #eventsAfter} holds; a row that cannot be read is an error naming the run and the event. */
    public Event event(String runId, StoredEvent row) {
        return parse(runId, row.seq(), row.json());
    }

    private Event parse(String runId, long seq, String json) {
        try {
            return Json.MAPPER.readValue(json, Event.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new StoreException("Event " + seq + " of run " + runId + " in " + where + " cannot be read: " + e.getOriginalMessage());
        }
    }

    /** One stored event as written: its number in the run, its type and its JSON (already redacted). */
    public record StoredEvent(long seq, String type, String json) {}

    /**
     * The run's stored events numbered after {@code afterSeq}, in order, at most {@code limit}: how a stream resumes
     * from the last event a client saw (the numbers are the events' places in the run, never reused).
     */
    public List<StoredEvent> eventsAfter(String runId, long afterSeq, int limit) {
        return read(() -> {
            var out = new ArrayList<StoredEvent>();
            try (var ps = conn().prepareStatement("SELECT seq, type, payload FROM events WHERE run_id=? AND seq>? ORDER BY seq LIMIT ?")) {
                ps.setString(1, runId);
                ps.setLong(2, afterSeq);
                ps.setInt(3, limit);
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) out.add(new StoredEvent(rs.getLong(1), rs.getString(2), rs.getString(3)));
                }
            }
            return out;
        });
    }

    /** The number of the last stored event of each given run that has any: one query (the key's index) for all of them. */
    public java.util.Map<String, Long> lastSeqs(java.util.Collection<String> runIds) {
        if (runIds.isEmpty()) return java.util.Map.of();
        var ids = List.copyOf(runIds);
        return read(() -> {
            var out = new java.util.HashMap<String, Long>();
            for (int from = 0; from < ids.size(); from += 500) {
                var part = ids.subList(from, Math.min(ids.size(), from + 500));
                var sql = "SELECT run_id, MAX(seq) FROM events WHERE run_id IN (" + String.join(",", java.util.Collections.nCopies(part.size(), "?"))
                        + ") GROUP BY run_id";
                try (var ps = conn().prepareStatement(sql)) {
                    bind(ps, part.toArray());
                    try (var rs = ps.executeQuery()) {
                        while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            return out;
        });
    }

    /**
     * The reward and feedback of each given run, for listings: every id maps to an outcome ({@link RunOutcome#NONE}
     * when it has none). One query per 500 ids, through the index on events(type, run_id).
     */
    public java.util.Map<String, RunOutcome> outcomes(List<String> runIds) {
        var out = new java.util.LinkedHashMap<String, RunOutcome>();
        for (var id : runIds) out.put(id, RunOutcome.NONE);
        var ids = List.copyOf(out.keySet());
        for (int from = 0; from < ids.size(); from += 500) {
            var chunk = ids.subList(from, Math.min(ids.size(), from + 500));
            var events = read(() -> {
                var found = new ArrayList<Event>();
                // Without statistics SQLite would walk every event of each run by the primary key, for the ORDER BY.
                var sql = "SELECT payload FROM events" + dialect.indexedBy("events_type") + " WHERE type IN ('reward','feedback') AND run_id IN ("
                        + String.join(",", java.util.Collections.nCopies(chunk.size(), "?")) + ") ORDER BY run_id, seq";
                try (var ps = conn().prepareStatement(sql)) {
                    bind(ps, chunk.toArray());
                    try (var rs = ps.executeQuery()) {
                        // A listing should not fail on one unreadable row; events() reports it for that run.
                        while (rs.next()) {
                            try {
                                found.add(Json.MAPPER.readValue(rs.getString(1), Event.class));
                            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                                // skipped
                            }
                        }
                    }
                }
                return found;
            });
            for (var e : events) out.computeIfPresent(e.runId(), (id, o) -> add(o, e));
        }
        return out;
    }

    /** The outcome with one more event (events come in order, so the latest reward and correction win). */
    private static RunOutcome add(RunOutcome o, Event e) {
        return switch (e) {
            case Event.Reward r -> new RunOutcome(r.value(), r.source(), o.feedback(), o.good(), o.bad(), o.scored(),
                    o.meanScore(), o.lastCorrection());
            case Event.Feedback f -> {
                int n = o.feedback() + 1;
                int scored = o.scored() + (f.score() == null ? 0 : 1);
                Double mean = o.meanScore();
                if (f.score() != null) mean = mean == null ? f.score() : mean + (f.score() - mean) / scored;
                yield new RunOutcome(o.reward(), o.rewardSource(), n, o.good() + ("good".equals(f.rating()) ? 1 : 0),
                        o.bad() + ("bad".equals(f.rating()) ? 1 : 0), scored, mean,
                        f.correction() != null ? f.correction() : o.lastCorrection());
            }
            default -> o;
        };
    }

    /** What a run carried out by a durable engine has for its host: no process's death ends it. */
    public static final String ENGINE_HOST = "(engine)";

    /**
     * Marks {@code runId} as carried out by a durable engine: its parts run on whichever workers are free, so the
     * process that began it may die while the run goes on elsewhere. {@link #markInterrupted} leaves it alone; the
     * engine ends it (a stop part records how) if it cannot go on.
     */
    public void heldByEngine(String runId) {
        write(() -> update("UPDATE runs SET host=?, pid=NULL, pid_started_at=NULL WHERE id=? AND status='running'", ENGINE_HOST, runId),
                "hand run " + runId + " to the engine");
    }

    /**
     * A tool call of a run on a durable engine that waits (or waited) for a person, as the worker that asked recorded it:
     * {@code id} is the call's key in the run ({@code STEP:INDEX}), {@code settled} how it was settled (the engine's
     * own JSON, opaque here; null while it waits). Subject and arguments (redacted) are kept only while it waits.
     */
    public record EngineApproval(String runId, String id, String tool, String subject, String arguments, Instant askedAt,
                                 Instant expiresAt, String settled) {}

    /**
     * Records that call {@code id} of {@code runId} waits for a person until {@code expiresAt}, so that every process
     * sharing the store finds it ({@link #approvalsWaiting}); asked again (a retried part, a call asked again after a
     * crash), it waits again. Subject and arguments are redacted as events are.
     */
    public void approvalWaiting(String runId, String id, String tool, String subject, String arguments, Instant askedAt, Instant expiresAt) {
        write(() -> update("""
                INSERT INTO engine_approvals(run_id, id, tool, subject, arguments, asked_at, expires_at, settled) VALUES (?,?,?,?,?,?,?,NULL)
                ON CONFLICT(run_id, id) DO UPDATE SET tool=excluded.tool, subject=excluded.subject, arguments=excluded.arguments,
                  asked_at=excluded.asked_at, expires_at=excluded.expires_at, settled=NULL""",
                runId, id, tool, redact(subject), redact(arguments), time(askedAt), time(expiresAt)), "record an approval of run " + runId);
    }

    /** Call {@code id} of {@code runId} no longer waits: {@code how} it was settled; a call settled already is left as it was. */
    public void approvalSettled(String runId, String id, String how) {
        write(() -> update("UPDATE engine_approvals SET settled=?, subject=NULL, arguments=NULL WHERE run_id=? AND id=? AND settled IS NULL",
                how, runId, id), "settle an approval of run " + runId);
    }

    /** Every call of {@code runId} still waiting is settled as {@code how} (the run ended while it waited). */
    public void approvalsSettled(String runId, String how) {
        write(() -> update("UPDATE engine_approvals SET settled=?, subject=NULL, arguments=NULL WHERE run_id=? AND settled IS NULL",
                how, runId), "settle the approvals of run " + runId);
    }

    /**
     * The calls that wait for a person now, of runs still running, oldest first: one read of an index that holds only
     * waiting calls, however many runs and servers there are.
     */
    public List<EngineApproval> approvalsWaiting(Instant now) {
        return read(() -> {
            var out = new ArrayList<EngineApproval>();
            try (var ps = conn().prepareStatement("""
                    SELECT a.run_id, a.id, a.tool, a.subject, a.arguments, a.asked_at, a.expires_at, a.settled
                    FROM engine_approvals a JOIN runs r ON r.id = a.run_id
                    WHERE a.settled IS NULL AND a.expires_at > ? AND r.status = 'running' ORDER BY a.asked_at, a.run_id, a.id""")) {
                ps.setString(1, time(now));
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) out.add(approval(rs));
                }
            }
            return out;
        });
    }

    /** Call {@code id} of {@code runId} as recorded, waiting or settled. */
    public Optional<EngineApproval> approval(String runId, String id) {
        return read(() -> {
            try (var ps = conn().prepareStatement("SELECT run_id, id, tool, subject, arguments, asked_at, expires_at, settled"
                    + " FROM engine_approvals WHERE run_id=? AND id=?")) {
                bind(ps, runId, id);
                try (var rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(approval(rs)) : Optional.<EngineApproval>empty();
                }
            }
        });
    }

    private static EngineApproval approval(ResultSet rs) throws SQLException {
        return new EngineApproval(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                instant(rs.getString(6)), instant(rs.getString(7)), rs.getString(8));
    }

    /**
     * Runs marked running whose process is gone (or whose pid now belongs to another process) were killed:
     * they become interrupted. Runs of this process are left alone, and so are runs of processes on other machines
     * (a shared PostgreSQL): their pids mean nothing here.
     */
    public void markInterrupted() {
        // a read first, and a write transaction only when a run was found dead: servers call this on every GET
        var dead = read(() -> {
            var found = new ArrayList<Object[]>();
            // this process's own runs are left out by the query: a busy server has them all, and reads this at every request
            try (var st = conn().prepareStatement("SELECT id, pid, pid_started_at FROM runs WHERE status='running' AND (host IS NULL OR host = ?)"
                    + " AND (pid IS NULL OR pid <> ? OR pid_started_at IS NULL OR pid_started_at <> ?)")) {
                bind(st, HOST, PID, PID_STARTED);
                var rs = st.executeQuery();
                while (rs.next()) {
                    long pid = rs.getLong(2);
                    String started = rs.getString(3);
                    if (pid == PID && PID_STARTED.equals(started)) continue; // this process's own run: alive, no lookup needed
                    var handle = ProcessHandle.of(pid);
                    // Alive means: that pid runs and started when the run's process did (else the pid was reused).
                    // When the start time cannot be read, assume alive rather than interrupt a live run.
                    boolean alive = handle.isPresent() && handle.get().isAlive()
                            && handle.get().info().startInstant().map(i -> sameStart(i, started)).orElse(true);
                    if (!alive) found.add(new Object[] {rs.getString(1), pid});
                }
                rs.close();
            }
            return found;
        });
        if (dead.isEmpty()) return;
        write(() -> {
            for (var d : dead) {
                // still running under the same dead pid: a process that resumed it meanwhile wrote its own pid
                update("UPDATE runs SET status=?, stop_reason=?, updated_at=? WHERE id=? AND status='running' AND pid=?",
                        RunStatus.INTERRUPTED.wireName(), "process_died", time(Instant.now()), d[0], d[1]);
            }
        }, "check for interrupted runs");
    }

    private static boolean sameStart(Instant actual, String recorded) {
        if (recorded == null || recorded.isEmpty()) return true;
        try {
            return java.time.Duration.between(Instant.parse(recorded), actual).abs().compareTo(START_TOLERANCE) <= 0;
        } catch (java.time.format.DateTimeParseException e) {
            return true;
        }
    }

    private List<RunRecord> query(String sql, Object... args) throws SQLException {
        try (var ps = conn().prepareStatement(sql)) {
            bind(ps, args);
            try (var rs = ps.executeQuery()) {
                var out = new ArrayList<RunRecord>();
                while (rs.next()) out.add(record(rs));
                return out;
            }
        }
    }

    private static RunRecord record(ResultSet rs) throws SQLException {
        return new RunRecord(rs.getString("id"), rs.getString("parent_id"), RunStatus.parse(rs.getString("status")),
                rs.getString("stop_reason"), rs.getString("task"), rs.getString("model"), rs.getString("workspace"),
                instant(rs.getString("started_at")), instant(rs.getString("updated_at")), instant(rs.getString("finished_at")),
                rs.getInt("steps"), rs.getLong("input_tokens"), rs.getLong("output_tokens"), rs.getDouble("cost_usd"),
                rs.getString("answer"), rs.getLong("pid"));
    }

    static String time(Instant i) {
        return TIME.format(i);
    }

    private static Instant instant(String s) {
        return s == null ? null : Instant.parse(s);
    }

    private void update(String sql, Object... args) throws SQLException {
        var ps = prepared(sql);
        bind(ps, args);
        ps.executeUpdate();
    }

    /** A statement prepared on the current connection, kept as long as that connection is this store's. */
    private PreparedStatement prepared(String sql) throws SQLException {
        var ps = statements.get(sql);
        if (ps == null) statements.put(sql, ps = conn().prepareStatement(sql));
        return ps;
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
    }

    interface SqlWork {
        void run() throws SQLException;
    }

    interface SqlQuery<T> {
        T get() throws SQLException;
    }

    /** The connection, for {@link WrittenFiles}; use it only inside {@link #read} or {@link #write} (on SQLite also outside, in tests). */
    Connection connection() {
        return conn();
    }

    private Connection conn() {
        var r = reader.get();
        if (r != null) return r;
        if (current != null) return current;
        if (fixed != null) return fixed;
        throw new IllegalStateException("the PostgreSQL run store has no connection outside a read or a write");
    }

    /**
     * Runs {@code work} with a connection: SQLite's one, or (PostgreSQL) one borrowed from the pool for this unit of work
     * and given back after, with the statements prepared on it. Nested units use the outer one's. Holds {@link #lock}.
     */
    private <T> T unit(SqlQuery<T> work) throws SQLException {
        if (fixed != null || current != null) return work.get();
        try (var c = database.connection()) {
            current = c;
            try {
                return work.get();
            } finally {
                current = null;
                closeStatements();
            }
        }
    }

    private void closeStatements() throws SQLException {
        try {
            for (var ps : statements.values()) ps.close();
        } finally {
            statements.clear();
        }
    }

    void write(SqlWork work, String what) {
        transaction(() -> {
            work.run();
            return null;
        }, what);
    }

    /**
     * One write transaction. SQLite: IMMEDIATE, so that a concurrent writer waits instead of failing half-way.
     * PostgreSQL: a transaction that lost a deadlock to another process is run again (up to three times).
     */
    <T> T transaction(SqlQuery<T> work, String what) {
        lock.lock();
        try {
            if (dialect == Dialect.SQLITE) return unit(() -> sqliteTransaction(work));
            for (int attempt = 1; ; attempt++) {
                try {
                    return unit(() -> pgTransaction(work));
                } catch (SQLException e) {
                    if (attempt >= 3 || !dialect.isRetryable(e)) throw e;
                }
            }
        } catch (SQLException e) {
            throw new StoreException("Cannot " + what + " in " + where + ": " + explain(e), e);
        } finally {
            lock.unlock();
        }
    }

    private <T> T sqliteTransaction(SqlQuery<T> work) throws SQLException {
        try (var st = conn().createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            try {
                T result = work.get();
                st.execute("COMMIT");
                return result;
            } catch (SQLException | RuntimeException e) {
                rollback(st, e);
                throw e;
            }
        }
    }

    private <T> T pgTransaction(SqlQuery<T> work) throws SQLException {
        var c = conn();
        c.setAutoCommit(false);
        try {
            T result = work.get();
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException lost) {
                e.addSuppressed(lost);
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * Rolls back, keeping the first error as the one reported: after SQLITE_FULL SQLite has already rolled back,
     * and "cannot rollback - no transaction is active" would hide that the disk is full.
     */
    private static void rollback(java.sql.Statement st, Exception cause) {
        try {
            st.execute("ROLLBACK");
        } catch (SQLException alreadyRolledBack) {
            cause.addSuppressed(alreadyRolledBack);
        }
    }

    /** The error in words a person can act on; SQLite's codes for a full disk and a read-only file get a sentence. */
    private String explain(SQLException e) {
        if (database != null) return database.explain(e);
        return switch (e.getErrorCode()) {
            case 13 -> "the disk is full (or the database reached its size limit); nothing of this change was stored. Free space where "
                    + file.getParent() + " lives and try again";
            case 8 -> "the database is read-only here (" + e.getMessage() + ")";
            default -> e.getMessage();
        };
    }

    <T> T read(SqlQuery<T> q) {
        // inside a write (same thread) a read must see that write's own rows: it stays on the writer's connection
        if (!lock.isHeldByCurrentThread() && reader.get() == null) return readAside(q);
        lock.lock();
        try {
            return unit(q);
        } catch (SQLException e) {
            throw new StoreException("Cannot read " + where + ": " + (database != null ? database.explain(e) : e.getMessage()), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@link #read} without the store's lock: on SQLite with a reader connection, on PostgreSQL with one of the pool's
     * (for this read only), so that reads and the runs' commits do not queue behind each other.
     */
    private <T> T readAside(SqlQuery<T> q) {
        Connection c;
        try {
            c = database != null ? database.connection() : borrowReader();
        } catch (SQLException e) {
            throw new StoreException("Cannot read " + where + ": " + (database != null ? database.explain(e) : e.getMessage()), e);
        }
        reader.set(c);
        try {
            return q.get();
        } catch (SQLException e) {
            throw new StoreException("Cannot read " + where + ": " + (database != null ? database.explain(e) : e.getMessage()), e);
        } finally {
            reader.remove();
            if (database != null) closeQuietly(c); // back to the pool
            else giveBack(c);
        }
    }

    private Connection borrowReader() throws SQLException {
        while (true) {
            if (closed) throw new SQLException("the store is closed");
            var c = idleReaders.pollFirst();
            if (c != null) return c;
            int n = openReaders.get();
            if (n < READERS && openReaders.compareAndSet(n, n + 1)) {
                try {
                    var fresh = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
                    try (var st = fresh.createStatement()) {
                        st.execute("PRAGMA busy_timeout = 10000");
                        st.execute("PRAGMA query_only = 1");
                    }
                    return fresh;
                } catch (SQLException | RuntimeException e) {
                    openReaders.decrementAndGet();
                    throw e;
                }
            }
            try {
                c = idleReaders.pollFirst(100, java.util.concurrent.TimeUnit.MILLISECONDS); // all busy: wait for one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for a read connection", e);
            }
            if (c != null) return c;
        }
    }

    private void giveBack(Connection c) {
        if (!closed) {
            idleReaders.addFirst(c);
            if (!closed) return;
            if (!idleReaders.remove(c)) return; // close() took it
        }
        closeQuietly(c);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing a read-only connection: nothing to lose
        }
    }

    @Override
    public void close() {
        closed = true;
        for (var c = idleReaders.pollFirst(); c != null; c = idleReaders.pollFirst()) closeQuietly(c);
        lock.lock();
        try {
            if (!pending.isEmpty()) {
                var batch = new ArrayList<>(pending);
                pending.clear();
                write(() -> {
                    for (var e : batch) insert(e);
                }, "record the last events");
            }
            closeStatements();
            if (fixed != null) fixed.close();
        } catch (SQLException e) {
            throw new StoreException("Cannot close " + where + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }
}
