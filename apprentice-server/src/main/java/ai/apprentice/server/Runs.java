package ai.apprentice.server;

import ai.apprentice.harness.Harness;
import ai.apprentice.harness.HarnessException;
import ai.apprentice.harness.Session;
import ai.apprentice.harness.config.ConfigException;
import ai.apprentice.json.Json;
import ai.apprentice.model.Message;
import ai.apprentice.runtime.EventListener;
import ai.apprentice.runtime.RunHandle;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.store.RunRecord;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The server's runs: requests checked and turned into settings flags, accepted (recorded before they are queued, so a
 * crash loses none), carried out by the {@link RunExecutor} through the harness, and picked up again after a restart.
 * Every run gets its agent from {@link Harness#session}: the same assembly as the CLI's.
 */
public final class Runs {
    /** Settings a request may set for its run; anything that widens what the agent may do is the server's to choose. */
    static final Set<String> REQUEST_SETTINGS = Set.of("max_steps", "max_tokens", "max_cost_usd", "timeout", "tool_mode");

    private final Harness harness;
    private final ServerOptions options;
    private final ServerDb db;
    private final RunEvents events;
    private final Approvals approvals;
    private final RunExecutor executor;
    /**
     * The model of runs that name none, pinned when the server starts: serve's --model, else what the harness chooses
     * in the root (config, a running Ollama, the local model), so that no workspace's config file picks another.
     */
    private final String defaultModel;
    /** Runs whose run_finished is stored while the executor still holds them (for a moment, until it lets go). */
    private final Set<String> ended = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Conversations' sessions, so that an "always" answer holds for the whole conversation. */
    private final Map<String, Session> conversationSessions = new java.util.concurrent.ConcurrentHashMap<>();

    Runs(Harness harness, ServerOptions options, ServerDb db, RunEvents events, Approvals approvals) {
        this(harness, options, db, events, approvals, null);
    }

    /** With {@code engine} (null: in process) carrying out the runs. */
    Runs(Harness harness, ServerOptions options, ServerDb db, RunEvents events, Approvals approvals, RunExecutor.Factory engine) {
        this.harness = harness;
        this.server = serverId(harness);
        this.options = options;
        this.db = db;
        this.events = events;
        this.approvals = approvals;
        this.defaultModel = options.defaults().get("model") != null ? String.valueOf(options.defaults().get("model")) : chosenModel();
        this.executor = engine == null ? new InProcessExecutor(options.maxConcurrentRuns(), this::start, this::finished)
                : engine.create(r -> effective(r.flags(), r.profile()), this::finished);
        executor.useContinues(r -> r.kind() != RunRequest.Kind.START ? RunExecutor.Continues.NOTHING
                : new RunExecutor.Continues(previousRun(r).orElse(null), givenHistory(r).isPresent()));
        // runs on an engine wait for people in their workflows: listed here as in-process ones, redacted as theirs are
        approvals.answerElsewhereWith(executor::answerElsewhere);
        executor.useApprovals(new RunExecutor.ApprovalDesk() {
            @Override
            public java.time.Duration timeout() {
                return approvals.timeout();
            }

            @Override
            public void waiting(String id, String runId, String tool, String subject, String arguments, java.time.Instant createdAt,
                                java.time.Instant expiresAt, java.util.function.Consumer<ai.apprentice.tools.PolicyGate.Approver.Verdict> deliver) {
                approvals.waiting(id, runId, tool, harness.store().redact(subject), harness.store().redact(arguments), createdAt, expiresAt, deliver);
            }

            @Override
            public void settled(String id, RunExecutor.Settled how) {
                approvals.settled(id, how);
            }

            @Override
            public void waitingElsewhere(String id, String runId, String tool, String subject, String arguments, java.time.Instant createdAt,
                                         java.time.Instant expiresAt, java.util.function.Consumer<ai.apprentice.tools.PolicyGate.Approver.Verdict> deliver) {
                approvals.waitingElsewhere(id, runId, tool, harness.store().redact(subject), harness.store().redact(arguments), createdAt, expiresAt, deliver);
            }

            @Override
            public void settledElsewhere(String id, RunExecutor.Settled how) {
                approvals.settledElsewhere(id, how);
            }
        });
    }

    private String chosenModel() {
        try {
            return harness.session(options.root(), options.defaults()).modelChoice().spec();
        } catch (RuntimeException e) {
            harness.err().println("warning: no default model for the server's runs: " + e.getMessage());
            return null;
        }
    }

    RunExecutor executor() {
        return executor;
    }

    ServerOptions options() {
        return options;
    }

    Harness harness() {
        return harness;
    }

    RunEvents events() {
        return events;
    }

    // ---- accepting ----

    /** Folders whose contents widen what an agent may do (rules, hooks, skills): never a run's workspace, at any depth. */
    static final Set<String> PROTECTED_NAMES = Set.of(".git", ".apprentice", ".claude", ".agents", ".codex");

    /**
     * The workspace a request names, as a real path confined under the server's root; created when missing. Checked
     * again when the run starts (a queued run's folder may have become a link meanwhile) and after a restart, against
     * the root the server has then.
     */
    Path workspace(String requested) {
        var root = options.root();
        Path ws;
        if (requested == null || requested.isBlank()) {
            ws = root;
        } else {
            if (requested.indexOf('\0') >= 0) throw ApiException.badRequest("workspace contains a NUL character");
            var p = Path.of(requested);
            ws = (p.isAbsolute() ? p : root.resolve(p)).toAbsolutePath().normalize();
        }
        if (!ws.startsWith(root)) {
            throw ApiException.forbidden("The workspace " + requested + " is outside the server's root " + root + "; give a path under it.");
        }
        Path realRoot;
        try {
            realRoot = root.toRealPath();
            // Create what is missing one folder at a time, never following a link: the deepest existing folder must be
            // inside the root first, so that a refused request creates nothing anywhere.
            var missing = new java.util.ArrayDeque<Path>();
            var existing = ws;
            while (!Files.exists(existing, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                missing.push(existing);
                existing = existing.getParent();
            }
            if (!existing.toRealPath().startsWith(realRoot)) throw outside(requested, root);
            for (var dir : missing) Files.createDirectory(dir);
            ws = ws.toRealPath();
        } catch (IOException e) {
            throw ApiException.unprocessable("Cannot use the workspace " + requested + " (" + e.getClass().getSimpleName() + ")");
        }
        if (!ws.startsWith(realRoot)) throw outside(requested, root);
        for (var part : realRoot.relativize(ws)) {
            if (PROTECTED_NAMES.contains(part.toString())) {
                throw ApiException.forbidden("The workspace " + requested + " lies in " + part + ", which holds rules, hooks or skills; "
                        + "a run may not work there. Give the folder around it.");
            }
        }
        try {
            var home = harness.home().toRealPath();
            if (ws.startsWith(home)) {
                throw ApiException.forbidden("The workspace " + requested + " lies in apprentice's home " + harness.home());
            }
        } catch (IOException e) {
            // no home yet: nothing to protect there
        }
        return ws;
    }

    private static ApiException outside(String requested, Path root) {
        return ApiException.forbidden("The workspace " + requested + " leads outside the server's root " + root + " through a symbolic link.");
    }

    /**
     * What a request sets for its run, checked: a model from the allowed ones, and only budget and tool-mode settings.
     * Only this is stored with the run; the server's defaults are laid under it when the run starts ({@link #effective}).
     */
    Map<String, Object> flags(String model, JsonNode settings) {
        var flags = new LinkedHashMap<String, Object>();
        if (model != null) {
            if (!allowedModels().contains(model)) {
                throw ApiException.forbidden("The model '" + model + "' is not allowed on this server. Allowed: "
                        + String.join(", ", allowedModels()) + " (serve --allow-model adds one).");
            }
            flags.put("model", model);
        }
        if (settings != null && !settings.isNull()) {
            if (!settings.isObject()) throw ApiException.unprocessable("settings must be an object of config keys, e.g. {\"max_steps\": 10}");
            for (var it = settings.fields(); it.hasNext(); ) {
                var f = it.next();
                if (!REQUEST_SETTINGS.contains(f.getKey())) {
                    throw ApiException.unprocessable("settings." + f.getKey() + " cannot be set by a request; allowed: "
                            + String.join(", ", new java.util.TreeSet<>(REQUEST_SETTINGS)));
                }
                var v = f.getValue();
                if (!v.isValueNode() || v.isNull()) throw ApiException.unprocessable("settings." + f.getKey() + " must be a number or a string");
                flags.put(f.getKey(), v.isNumber() ? v.numberValue() : v.asText());
            }
        }
        return flags;
    }

    /** The models requests may name: the default and serve's --allow-model. */
    java.util.Set<String> allowedModels() {
        var all = new java.util.LinkedHashSet<>(options.allowedModels());
        if (defaultModel != null) all.add(defaultModel);
        return all;
    }

    /**
     * A run's flags as it starts: the server's defaults as they are now, the server's model pinned (so that no config
     * file in a workspace picks another), then what the request set. A model no longer allowed is refused.
     */
    Map<String, Object> effective(Map<String, Object> requested) {
        return effective(requested, Map.of());
    }

    /** The same, with an entry point's profile (a channel's, a trigger's: the operator's config) between the defaults and the request. */
    Map<String, Object> effective(Map<String, Object> requested, Map<String, Object> profile) {
        var flags = new LinkedHashMap<>(options.defaults());
        if (defaultModel != null) flags.put("model", defaultModel);
        profile.forEach((k, v) -> {
            // the model stays the server's choice (checked below when a request names one); memory scopes go to the session
            if (!k.equals("model") && !k.equals(RunRequest.MEMORY_SCOPES)) flags.put(k, v);
        });
        var model = requested.get("model");
        if (model != null && !allowedModels().contains(String.valueOf(model))) {
            throw ApiException.forbidden("The model '" + model + "' is no longer allowed on this server");
        }
        requested.forEach((k, v) -> {
            if (k.equals("model") || REQUEST_SETTINGS.contains(k)) flags.put(k, v);
        });
        return flags;
    }

    /**
     * Checks that the settings load (a bad value is the client's error, told now, not when the run would start), and that
     * a request's budgets only lower the server's: no more steps, and no unlimited (0) or larger tokens, cost or time
     * where the server sets a limit.
     */
    void check(Path workspace, Map<String, Object> requested) {
        check(workspace, requested, Map.of());
    }

    void check(Path workspace, Map<String, Object> requested, Map<String, Object> profile) {
        try {
            var base = harness.settings(workspace, effective(Map.of(), profile));
            var asked = base.with(effective(requested, profile)); // layered on the loaded files, not read again
            if (asked.maxSteps() > base.maxSteps()) raise("max_steps", base.maxSteps());
            if (base.maxTokens() > 0 && (asked.maxTokens() == 0 || asked.maxTokens() > base.maxTokens())) raise("max_tokens", base.maxTokens());
            if (base.maxCostUsd() > 0 && (asked.maxCostUsd() == 0 || asked.maxCostUsd() > base.maxCostUsd())) raise("max_cost_usd", base.maxCostUsd());
            if (base.timeout().isPresent() && (asked.timeout().isEmpty() || asked.timeout().get().compareTo(base.timeout().get()) > 0)) {
                raise("timeout", base.timeout().get());
            }
        } catch (ConfigException | HarnessException e) {
            throw settingsError(e);
        }
    }

    private static final java.util.regex.Pattern OPTION = java.util.regex.Pattern.compile("option --([a-z-]+)");

    /** A settings error as the client's: the loader names command-line options, a request set them as settings. */
    static ApiException settingsError(RuntimeException e) {
        return ApiException.unprocessable(OPTION.matcher(String.valueOf(e.getMessage())).replaceAll(r -> "settings." + r.group(1).replace('-', '_')));
    }

    private static void raise(String key, Object limit) {
        throw ApiException.unprocessable("settings." + key + " may only lower this server's limit of " + limit + " (0 would mean no limit)");
    }

    /** Accepts a new run: recorded, then queued. */
    RunRequest accept(String task, Path workspace, Map<String, Object> flags, String conversationId) {
        return accept(RunIds.next(), task, workspace, flags, conversationId, List.of());
    }

    /**
     * Accepts a new run with an id chosen beforehand (so that a caller can subscribe to its events before it can
     * begin) whose history begins with {@code history} (an OpenAI-compatible request's conversation); the history is
     * recorded with the run, so that it begins with it after a restart too.
     */
    RunRequest accept(String runId, String task, Path workspace, Map<String, Object> flags, String conversationId, List<Message> history) {
        return accept(runId, task, workspace, flags, conversationId, history, Map.of(), null, null);
    }

    /**
     * The same, for an entry point on this server: {@code profile} is its settings from the operator's config,
     * {@code author} who asked ({@code slack:U123}), {@code origin} where from ({@code slack:T1/C2/1700.1},
     * {@code trigger:nightly}); both are recorded with the run and shown with it.
     */
    RunRequest accept(String runId, String task, Path workspace, Map<String, Object> flags, String conversationId, List<Message> history,
                      Map<String, Object> profile, String author, String origin) {
        if (task == null || task.isBlank()) throw ApiException.unprocessable("task must be a non-empty string");
        check(workspace, flags, profile);
        var request = new RunRequest(runId, RunRequest.Kind.START, task, workspace, flags, conversationId, profile);
        // the messages first, in the run store, where whoever begins the run reads them (this server, or a worker of the
        // engine); the run is accepted only once they are kept, and they are dropped again if it cannot be
        if (!history.isEmpty()) harness.store().giveMessages(runId, history);
        try {
            db.update("""
                    INSERT INTO accepted_runs(run_id, conversation_id, task, workspace, settings_json, state, accepted_at, author, origin, profile_json, server)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
                    request.runId(), conversationId, task, workspace.toString(), Json.write(flags), "queued", ServerDb.now(), author, origin,
                    profile.isEmpty() ? null : Json.write(profile), server);
        } catch (RuntimeException e) {
            if (!history.isEmpty()) {
                try {
                    harness.store().forgetGivenMessages(runId);
                } catch (RuntimeException lost) {
                    e.addSuppressed(lost); // kept under an id no run has: never read
                }
            }
            throw e;
        }
        submit(request);
        return request;
    }

    /** Resumes a stopped run from its last completed step, with its own settings. */
    RunRequest resume(String runId) {
        var found = record(runId).orElseThrow(() -> ApiException.notFound("No run " + runId));
        awaitLetGo(found.id());
        var run = record(found.id()).orElse(found);
        if (run.status() == RunStatus.SUCCEEDED) throw ApiException.conflict("Run " + run.id() + " already succeeded; nothing to resume");
        if (executor.state(run.id()).isPresent() || run.status() == RunStatus.RUNNING) throw ApiException.conflict("Run " + run.id() + " is still running");
        if (run.parentId() != null) throw ApiException.conflict("Run " + run.id() + " is a subagent's; resume its parent " + run.parentId());
        // A run started elsewhere (the CLI, with its own approval mode and model) is resumed there, not under this server's rules.
        var accepted = acceptedRow(run.id()).orElseThrow(() -> ApiException.conflict("Run " + run.id()
                + " was not started by this server; resume it where it was started: apprentice runs resume " + run.id()));
        Map<String, Object> flags = accepted.flags();
        var workspace = workspace(run.workspace());
        var request = new RunRequest(run.id(), RunRequest.Kind.RESUME, run.task(), workspace, flags, accepted.conversationId(), accepted.profile());
        db.update("""
                INSERT INTO accepted_runs(run_id, conversation_id, task, workspace, settings_json, state, accepted_at, server) VALUES (?,?,?,?,?,?,?,?)
                ON CONFLICT(run_id) DO UPDATE SET state='resuming', server=excluded.server""",
                run.id(), request.conversationId(), run.task(), workspace.toString(), Json.write(flags), "resuming", ServerDb.now(), server);
        submit(request);
        return request;
    }

    private void submit(RunRequest request) {
        ended.remove(request.runId());
        try {
            executor.submit(request);
        } catch (IllegalStateException e) {
            throw new ApiException(503, "unavailable", e.getMessage());
        }
    }

    boolean cancel(String runId) {
        return executor.cancel(runId);
    }

    // ---- carrying out (the executor calls these) ----

    private RunHandle start(RunRequest request) {
        try {
            return begin(request);
        } catch (RuntimeException e) {
            // the run could not begin (its model cannot be reached or loaded, its settings no longer load): say so where it is listed
            var message = e.getMessage() == null ? e.toString() : e.getMessage();
            db.update("UPDATE accepted_runs SET state='failed', error=? WHERE run_id=?", harness.store().redact(message), request.runId());
            if (harness.store().get(request.runId()).isEmpty()) harness.store().forgetGivenMessages(request.runId()); // never begun: not picked up again
            harness.err().println("warning: run " + request.runId() + " could not begin: " + harness.store().redact(message));
            events.changed(request.runId());
            throw e;
        }
    }

    private RunHandle begin(RunRequest request) {
        // checked again now, against the server as it is: the folder may have become a link while the run waited
        var checked = new RunRequest(request.runId(), request.kind(), request.task(), workspace(request.workspace().toString()),
                request.flags(), request.conversationId(), request.profile());
        var session = session(checked);
        // told before the streams (which listen after it): a client that got run_finished and asks again finds the run not busy
        EventListener ends = e -> {
            if (e instanceof ai.apprentice.runtime.Event.RunFinished f && f.runId().equals(request.runId())) ended.add(f.runId());
        };
        EventListener[] listeners = {ends, events};
        // before the run is launched: a fast run can end before this thread goes on, and a conversation's next message,
        // sent as soon as the client saw it end, looks for the last run that began by this state (CI saw it find none)
        db.update("UPDATE accepted_runs SET state='started' WHERE run_id=?", request.runId());
        var handle = switch (request.kind()) {
            case START -> {
                var history = conversationHistory(request);
                yield history.isEmpty() ? session.start(request.runId(), request.task(), listeners)
                        : session.continueConversation(request.runId(), session.agent(), history, request.task(), listeners);
            }
            case RESUME -> session.resume(RunSnapshot.fromEvents(harness.store().events(request.runId())), listeners);
        };
        // a loop that throws (its store failed under it) records no end of its own: say so, or the run just looks as before
        handle.future().whenComplete((r, t) -> {
            if (t != null) harness.err().println("warning: run " + request.runId() + " stopped with an error: " + harness.store().redact(String.valueOf(t)));
        });
        return handle;
    }

    private void finished(RunRequest request, boolean started) {
        try {
            if (!started) {
                // cancelled while queued: it never began, so the run store has no row; the accepted row says how it ended
                db.update("UPDATE accepted_runs SET state='cancelled' WHERE run_id=? AND state IN ('queued','resuming')", request.runId());
                harness.store().forgetGivenMessages(request.runId()); // it will not begin: nobody needs them
                events.changed(request.runId());
                return;
            }
            // interrupted by a shutdown: it stays 'started', and the next start resumes it
            var run = harness.store().get(request.runId());
            // its run_started holds the messages its request brought (redacted): the copy kept as given goes
            if (run.isPresent()) harness.store().forgetGivenMessages(request.runId());
            if (run.isPresent() && run.get().status() == RunStatus.INTERRUPTED) return;
            // 'queued' too: a run on an engine begins on a worker, which does not mark it started here
            db.update("UPDATE accepted_runs SET state='done' WHERE run_id=? AND state IN ('started','queued','resuming')", request.runId());
            // a run on an engine stored its run_finished from a worker, which told no stream here: they look now
            events.changed(request.runId());
        } finally {
            ended.remove(request.runId()); // the executor has let go of it, and its accepted record says how it ended
        }
    }

    /**
     * Waits (at most a few seconds) for the executor to let go of a run that has recorded its end: between its
     * run_finished and {@link #finished} it is neither running nor free, and a resume asked in that moment (as soon as a
     * client saw the run end) must not be refused as "still running", nor race the accepted record's update. On an
     * engine a worker records the end, which this process hears of only when the executor lets go: the store says it.
     */
    void awaitLetGo(String runId) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
        while ((ended.contains(runId) || executor.runsOutliveTheServer() && executor.state(runId).isPresent()
                && record(runId).map(r -> !r.running()).orElse(false))
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(executor.runsOutliveTheServer() ? 50 : 5); // on an engine each look is a read of the store
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The session a request runs in: its conversation's (shared across messages), else one of its own. */
    private Session session(RunRequest request) {
        if (request.conversationId() != null) {
            return conversationSessions.computeIfAbsent(request.conversationId(), id -> newSession(request));
        }
        return newSession(request);
    }

    private Session newSession(RunRequest request) {
        var session = harness.session(request.workspace(), effective(request.flags(), request.profile()));
        if (request.profile().get(RunRequest.MEMORY_SCOPES) instanceof List<?> scopes && !scopes.isEmpty()) {
            session = session.withMemoryScopes(scopes.stream().map(String::valueOf).toList());
        }
        // in ask mode, tool calls no rule settles wait in the approvals queue for a person
        session.useApprover(new ai.apprentice.tools.PolicyGate.Approver() {
            @Override
            public Answer ask(String tool, String subject, String arguments) throws InterruptedException {
                return decide(tool, subject, arguments).answer();
            }

            @Override
            public Verdict decide(String tool, String subject, String arguments) throws InterruptedException {
                return approvals.ask(currentRun(request), tool, harness.store().redact(subject), harness.store().redact(arguments));
            }
        });
        return session;
    }

    /** The run of a conversation that is asking (one runs at a time); the request's own run otherwise. */
    private String currentRun(RunRequest request) {
        if (request.conversationId() == null) return request.runId();
        return lastRunOf(request.conversationId()).orElse(request.runId());
    }

    /**
     * The history a new run begins with: the messages given with its request, else (the next message of a conversation)
     * everything the conversation's last finished run had.
     */
    private List<Message> conversationHistory(RunRequest request) {
        var given = givenHistory(request);
        if (given.isPresent()) return given.get();
        var previous = previousRun(request);
        if (previous.isEmpty()) return List.of();
        var stored = harness.store().events(previous.get());
        return stored.isEmpty() ? List.of() : RunSnapshot.fromEvents(stored).history();
    }

    /**
     * The messages given with the request (an OpenAI-compatible request's conversation): in the run store, keyed by the
     * run's id, where a worker of the engine reads them too. A run accepted before they went there (a version that kept
     * them in this server's database) still finds them here, when it begins in this process.
     */
    private Optional<List<Message>> givenHistory(RunRequest request) {
        var given = harness.store().givenMessages(request.runId());
        if (given.isPresent()) return given;
        return db.query("SELECT messages_json FROM given_history WHERE run_id=?", rs -> rs.getString(1), request.runId()).stream()
                .findFirst().map(json -> List.of(Json.read(json, Message[].class)));
    }

    /** The run whose history a conversation's next message continues: its last one that began. */
    private Optional<String> previousRun(RunRequest request) {
        if (request.conversationId() == null) return Optional.empty();
        return db.query("""
                SELECT run_id FROM accepted_runs WHERE conversation_id=? AND run_id<>? AND state IN ('started','done')
                ORDER BY accepted_at DESC, run_id DESC LIMIT 1""", rs -> rs.getString(1), request.conversationId(), request.runId())
                .stream().findFirst();
    }

    // ---- reading ----

    Optional<RunRecord> record(String idOrPrefix) {
        try {
            return harness.store().get(idOrPrefix);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /**
     * Which server accepted a run, for servers that share one PostgreSQL: this machine's name and this process's home
     * (set {@code APPRENTICE_SERVER_ID} where machine names change on restart, as pods without a stable name do).
     */
    private final String server;

    static String serverId(Harness harness) {
        var given = harness.env().get("APPRENTICE_SERVER_ID");
        if (given != null && !given.isBlank()) return given.strip();
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        return host + ":" + harness.home().toAbsolutePath();
    }

    /** A run accepted by this server, as recorded before it began. */
    record Accepted(String runId, String conversationId, String task, String workspace, Map<String, Object> flags, String state,
                    String error, String acceptedAt, String author, String origin, Map<String, Object> profile) {}

    private static final String ACCEPTED = "SELECT run_id, conversation_id, task, workspace, settings_json, state, error, accepted_at,"
            + " author, origin, profile_json FROM accepted_runs";

    private static Accepted accepted(java.sql.ResultSet rs) throws java.sql.SQLException {
        var profile = rs.getString(11);
        return new Accepted(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), ServerDb.flags(rs.getString(5)),
                rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
                profile == null ? Map.of() : ServerDb.flags(profile));
    }

    Optional<Accepted> acceptedRow(String runId) {
        return db.query(ACCEPTED + " WHERE run_id=?", Runs::accepted, runId).stream().findFirst();
    }


    Optional<String> lastRunOf(String conversationId) {
        return db.query("SELECT run_id FROM accepted_runs WHERE conversation_id=? ORDER BY accepted_at DESC, run_id DESC LIMIT 1",
                rs -> rs.getString(1), conversationId).stream().findFirst();
    }

    List<String> runsOf(String conversationId) {
        return db.query("SELECT run_id FROM accepted_runs WHERE conversation_id=? ORDER BY accepted_at, run_id", rs -> rs.getString(1), conversationId);
    }

    /**
     * Whether a run is still going here: queued, running, or resuming. A run whose run_finished is stored is not, though
     * the executor lets go of it a moment later.
     */
    boolean busy(String runId) {
        return executor.state(runId).isPresent() && !ended.contains(runId);
    }

    /** queued or running while the executor holds the run, else what the run store (or the accepted record) says. */
    String status(String runId) {
        var held = executor.state(runId);
        if (held.isPresent() && held.get() == RunExecutor.State.QUEUED) return "queued";
        if (busy(runId)) return "running";
        return record(runId).map(r -> r.status().wireName())
                .or(() -> acceptedRow(runId).map(a -> switch (a.state()) {
                    case "cancelled" -> "cancelled";
                    case "failed" -> "failed";
                    default -> "queued";
                })).orElse("unknown");
    }

    Approvals approvals() {
        return approvals;
    }

    ServerDb db() {
        return db;
    }

    // ---- restart ----

    /**
     * After a restart: runs accepted but never started are queued again, and runs this server started that ended
     * interrupted (a graceful shutdown, or the process died) resume from their last completed step; on a durable
     * engine, runs still going on are watched again (their approvals listed, their end recorded).
     */
    int recover() {
        harness.store().markInterrupted();
        int n = 0;
        // On a database servers share, each picks up only what it accepted itself: another server's queue is its own.
        var mine = db.shared() ? " AND server = ?" : "";
        var args = db.shared() ? new Object[] {server} : new Object[0];
        for (var row : db.query(ACCEPTED + " WHERE state IN ('queued','resuming','started')" + mine + " ORDER BY accepted_at, run_id", Runs::accepted, args)) {
            var run = harness.store().get(row.runId());
            try {
                if (run.isEmpty()) {
                    if (!"queued".equals(row.state()) && !"started".equals(row.state())) continue;
                    submit(new RunRequest(row.runId(), RunRequest.Kind.START, row.task(), Path.of(row.workspace()), row.flags(), row.conversationId(), row.profile()));
                    n++;
                } else if (run.get().status() == RunStatus.INTERRUPTED
                        || (run.get().status() == RunStatus.RUNNING && executor.runsOutliveTheServer())) {
                    // interrupted: resumed from its last step; running on a durable engine: watched again (its workflow goes on)
                    submit(new RunRequest(row.runId(), RunRequest.Kind.RESUME, row.task(), Path.of(row.workspace()), row.flags(), row.conversationId(), row.profile()));
                    n++;
                } else if (run.get().status() != RunStatus.RUNNING) {
                    db.update("UPDATE accepted_runs SET state='done' WHERE run_id=?", row.runId());
                }
            } catch (ApiException e) {
                harness.err().println("warning: cannot pick up run " + row.runId() + " again: " + e.getMessage());
            }
        }
        return n;
    }
}
