package ai.apprentice.channels.triggers;

import ai.apprentice.json.Json;
import ai.apprentice.server.AgentService;
import ai.apprentice.server.ApiException;
import ai.apprentice.server.ApprenticeServer;
import ai.apprentice.server.ServerExtension;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.RoutesConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Agents started by events instead of prompts, as part of {@code apprentice serve}: schedules (cron in a time zone),
 * signed webhooks (generic, or GitHub's, whose answers go back as comments) and watched folders. Triggers live in
 * {@code $APPRENTICE_HOME/server/triggers.db}, so that {@code apprentice triggers add} in another process is picked up
 * at the next tick. Each fire is claimed in the database before its run starts, so it runs once however many servers
 * share the home; its run is started through {@link AgentService} with the origin {@code trigger:NAME}.
 * <p>
 * Time is the given {@link Clock}: {@link #tick()} looks at it (every second in the background, or when a test calls it).
 * A schedule's fire noticed more than {@link #GRACE} after it was due was missed (no server ran): with
 * {@code missed: run-once} the latest such fire runs once, with {@code skip} it is recorded as skipped.
 */
public final class Triggers implements ServerExtension {
    public static final Duration TICK = Duration.ofSeconds(1);
    public static final Duration GRACE = Duration.ofMinutes(1);
    /** At most this many files start runs per scan of one folder; the rest are logged. */
    static final int MAX_FILE_FIRES = 20;

    /** What became of an attempt to start a trigger's run. */
    public sealed interface Started {
        record Run(String runId) implements Started {}

        /** Claimed before (a redelivery, another server's tick). */
        record Duplicate(String runId) implements Started {}

        record Failed(int status, String code, String message) implements Started {}
    }

    /**
     * Where schedules keep time when not on this server's ticker: an engine's durable timers (Temporal), so that a
     * cluster has one timer per schedule. The ticker then leaves schedules alone; the engine calls back
     * {@link #nextDue} and {@link #fireDue}, and the claim in the store still makes each fire happen once.
     */
    public interface ScheduleEngine extends AutoCloseable {
        /** Makes sure the engine keeps time for each of these schedules (idempotent; called at start and after changes). */
        void sync(List<ScheduleRef> schedules);

        @Override
        default void close() {}
    }

    /** A schedule as the engine knows it: its name and a hash of its definition (a changed one is a new schedule). */
    public record ScheduleRef(String name, String definition) {}

    /** What became of a fire the engine asked for. */
    public enum Due { STARTED, DUPLICATE, SKIPPED, FAILED, GONE }

    private final TriggerStore store;
    private volatile ScheduleEngine engine;
    private List<ScheduleRef> synced = List.of();
    private final Clock clock;
    private final PrintStream log;
    private final Map<String, String> env;
    private final Duration tickEvery;
    private final Webhooks webhooks;
    private volatile AgentService agents;
    private volatile ApprenticeServer server;
    private GitHubReplies replies;
    private ScheduledExecutorService ticker;
    private final Set<String> mounted = new HashSet<>();
    private final Map<String, Watching> watches = new HashMap<>();
    private final Map<String, CronSchedule> schedules = new HashMap<>();
    /** The last problem logged per trigger, so that a lasting one is logged once, not every second. */
    private final Map<String, String> problems = new HashMap<>();
    private volatile boolean closed;

    private record Watching(String definition, FolderWatch watch) {}

    /** Triggers of the server whose home is {@code home}, secrets from this process's environment, ticking every second. */
    public Triggers(Path home, Clock clock, PrintStream log) {
        this(home, clock, log, System.getenv(), TICK);
    }

    /** The same with the environment that holds the secrets, and the tick's interval (null: no background tick; call {@link #tick()}). */
    public Triggers(Path home, Clock clock, PrintStream log, Map<String, String> env, Duration tickEvery) {
        this.store = TriggerStore.open(home, env);
        this.clock = clock;
        this.log = log;
        this.env = Map.copyOf(env);
        this.tickEvery = tickEvery;
        this.webhooks = new Webhooks(this, this.env, clock, log);
    }

    /** Schedules keep time on {@code engine} instead of this server's ticker; call before the server starts. */
    public void scheduleOn(ScheduleEngine engine) {
        this.engine = engine;
    }

    @Override
    public void routes(RoutesConfig routes, AgentService agents) {
        this.agents = agents;
        new TriggersApi(this).routes(routes);
    }

    @Override
    public synchronized void started(ApprenticeServer server) {
        this.server = server;
        this.agents = server.agents();
        this.replies = new GitHubReplies(agents, store, env, log);
        syncMounts(store.list());
        if (engine != null) syncSchedules(engine, store.list()); // the engine's timers exist before the first tick
        for (var p : store.pendingReplies()) replies.follow(p.trigger(), p.key(), p.runId(), p.reply());
        int n = store.list().size();
        if (n > 0) log.println("triggers: " + n + " (apprentice triggers list); webhooks at " + server.url() + "/hooks/NAME");
        if (tickEvery != null && !tickEvery.isZero()) {
            ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("apprentice-triggers").daemon().factory());
            ticker.scheduleWithFixedDelay(this::tickQuietly, 0, tickEvery.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    TriggerStore store() {
        return store;
    }

    AgentService agents() {
        return agents;
    }

    Clock clock() {
        return clock;
    }

    Map<String, String> env() {
        return env;
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            if (!closed) log.println("triggers: tick failed: " + shown(e.toString()));
        }
    }

    /** Looks at the clock: starts the schedules that are due and the tasks of files that changed, and mounts new webhooks. */
    public synchronized void tick() {
        if (closed || agents == null) return;
        var now = clock.instant();
        var all = store.list();
        syncMounts(all);
        var engine = this.engine;
        if (engine != null) syncSchedules(engine, all);
        for (var t : all) {
            try {
                switch (t.source()) {
                    case Trigger.Schedule s -> {
                        if (engine == null) schedule(t, s, now);
                    }
                    case Trigger.Watch w -> watch(t, w);
                    case Trigger.Webhook w -> { }
                }
                problems.remove(t.name());
            } catch (RuntimeException e) {
                var message = e.getMessage() == null ? e.toString() : e.getMessage();
                if (!message.equals(problems.put(t.name(), message))) log.println("trigger " + t.name() + ": " + shown(agents.redact(message)));
            }
        }
        var names = all.stream().map(Trigger::name).toList();
        watches.keySet().retainAll(names);
        problems.keySet().retainAll(names);
    }

    private void schedule(Trigger t, Trigger.Schedule s, Instant now) {
        var due = cron(s).latestDue(now);
        if (due.isEmpty() || !due.get().isAfter(t.since())) return;
        if (store.claimed(t.name(), due.get().toString())) return;
        fire(t, s, due.get(), now);
    }

    private CronSchedule cron(Trigger.Schedule s) {
        synchronized (schedules) {
            return schedules.computeIfAbsent(s.cron() + "\0" + s.zone(), k -> CronSchedule.of(s));
        }
    }

    /** The fire of {@code t} due at {@code due}: skipped when it was missed and the trigger says so, else started once. */
    private Due fire(Trigger t, Trigger.Schedule s, Instant due, Instant now) {
        var key = due.toString();
        boolean missed = Duration.between(due, now).compareTo(GRACE) > 0;
        if (missed && s.missed() == Trigger.Missed.SKIP) {
            if (store.claim(t.name(), key, "schedule", "skipped", "due while no server ran (missed: skip)", now)) {
                log.println("trigger " + t.name() + ": skipped the fire due at " + key + ", missed while no server ran (missed: skip)");
                return Due.SKIPPED;
            }
            return Due.DUPLICATE;
        }
        return switch (start(t, key, "schedule", missed ? "due at " + key + " while no server ran (missed: run-once)" : "due at " + key,
                Json.object().put("due_at", key), false, null)) {
            case Started.Run r -> Due.STARTED;
            case Started.Duplicate d -> Due.DUPLICATE;
            case Started.Failed f -> Due.FAILED;
        };
    }

    /** A hash of what makes a schedule what it is; a change (cron, zone, missed, or its re-definition time) makes a new one. */
    static String definition(Trigger t, Trigger.Schedule s) {
        var text = t.name() + "\0" + s.cron() + "\0" + s.zone() + "\0" + s.missed() + "\0" + t.since();
        try {
            var d = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The schedule named, if it is still the one {@code definition} describes. */
    private Optional<Map.Entry<Trigger, Trigger.Schedule>> current(String name, String definition) {
        return store.get(name).flatMap(t -> t.source() instanceof Trigger.Schedule s && definition(t, s).equals(definition)
                ? Optional.of(Map.entry(t, s)) : Optional.empty());
    }

    /**
     * For the engine: when the schedule is next due after {@code after} (and after its definition time); empty when the
     * trigger was removed or redefined, so that the engine's timer for the old definition ends.
     */
    public Optional<Instant> nextDue(String name, String definition, Instant after) {
        return current(name, definition).flatMap(e -> {
            var from = after.isBefore(e.getKey().since()) ? e.getKey().since() : after;
            return cron(e.getValue()).next(from);
        });
    }

    /** For the engine: the fire due at {@code due} (claimed once, whichever server's worker runs it). */
    public Due fireDue(String name, String definition, Instant due) {
        if (agents == null || closed) throw new IllegalStateException("the server is not started (or is stopping); the engine retries");
        var e = current(name, definition);
        if (e.isEmpty()) return Due.GONE;
        return fire(e.get().getKey(), e.get().getValue(), due, clock.instant());
    }

    /** The schedules as an engine keeps them, one per definition. */
    public List<ScheduleRef> scheduleRefs() {
        return refs(store.list());
    }

    private static List<ScheduleRef> refs(List<Trigger> all) {
        var refs = new ArrayList<ScheduleRef>();
        for (var t : all) if (t.source() instanceof Trigger.Schedule s) refs.add(new ScheduleRef(t.name(), definition(t, s)));
        return refs;
    }

    private void syncSchedules(ScheduleEngine engine, List<Trigger> all) {
        var refs = refs(all);
        if (refs.equals(synced)) return;
        engine.sync(refs);
        synced = List.copyOf(refs);
    }

    private void watch(Trigger t, Trigger.Watch w) {
        var workspace = agents.workspace(t.workspace());
        var dir = workspace.resolve(w.dir()).normalize();
        try {
            if (!dir.startsWith(workspace) || Files.exists(dir) && !dir.toRealPath().startsWith(workspace)) {
                throw new IllegalStateException("the watched folder " + w.dir() + " leads outside the workspace");
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the watched folder " + w.dir() + ": " + e.getMessage());
        }
        var definition = t.workspace() + "\0" + w.dir() + "\0" + t.since();
        var watching = watches.get(t.name());
        if (watching == null || !watching.definition().equals(definition)) {
            watching = new Watching(definition, new FolderWatch());
            watches.put(t.name(), watching);
        }
        var changes = watching.watch().scan(workspace, dir, quiet(t.workspace(), watching.watch().previousScan()), clock.instant(), log, t.name());
        for (int i = 0; i < changes.size(); i++) {
            var c = changes.get(i);
            if (i >= MAX_FILE_FIRES) {
                log.println("trigger " + t.name() + ": " + (changes.size() - i) + " more changed files start no run (at most " + MAX_FILE_FIRES + " a scan)");
                break;
            }
            start(t, "file:" + c.path() + "@" + c.stamp().size() + ":" + c.stamp().modifiedNanos(), "file", "file " + c.path(),
                    Json.object().put("path", c.path()), true, null);
        }
    }

    /**
     * Whether a folder of this workspace must not fire now: a run some trigger started here is going, or was started
     * since the folder's previous scan (it may be over already, its writes not yet seen). Across servers too: the
     * fires and the runs' states are in the shared databases.
     */
    private boolean quiet(String workspace, Instant previousScan) {
        boolean quiet = false;
        for (var f : store.workspaceFires(workspace)) {
            if (previousScan != null && !f.firedAt().isBefore(previousScan) && !f.status().equals("skipped")) quiet = true;
            if (!f.ended() && f.runId() != null) {
                if (agents.busy(f.runId())) quiet = true;
                else store.ended(f.runId());
            }
        }
        return quiet;
    }

    private void syncMounts(List<Trigger> all) {
        var server = this.server;
        if (server == null) return;
        var hooks = new HashSet<String>();
        for (var t : all) if (t.source() instanceof Trigger.Webhook) hooks.add(t.name());
        for (var name : hooks) {
            if (mounted.add(name)) server.mount("/hooks/" + name, request -> webhooks.handle(name, request));
        }
        for (var it = mounted.iterator(); it.hasNext(); ) {
            var name = it.next();
            if (!hooks.contains(name)) {
                server.unmount("/hooks/" + name);
                it.remove();
            }
        }
    }

    /** After an add or a removal through the API: webhooks are served at once, not at the next tick. */
    synchronized void changed() {
        var all = store.list();
        syncMounts(all);
        var engine = this.engine;
        if (engine != null) syncSchedules(engine, all);
    }

    /** Starts the trigger's task now ({@code apprentice triggers fire}, the API, the web UI); placeholders stay empty. */
    public Started fire(String name) {
        var t = store.get(name).orElseThrow(() -> TriggerException.notFound(name));
        var now = clock.instant();
        return start(t, "manual:" + now + ":" + nonce(), "manual", null, Json.object(), false, null);
    }

    /**
     * Claims the fire {@code key} of {@code t}, then starts its run with the task filled from {@code context}. A claim
     * already taken is a duplicate: nothing starts. {@code replyTo} says where the answer goes (GitHub), or null.
     */
    Started start(Trigger t, String key, String source, String detail, JsonNode context, boolean untrusted, JsonNode replyTo) {
        var agents = this.agents;
        var now = clock.instant();
        if (!store.claim(t.name(), key, source, "claimed", detail, now)) {
            return new Started.Duplicate(store.fire(t.name(), key).map(TriggerStore.Fire::runId).orElse(null));
        }
        try {
            var runId = agents.start(Template.render(t.task(), context, untrusted), t.workspace(), Map.of(), null,
                    new AgentService.Origin(null, t.origin()));
            store.started(t.name(), key, runId, replyTo);
            log.println("trigger " + t.name() + ": started run " + runId + " (" + source + (detail == null ? "" : ": " + shown(detail)) + ")");
            if (replyTo != null && replies != null) replies.follow(t.name(), key, runId, replyTo);
            return new Started.Run(runId);
        } catch (ApiException e) {
            store.failed(t.name(), key, e.getMessage());
            log.println("trigger " + t.name() + ": the run could not start: " + shown(agents.redact(e.getMessage())));
            return new Started.Failed(e.status(), e.code(), "The trigger's run could not start: " + agents.redact(e.getMessage()));
        } catch (RuntimeException e) {
            var message = agents.redact(String.valueOf(e.getMessage()));
            store.failed(t.name(), key, message);
            log.println("trigger " + t.name() + ": the run could not start: " + shown(message));
            return new Started.Failed(500, "internal", "The trigger's run could not start: " + e.getClass().getSimpleName() + ": " + message);
        }
    }

    static String nonce() {
        return Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1);
    }

    /** Text for a log line: control characters (a file name's newline) shown, not obeyed. */
    static String shown(String s) {
        return s == null ? "" : s.replaceAll("\\p{Cntrl}", "?");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (ticker != null) { // outside the lock: a tick in progress holds it, and ends first
            ticker.shutdownNow();
            try {
                ticker.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (replies != null) replies.close();
            if (server != null) for (var name : mounted) server.unmount("/hooks/" + name);
            mounted.clear();
            try {
                store.close();
            } catch (RuntimeException e) {
                // closing
            }
        }
    }
}
