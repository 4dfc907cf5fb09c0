package ai.apprentice.channels;

import ai.apprentice.json.Json;
import ai.apprentice.memory.Memory;
import ai.apprentice.server.AgentService;
import ai.apprentice.server.ApiException;
import ai.apprentice.server.Inbound;
import ai.apprentice.server.RunRequest;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * The agent in one chat channel: the same for every platform. A mention or a direct message from an allowed person
 * starts a run in the channel's workspace (or continues the thread's conversation); its progress shows in one message
 * that is updated; the answer goes to the thread with thumbs up, thumbs down and "correct this"; in ask mode a pending
 * action becomes a message with buttons that only approvers may press. Bots never start runs, a retried delivery
 * starts none, and everything sent passes the redactor.
 */
public final class Intern implements AgentService.ApprovalListener, AutoCloseable {
    private static final Pattern CORRECTION = Pattern.compile("(?is)^\\s*correct(?:ion)?\\s*:\\s*(.+)");
    private static final Pattern REMEMBER = Pattern.compile("(?i)^\\s*what do you (?:remember|know) about me\\??\\s*$");
    private static final Pattern FORGET = Pattern.compile("(?i)^\\s*forget\\s+(everything about me|m-[0-9a-f-]+)\\s*\\.?\\s*$");
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);
    /** Longer text is a file's job: the task is in every model call of the run. */
    static final int MAX_TASK_CHARS = 20_000;

    private final AgentService agents;
    private final ChannelConfig config;
    private final ChatPlatform platform;
    private final ChannelsDb db;
    private final PrintStream log;
    /** Deliveries are answered at once (platforms retry after about 3 s) and handled here; one follower per run. */
    private final ExecutorService work = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean closed;

    Intern(AgentService agents, ChannelConfig config, ChatPlatform platform, ChannelsDb db, PrintStream log) {
        this.agents = agents;
        this.config = config;
        this.platform = platform;
        this.db = db;
        this.log = log;
        agents.onApproval(this);
    }

    public ChannelConfig config() {
        return config;
    }

    public ChatPlatform platform() {
        return platform;
    }

    /** An HTTP delivery: verified and answered now; what it asks for is done in the background. */
    public Inbound.Response deliver(Inbound.Request request) {
        ChatPlatform.Received received;
        try {
            received = platform.receive(request);
        } catch (RuntimeException e) {
            note("refused a delivery from " + request.remoteAddress() + ": it could not be read (" + e.getClass().getSimpleName() + ")");
            return Inbound.Response.error(400, "bad_request", "The delivery could not be read");
        }
        if (received.refusal() != null) {
            note("refused a delivery from " + request.remoteAddress() + ": " + received.refusal());
            return received.response();
        }
        for (var e : received.events()) accept(e);
        return received.response();
    }

    /** An event from the HTTP route or a long connection. */
    public void accept(ChatEvent event) {
        if (closed) return;
        work.submit(() -> {
            try {
                handle(event);
            } catch (Exception e) {
                note("could not handle " + kind(event) + " " + event.eventId() + ": " + agents.redact(String.valueOf(e.getMessage())));
            }
        });
    }

    /** Handles one event now (tests call this to wait for it). */
    void handle(ChatEvent event) throws ChatException {
        if (event.eventId() == null || event.eventId().isBlank()) {
            note("ignored " + kind(event) + " without an event id");
            return;
        }
        if (!db.firstDelivery(config.name(), event.eventId())) {
            note("ignored a repeated delivery of " + event.eventId());
            return;
        }
        switch (event) {
            case ChatEvent.Message m -> onMessage(m);
            case ChatEvent.Action a -> onAction(a);
        }
    }

    private String author(ChatEvent.Person p) {
        return config.platform() + ":" + p.id();
    }

    private static String threadKey(ChatEvent.Place p) {
        return p.team() + "/" + p.channel() + "/" + (p.thread() == null ? "" : p.thread());
    }

    // ---- messages ----

    private void onMessage(ChatEvent.Message m) throws ChatException {
        if (m.from().bot()) {
            note("ignored a message from a bot (" + m.from().id() + ")");
            return;
        }
        var place = m.place();
        var who = author(m.from());
        // a correction announced with the button: the person's next message in the thread, mentioned or not
        var announced = db.takeCorrection(config.name(), threadKey(place), who);
        if (announced.isPresent()) {
            correct(place, announced.get(), m.text(), who);
            return;
        }
        if (!m.direct() && !m.mentioned()) return; // the team talking among themselves
        if (!config.mayStart(m)) {
            note("refused a task from " + who + " in " + place.channel() + ": not on the allow list");
            if (db.firstRefusalToday(config.name(), who)) {
                send(place, Outgoing.text("Sorry, I only take tasks from people on my allow list, and you are not on it yet. "
                        + "Ask whoever runs me to add your id (" + m.from().id() + ") to channels." + config.name() + ".allow.users."));
            }
            return;
        }
        var text = m.text() == null ? "" : m.text().strip();
        var correction = CORRECTION.matcher(text);
        if (correction.matches()) {
            var last = lastRun(place);
            if (last != null) {
                correct(place, last, correction.group(1), who);
                return;
            }
        }
        if (REMEMBER.matcher(text).matches()) {
            remembered(place, m.from());
            return;
        }
        var forget = FORGET.matcher(text);
        if (forget.matches()) {
            forget(place, m.from(), forget.group(1));
            return;
        }
        if (text.length() > MAX_TASK_CHARS) {
            note("refused a message of " + text.length() + " characters from " + who);
            send(place, Outgoing.text("That message is too long for a task (" + text.length() + " characters; I take up to " + MAX_TASK_CHARS
                    + "). Attach the text as a file instead."));
            return;
        }
        if (text.isEmpty() && m.attachments().isEmpty()) {
            send(place, Outgoing.text("Yes? Mention me with a task, for example: @apprentice summarise the open issues."));
            return;
        }
        if (overDailyBudget(who)) {
            send(place, Outgoing.text("You have used today's budget for this channel ($" + config.dailyCostUsd()
                    + " a day). I can take new tasks from you tomorrow (UTC)."));
            return;
        }
        start(m, place, who, text);
    }

    private void start(ChatEvent.Message m, ChatEvent.Place place, String who, String text) throws ChatException {
        var files = saveAttachments(m, place);
        var task = new StringBuilder(text.isEmpty() ? "Look at the attached files." : text);
        if (!files.isEmpty()) task.append("\n\nFiles attached to the message, now in the workspace: ").append(String.join(", ", files));
        var profile = new LinkedHashMap<String, Object>(config.profile());
        profile.put(RunRequest.MEMORY_SCOPES, memoryScopes(m.place(), m.from()));
        var source = config.platform() + ":" + threadKey(place);
        // noted before it is queued: a run in ask mode may ask for an approval at once, and the approval goes to its thread
        var runId = agents.newRunId();
        db.addRun(runId, config.name(), place, null, who);
        try {
            agents.start(runId, task.toString(), config.workspace(), profile, config.name() + ":" + threadKey(place), new AgentService.Origin(who, source));
        } catch (ApiException e) {
            db.removeRun(runId);
            if (e.status() == 409) {
                send(place, Outgoing.text("I am still working on the previous message in this thread; send this again when I have answered."));
            } else {
                note("could not start a run for " + who + ": " + e.getMessage());
                send(place, Outgoing.text("I could not start on that: " + e.getMessage()));
            }
            return;
        }
        String ref = null;
        try {
            ref = platform.post(place, Outgoing.text("Working on it…"));
            db.setProgressRef(runId, ref);
        } catch (ChatException e) {
            note("could not post progress for run " + runId + ": " + e.getMessage());
        }
        note("started run " + runId + " for " + who + " in " + place.channel());
        var progressRef = ref;
        work.submit(() -> follow(runId, place, progressRef));
    }

    /** The memory scopes of a person's runs: where they store first, then the others they recall from. */
    private List<String> memoryScopes(ChatEvent.Place place, ChatEvent.Person person) {
        var personScope = Memory.person(config.platform() + ":" + (place.team() == null ? "" : place.team() + ":") + person.id());
        var teamScope = Memory.team(config.platform() + ":" + (place.team() == null ? config.name() : place.team()));
        var workspaceScope = Memory.workspace(agents.workspace(config.workspace()).toString());
        return switch (config.memory()) {
            case "team" -> List.of(teamScope, personScope, workspaceScope);
            case "workspace" -> List.of(workspaceScope, teamScope, personScope);
            default -> List.of(personScope, teamScope, workspaceScope);
        };
    }

    private String lastRun(ChatEvent.Place place) {
        var runs = agents.runsOf(config.name() + ":" + threadKey(place));
        return runs.isEmpty() ? null : runs.get(runs.size() - 1);
    }

    private boolean overDailyBudget(String who) {
        if (config.dailyCostUsd() <= 0) return false;
        var since = LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant().toString();
        double spent = 0;
        for (var id : db.runsSince(config.name(), who, since)) spent += agents.run(id).map(r -> r.costUsd()).orElse(0.0);
        return spent >= config.dailyCostUsd();
    }

    /** Files of the message into {@code attachments/} of the workspace, each within the size limit; their paths. */
    private List<String> saveAttachments(ChatEvent.Message m, ChatEvent.Place place) throws ChatException {
        var saved = new ArrayList<String>();
        if (m.attachments().isEmpty()) return saved;
        var dir = agents.workspace(config.workspace()).resolve("attachments");
        long budget = config.maxAttachmentBytes();
        for (var a : m.attachments()) {
            var name = safeName(a.name());
            if (a.size() > budget) {
                send(place, Outgoing.text("I left out " + name + ": it is larger than I take (" + config.maxAttachmentBytes() + " bytes in all)."));
                continue;
            }
            byte[] bytes;
            try {
                bytes = platform.download(a, budget);
            } catch (ChatException e) {
                send(place, Outgoing.text("I could not fetch " + name + ": " + agents.redact(e.getMessage())));
                continue;
            }
            budget -= bytes.length;
            try {
                Files.createDirectories(dir);
                if (Files.isSymbolicLink(dir) || !dir.toRealPath().startsWith(agents.workspace(config.workspace()))) {
                    throw new ChatException("the attachments folder of the workspace leads elsewhere");
                }
                var target = unique(dir, name);
                Files.write(target, bytes, java.nio.file.StandardOpenOption.CREATE_NEW);
                saved.add("attachments/" + target.getFileName());
            } catch (java.io.IOException e) {
                throw new ChatException("cannot save " + name + " in the workspace: " + e.getMessage(), e);
            }
        }
        return saved;
    }

    /** A file name with no folders, no leading dots and no control characters; never empty. */
    static String safeName(String name) {
        var base = name == null ? "" : name.replace('\\', '/');
        base = base.substring(base.lastIndexOf('/') + 1).replaceAll("[\\p{Cntrl}:*?\"<>|]", "_").replaceAll("^\\.+", "").strip();
        if (base.length() > 120) base = base.substring(base.length() - 120);
        return base.isEmpty() ? "attachment" : base;
    }

    private static Path unique(Path dir, String name) {
        var p = dir.resolve(name);
        int dot = name.lastIndexOf('.');
        for (int i = 2; Files.exists(p, LinkOption.NOFOLLOW_LINKS); i++) {
            p = dir.resolve(dot > 0 ? name.substring(0, dot) + "-" + i + name.substring(dot) : name + "-" + i);
        }
        return p;
    }

    // ---- following a run ----

    /** Updates the progress message as the run works, then posts the answer with the feedback buttons. */
    private void follow(String runId, ChatEvent.Place place, String progressRef) {
        long seq = 0;
        int steps = 0;
        String doing = null;
        String reasoning = "";
        Instant lastShown = Instant.EPOCH;
        try {
            while (!closed) {
                var events = agents.awaitEvents(runId, seq, 5_000);
                for (var e : events) {
                    seq = e.seq();
                    var node = Json.tree(e.json());
                    switch (e.type()) {
                        case "tool_call" -> doing = node.path("call").path("name").asText() + " " + brief(node.path("call").path("arguments"));
                        case "step_completed" -> {
                            steps = node.path("step").asInt(steps);
                            reasoning = reasoningOf(node);
                        }
                        case "run_finished" -> {
                            finish(runId, place, progressRef, node, config.showReasoning() ? reasoning : "");
                            return;
                        }
                        default -> {}
                    }
                }
                if (events.isEmpty() && !agents.busy(runId) && agents.run(runId).map(r -> !r.running()).orElse(true)) {
                    // ended without run_finished (cancelled while queued, or it could not start)
                    var status = agents.status(runId);
                    update(place, progressRef, Outgoing.text("I could not carry this out (" + status + ")."));
                    return;
                }
                if (progressRef != null && doing != null && Duration.between(lastShown, Instant.now()).compareTo(PROGRESS_EVERY) >= 0) {
                    lastShown = Instant.now();
                    update(place, progressRef, Outgoing.text("Working on it… step " + (steps + 1) + ": " + doing));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String brief(com.fasterxml.jackson.databind.JsonNode args) {
        var text = args.isTextual() ? args.asText() : args.toString();
        for (var key : List.of("command", "path", "url", "query", "name")) {
            var v = args.isObject() ? args.path(key) : Json.tree(text.isBlank() ? "{}" : text).path(key);
            if (v.isTextual()) return "`" + clip(v.asText(), 80) + "`";
        }
        return "";
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    /** The readable reasoning of a step's assistant messages (encrypted and redacted kinds have none). */
    private static String reasoningOf(com.fasterxml.jackson.databind.JsonNode step) {
        var sb = new StringBuilder();
        for (var m : step.path("messages")) {
            for (var r : m.path("reasoning")) {
                var text = r.path("text").asText("");
                if (!text.isBlank()) sb.append(sb.isEmpty() ? "" : "\n").append(text.strip());
            }
        }
        return sb.toString();
    }

    private void finish(String runId, ChatEvent.Place place, String progressRef, com.fasterxml.jackson.databind.JsonNode finished, String reasoning) {
        var status = finished.path("status").asText();
        var answer = finished.path("answer").asText("");
        var body = !answer.isBlank() ? answer
                : "I stopped without an answer (" + finished.path("stop_reason").asText(status) + ").";
        if (!reasoning.isBlank()) {
            // only where the channel's config asks for it: quoted, short, before the answer
            body = "> _Reasoning:_ " + clip(reasoning, 1500).replace("\n", "\n> ") + "\n\n" + body;
        }
        var footer = "\n\n_run " + runId + " · " + finished.path("steps").asInt() + " steps · $"
                + String.format(java.util.Locale.ROOT, "%.4f", finished.path("cost_usd").asDouble()) + "_";
        var text = agents.redact(body);
        int max = platform.maxMessageChars() - footer.length() - 16;
        var parts = Texts.split(text, Math.max(200, max));
        var buttons = Button.feedback(runId);
        try {
            if (parts.size() > 4) {
                update(place, progressRef, Outgoing.text("Done: the answer is long, so it is attached as answer.md."));
                platform.upload(place, "answer-" + runId + ".md", text, "The answer of run " + runId);
                platform.post(place, new Outgoing(agents.redact("How was this?" + footer), buttons));
                return;
            }
            for (int i = 0; i < parts.size(); i++) {
                boolean last = i == parts.size() - 1;
                var message = new Outgoing(parts.get(i) + (last ? footer : ""), last ? buttons : List.of());
                if (i == 0 && progressRef != null) platform.update(place, progressRef, message);
                else platform.post(place, message);
            }
        } catch (ChatException e) {
            note("could not post the answer of run " + runId + ": " + e.getMessage());
        }
    }

    // ---- buttons ----

    private void onAction(ChatEvent.Action a) throws ChatException {
        if (a.from().bot()) return;
        var who = author(a.from());
        switch (a.action()) {
            case Button.ALLOW_ONCE, Button.ALLOW_ALWAYS, Button.DENY -> answerApproval(a, who);
            case Button.GOOD, Button.BAD -> rate(a, who, a.action().equals(Button.GOOD) ? "good" : "bad");
            case Button.CORRECT -> {
                if (!ownRun(a.value()) || !mayJudge(a)) return;
                db.expectCorrection(config.name(), threadKey(a.place()), who, a.value());
                send(a.place(), Outgoing.text("Reply in this thread with what the answer should have been; I will record it as a correction."));
            }
            default -> note("ignored an unknown button '" + a.action() + "' from " + who);
        }
    }

    private boolean ownRun(String runId) {
        if (runId != null && db.run(runId).map(r -> r.channel().equals(config.name())).orElse(false)) return true;
        note("ignored a button for run " + runId + ", which this channel did not start");
        return false;
    }

    /** Feedback is for the people who may ask the intern for things at all. */
    private boolean mayJudge(ChatEvent.Action a) throws ChatException {
        if (config.mayAsk(a.from(), a.place(), false)) return true;
        note("refused feedback from " + author(a.from()) + ": not on the allow list");
        send(a.place(), Outgoing.text("Sorry, only people on my allow list can judge my answers."));
        return false;
    }

    private void rate(ChatEvent.Action a, String who, String rating) throws ChatException {
        if (!ownRun(a.value()) || !mayJudge(a)) return;
        try {
            agents.feedback(a.value(), rating, null, who);
            send(a.place(), Outgoing.text(rating.equals("good") ? "Thanks, noted 👍" : "Thanks, noted 👎. Press \"Correct this\" to tell me what was wrong."));
        } catch (ApiException e) {
            send(a.place(), Outgoing.text("I could not record that: " + e.getMessage()));
        }
    }

    private void correct(ChatEvent.Place place, String runId, String text, String who) throws ChatException {
        if (text == null || text.isBlank()) {
            send(place, Outgoing.text("The correction was empty; press \"Correct this\" again and reply with what should have been done."));
            return;
        }
        try {
            agents.feedback(runId, "bad", text.strip(), who);
            send(place, Outgoing.text("Thanks, I recorded that as a correction of run " + runId + "."));
        } catch (ApiException e) {
            send(place, Outgoing.text("I could not record that correction: " + e.getMessage()));
        }
    }

    private void answerApproval(ChatEvent.Action a, String who) throws ChatException {
        var shown = db.approvalMessage(a.value(), config.name());
        if (shown.isEmpty()) {
            note("ignored an approval button for " + a.value() + ", which this channel did not show");
            return;
        }
        if (!config.mayApprove(a.from())) {
            note("refused an approval answer from " + who + " for " + a.value() + ": not an approver");
            send(a.place(), Outgoing.text("Sorry, you may not answer this request; one of the channel's approvers has to."));
            return;
        }
        boolean allow = !a.action().equals(Button.DENY);
        try {
            agents.answer(a.value(), allow, a.action().equals(Button.ALLOW_ALWAYS) ? "always" : "once", allow ? null : "denied in the chat", who);
        } catch (ApiException e) {
            send(a.place(), Outgoing.text("That request was already answered or has expired."));
        }
    }

    @Override
    public void requested(AgentService.Approval approval) {
        var run = db.run(approval.runId());
        if (run.isEmpty() || !run.get().channel().equals(config.name())) return; // another channel's, or the API's
        var place = run.get().place();
        var text = agents.redact("I would like to use *" + approval.tool() + "*: `" + clip(approval.subject(), 300) + "`\nAllow it? (I wait until "
                + approval.expiresAt() + ", then take it as a no.)\n\"Allow for this thread\" allows the same action again in this conversation.");
        // recorded before it is posted: a button pressed the moment it appears must find it
        db.addApprovalMessage(approval.id(), config.name(), place, null);
        try {
            var ref = platform.post(place, new Outgoing(text, Button.approval(approval.id())));
            db.approvalMessagePosted(approval.id(), config.name(), ref);
        } catch (ChatException e) {
            db.forgetApprovalMessage(approval.id(), config.name());
            note("could not show approval " + approval.id() + ": " + e.getMessage());
        }
    }

    @Override
    public void answered(AgentService.Answer answer) {
        var shown = db.approvalMessage(answer.id(), config.name());
        if (shown.isEmpty()) return;
        var by = answer.by() == null ? "nobody in time" : mention(answer.by());
        var text = (answer.allow() ? "✅ Allowed" + ("always".equals(answer.scope()) ? " for this thread" : " once") : "❌ Denied") + " by " + by
                + (answer.reason() != null && !answer.allow() ? " (" + answer.reason() + ")" : "");
        update(shown.get().place(), shown.get().ref(), Outgoing.text(agents.redact(text))); // no ref yet (answered while posting): a new message
    }

    private String mention(String author) {
        var id = author.substring(author.indexOf(':') + 1);
        return config.platform().equals("slack") ? "<@" + id + ">" : id;
    }

    // ---- memory ----

    private void remembered(ChatEvent.Place place, ChatEvent.Person person) throws ChatException {
        var scope = memoryScopes(place, person).stream().filter(s -> s.startsWith("person:")).findFirst().orElseThrow();
        var memories = agents.harness().memory().list(scope, false, 50);
        if (memories.isEmpty()) {
            send(place, Outgoing.text("I remember nothing about you in particular."));
            return;
        }
        var sb = new StringBuilder("What I remember about you:\n");
        for (var mem : memories) sb.append("• ").append(mem.text()).append("  (").append(mem.id()).append(")\n");
        sb.append("Say \"forget m-…\" (an id above) or \"forget everything about me\".");
        send(place, Outgoing.text(sb.toString()));
    }

    private void forget(ChatEvent.Place place, ChatEvent.Person person, String what) throws ChatException {
        var scope = memoryScopes(place, person).stream().filter(s -> s.startsWith("person:")).findFirst().orElseThrow();
        var store = agents.harness().memory();
        var reason = "forgotten at the request of " + author(person) + " in " + config.name();
        int n = 0;
        if (what.toLowerCase(java.util.Locale.ROOT).startsWith("everything")) {
            for (var mem : store.list(scope, false, 10_000)) if (store.forget(mem.id(), false, reason)) n++;
        } else {
            var mem = store.get(what);
            // only the person's own memories: an id from someone else's scope is not theirs to forget
            if (mem != null && mem.scope().equals(scope) && store.forget(mem.id(), false, reason)) n++;
        }
        send(place, Outgoing.text(n == 0 ? "I found nothing of yours to forget." : "Forgotten: " + n + " memor" + (n == 1 ? "y" : "ies")
                + ". (The history keeps that it happened; the text is no longer recalled.)"));
    }

    // ---- sending ----

    /** Everything the intern says goes through here or {@link #update}: redacted, within the platform's limit. */
    private void send(ChatEvent.Place place, Outgoing message) throws ChatException {
        var text = agents.redact(message.text());
        var parts = Texts.split(text, platform.maxMessageChars());
        for (int i = 0; i < parts.size(); i++) {
            platform.post(place, new Outgoing(parts.get(i), i == parts.size() - 1 ? message.buttons() : List.of()));
        }
    }

    private void update(ChatEvent.Place place, String ref, Outgoing message) {
        try {
            var redacted = new Outgoing(clip(agents.redact(message.text()), platform.maxMessageChars()), message.buttons());
            if (ref == null) platform.post(place, redacted);
            else platform.update(place, ref, redacted);
        } catch (ChatException e) {
            note("could not update a message: " + e.getMessage());
        }
    }

    private static String kind(ChatEvent e) {
        return e instanceof ChatEvent.Message ? "a message" : "a button press";
    }

    private void note(String what) {
        log.println("channel " + config.name() + ": " + agents.redact(what));
    }

    @Override
    public void close() {
        closed = true;
        work.shutdownNow();
    }

}
