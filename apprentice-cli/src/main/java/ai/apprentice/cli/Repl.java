package ai.apprentice.cli;

import ai.apprentice.model.Message;
import ai.apprentice.model.Usage;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunHandle;
import ai.apprentice.runtime.RunSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The interactive session: each line is a task, carried out as a run that continues the conversation so
 * far. Ctrl-C cancels the step in progress, not the session; Ctrl-D or /exit leaves.
 */
final class Repl {
    private static final String HELP = """
            Type a task and press Enter. Commands:
              /help            this help
              /model [SPEC]    show or switch the model (e.g. /model openai:gpt-4.1-mini)
              /cost            tokens and cost of this session
              /good, /bad      your verdict on the last answer (recorded as feedback on its run)
              /fix TEXT        a correction of the last answer: what should have been done
              /compact         replace the conversation so far by the model's summary of it
              /init            have the agent write (or update) AGENTS.md for this repository
              /skills          the skills the agent can use here
              /memory [TEXT]   what the agent remembers (all, or recalled for TEXT)
              /clear           start a new conversation (the old one stays a session)
              /resume [ID]     list this workspace's sessions, or resume one
              /SKILL [ARGS]    start a skill by name (those marked user-invocable, as in Claude Code)
              /mcp__SERVER__PROMPT [ARGS]  an MCP server's prompt as the task (arguments in its order)
              /exit            leave (Ctrl-D works too)
            @PATH in a task attaches that workspace file (Tab completes paths after @; \\@ keeps an @ as text).
            Tab completes the commands and skills. Ctrl-C cancels the current step; the session goes on.""";

    /** What Tab completes at the prompt. */
    static final List<String> COMMANDS = List.of("/help", "/model", "/cost", "/good", "/bad", "/fix", "/compact", "/init", "/skills",
            "/memory", "/clear", "/resume", "/exit");

    private final Cli cli;
    private final AgentOptions options;
    private final List<Message> conversation = new ArrayList<>();
    private ai.apprentice.harness.Session session;
    private ai.apprentice.runtime.Agent agent;
    private String lastRunId;
    private Usage sessionUsage = Usage.ZERO;
    private double sessionCost;
    private volatile RunHandle current;
    /** The printer of the run in progress, paused while an approval is asked. */
    private volatile EventPrinter printing;
    /** The terminal lines are read from, null when piped: its width tells the printer how long lines wrap. */
    private volatile Terminal terminal;

    private final ReplSessions sessions;
    /** The stored session this conversation is; null until the first turn of a new one. */
    private ReplSessions.Entry entry;
    private final boolean continueLast;
    private final String resumeId;

    Repl(Cli cli, AgentOptions options) {
        this(cli, options, false, null);
    }

    /** {@code resumeId}: null for a new session, "" to choose one, else the id (or a prefix of it) to resume. */
    Repl(Cli cli, AgentOptions options, boolean continueLast, String resumeId) {
        this.cli = cli;
        this.options = options;
        this.continueLast = continueLast;
        this.resumeId = resumeId;
        this.sessions = new ReplSessions(cli.home());
    }

    /** Where lines come from: JLine on a terminal (editing, history, Ctrl-C), plain lines when piped. */
    private interface Lines extends AutoCloseable {
        /** The next line, "" after Ctrl-C at the prompt, or null at end of input. */
        String read(String prompt);

        @Override
        void close() throws java.io.IOException;
    }

    private Lines lines() throws java.io.IOException {
        if (!cli.interactive) {
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(cli.in, java.nio.charset.StandardCharsets.UTF_8));
            cli.harness().useApprover(TerminalApprover.overStreams(cli.out, in));
            return new Lines() {
                public String read(String prompt) {
                    try {
                        return in.readLine();
                    } catch (java.io.IOException e) {
                        return null;
                    }
                }

                public void close() { }
            };
        }
        Terminal terminal = TerminalBuilder.builder().system(true).build();
        this.terminal = terminal;
        terminal.handle(Terminal.Signal.INT, sig -> {
            var run = current;
            if (run != null) run.cancel();
        });
        // Tab completes the slash commands and skills, and paths after an @; other words are the person's own.
        LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("apprentice")
                .completer(new ReplCompleter(options.workspaceOrCwd(), this::invocableSkills)).build();
        Lines lines = new Lines() {
            public String read(String prompt) {
                try {
                    return reader.readLine(prompt);
                } catch (UserInterruptException e) {
                    return "";
                } catch (EndOfFileException e) {
                    return null;
                }
            }

            public void close() throws java.io.IOException {
                terminal.close();
            }
        };
        cli.harness().useApprover(new TerminalApprover(cli.out, prompt -> {
            var p = printing;
            if (p != null) p.pause(true); // the spinner must not draw over the question
            try {
                var answer = lines.read(prompt);
                return answer == null || answer.isEmpty() ? null : answer; // Ctrl-C or Ctrl-D deny
            } finally {
                if (p != null) p.pause(false);
            }
        }, cli.colour()));
        return lines;
    }

    int run() throws Exception {
        Path workspace = options.workspaceOrCwd();
        useSession(cli.session(options));
        var model = session.model(); // fail early with the how-to-configure message
        if (continueLast) {
            resumeSession(sessions.latest(workspace).orElseThrow(() -> new UsageException("No session to continue in " + workspace
                    + "; start one with 'apprentice', or see all with 'apprentice --resume'")));
        } else if (resumeId != null && !resumeId.isEmpty()) {
            resumeSession(sessions.find(resumeId));
        }
        try (var lines = lines()) {
            cli.out.println("apprentice · " + model.id() + " · " + workspace + "\nType /help for commands.");
            if (entry != null) cli.out.println(recap());
            if (resumeId != null && resumeId.isEmpty()) chooseSession(lines, workspace);
            while (true) {
                String line = lines.read("› ");
                if (line == null) return endSession();
                line = line.strip();
                if (line.isEmpty()) continue;
                if (line.startsWith("/")) {
                    var parts = line.split("\\s+", 2);
                    switch (parts[0]) {
                        case "/exit", "/quit" -> { return endSession(); }
                        case "/help" -> cli.out.println(HELP);
                        case "/cost" -> cli.out.printf("session: %d input + %d output tokens, $%.4f%n",
                                sessionUsage.inputTokens(), sessionUsage.outputTokens(), sessionCost);
                        case "/good", "/bad", "/fix" -> feedback(parts[0], parts.length > 1 ? parts[1].strip() : null);
                        case "/clear" -> {
                            conversation.clear();
                            entry = null;
                            cli.out.println("conversation cleared; the next task starts a new session (the old one stays: /resume)");
                        }
                        case "/skills" -> skills(workspace);
                        case "/memory" -> memories(parts.length > 1 ? parts[1].strip() : null);
                        case "/init" -> turn(INIT);
                        case "/compact" -> compact();
                        case "/resume" -> {
                            if (parts.length == 1) {
                                chooseSession(lines, workspace);
                            } else {
                                try {
                                    resumeSession(sessions.find(parts[1].strip()));
                                    cli.out.println(recap());
                                } catch (UsageException e) {
                                    cli.err.println(e.getMessage());
                                }
                            }
                        }
                        case "/model" -> {
                            if (parts.length == 1) {
                                var choice = session.modelChoice();
                                cli.out.println(choice.spec() + " (" + choice.reason() + ")");
                            } else {
                                try {
                                    // the same settings with another model: a new session, the conversation goes on
                                    var next = cli.harness().session(session.settings().with(java.util.Map.of("model", parts[1].strip())), workspace);
                                    next.model();
                                    useSession(next);
                                    cli.out.println("model: " + parts[1].strip());
                                } catch (ai.apprentice.harness.HarnessException | ai.apprentice.harness.config.ConfigException e) {
                                    cli.err.println(e.getMessage());
                                }
                            }
                        }
                        default -> {
                            java.util.Optional<RunHandle> started;
                            var events = new CopyOnWriteArrayList<Event>();
                            var printer = printer();
                            try {
                                started = session.startSkill(parts[0].substring(1), parts.length > 1 ? parts[1] : "", agent,
                                        conversation, printer, events::add);
                            } catch (InterruptedException e) {
                                throw e;
                            } catch (Exception e) {
                                cli.err.println("cannot start the skill " + parts[0].substring(1) + ": " + e.getMessage());
                                continue;
                            }
                            if (started.isPresent()) turn(started.get(), printer, events, line);
                            else if (parts[0].startsWith("/mcp__")) mcpPrompt(parts[0].substring(1), parts.length > 1 ? parts[1] : "");
                            else cli.out.println("unknown command " + parts[0] + "; /help lists them");
                        }
                    }
                    continue;
                }
                Mentions.Attached attached;
                try {
                    attached = Mentions.attach(line, workspace);
                } catch (Mentions.MentionException e) {
                    cli.err.println(e.getMessage());
                    continue;
                }
                if (!attached.files().isEmpty()) cli.out.println("(attached: " + String.join(", ", attached.files().stream().map(EventPrinter::preview).toList()) + ")");
                turn(attached.task(), line);
            }
        }
    }

    /** Skills a person may start by name here, as Tab offers them. */
    private List<String> invocableSkills() {
        var catalog = cli.harness().skills(options.workspaceOrCwd());
        return catalog.skills().stream().filter(s -> s.invocation().userInvocable()).map(catalog::nameOf).toList();
    }

    /** {@code /mcp__SERVER__PROMPT ARGS}: an MCP server's prompt, sent as the next task. */
    private void mcpPrompt(String command, String arguments) throws Exception {
        java.util.Optional<String> text;
        try {
            text = session.mcpPrompt(command, arguments);
        } catch (RuntimeException e) {
            cli.err.println("cannot get the prompt /" + command + ": " + e.getMessage());
            return;
        }
        if (text.isPresent()) turn(text.get());
        else cli.out.println("unknown command /" + command + "; no MCP server offers that prompt (apprentice mcp prompts NAME lists them)");
    }

    /** Feedback on the last run, as 'apprentice runs feedback' records it. */
    private void feedback(String command, String text) {
        if (lastRunId == null) {
            cli.out.println("nothing to give feedback on yet: ask something first");
            return;
        }
        if (command.equals("/fix") && (text == null || text.isBlank())) {
            cli.out.println("usage: /fix TEXT  (what the answer should have been, or what to do differently)");
            return;
        }
        try {
            var rating = switch (command) {
                case "/good" -> "good";
                case "/bad" -> "bad";
                default -> null;
            };
            var event = RunsCommand.record(cli, lastRunId, rating, null, text);
            cli.out.println("feedback recorded on run " + lastRunId + ": " + RunsCommand.describe(event));
        } catch (UsageException e) {
            cli.err.println(e.getMessage());
        }
    }

    /** One agent per session: each line is a run of it that continues the conversation and recalls its own memories. */
    private void useSession(ai.apprentice.harness.Session next) {
        session = next;
        agent = next.builder(ai.apprentice.harness.AgentSpec.standard().withExtractMemories(false)).build();
    }

    private EventPrinter printer() {
        var t = terminal;
        return cli.interactive ? EventPrinter.forTerminal(cli.out, cli.err, cli.colour(), () -> t == null ? 0 : t.getWidth()) : new EventPrinter(cli.out, cli.err, false, false);
    }

    private ai.apprentice.runtime.RunResult turn(String task) throws Exception {
        return turn(task, task);
    }

    /** {@code title}: the line as typed, which names the session (the task may carry attached files). */
    private ai.apprentice.runtime.RunResult turn(String task, String title) throws Exception {
        var events = new CopyOnWriteArrayList<Event>();
        var printer = printer();
        return turn(session.continueConversation(agent, conversation, task, printer, events::add), printer, events, title);
    }

    /** Waits for a line's run (a task or a skill started by name) and keeps the conversation and the session it leaves. */
    private ai.apprentice.runtime.RunResult turn(RunHandle handle, EventPrinter printer, List<Event> events, String task) throws Exception {
        printing = printer;
        lastRunId = handle.runId();
        current = handle;
        ai.apprentice.runtime.RunResult result;
        try (var spinner = printer.spinner()) {
            result = handle.await();
        } finally {
            current = null;
            printing = null;
        }
        sessionUsage = sessionUsage.plus(result.usage());
        sessionCost += result.costUsd();
        // Keep what the run added (its completed steps) as the conversation for the next line.
        var snapshot = RunSnapshot.fromEvents(events);
        conversation.clear();
        conversation.addAll(snapshot.history());
        if (entry == null) entry = sessions.create(options.workspaceOrCwd());
        entry = entry.after(handle.runId(), task);
        sessions.save(entry);
        if (!result.succeeded()) {
            cli.err.println(outcome(result));
        } else {
            cli.out.println();
        }
        return result;
    }

    /** What /init asks: a guide to the repository for coding agents, in the file they read (AGENTS.md). */
    static final String INIT = """
            Look through this repository (README, build files, source layout, how it is built and tested) and write AGENTS.md \
            at its root: a short guide for coding agents with the project's purpose, its layout, the exact commands to build, \
            test and lint, and the conventions worth following. If AGENTS.md exists, update it rather than starting over. \
            Keep it under 150 lines and say only what you checked.""";

    /** What /compact asks before replacing the conversation by the answer. */
    static final String COMPACT = """
            Summarise our conversation so far for your own later use: what I asked, what you did and found (files, commands, \
            decisions, results) and what is still open. Be complete about facts and brief in words. Reply with the summary only.""";

    private void skills(Path workspace) {
        var catalog = cli.harness().skills(workspace);
        if (catalog.skills().isEmpty()) cli.out.println("no skills here; create one with: apprentice skills new NAME");
        for (var s : catalog.skills()) cli.out.printf("%-28s %-16s %s%n", s.name(), s.source(), EventPrinter.preview(s.description()));
    }

    private void memories(String query) {
        if (query == null) {
            var list = cli.memory().list(null, false, 30);
            if (list.isEmpty()) cli.out.println("no memories yet; the agent stores them as it works, or: apprentice memory add TEXT");
            for (var m : list) cli.out.printf("%s  %-10s %s%n", m.id(), m.kind().label(), EventPrinter.preview(m.text()));
            return;
        }
        var recalled = cli.memory().recall(query, 8, session.memoryScopes(), ai.apprentice.memory.MemoryStore.Method.HYBRID);
        if (recalled.isEmpty()) cli.out.println("nothing recalled for that");
        for (var r : recalled) cli.out.printf(java.util.Locale.ROOT, "%s  %.2f  %s%n", r.memory().id(), r.score(), EventPrinter.preview(r.memory().text()));
    }

    /** The model summarises the conversation; the summary, after the instructions, becomes the conversation. */
    private void compact() throws Exception {
        if (conversation.stream().noneMatch(m -> m.role() == ai.apprentice.model.Role.USER)) {
            cli.out.println("nothing to compact yet");
            return;
        }
        int before = conversation.size();
        var result = turn(COMPACT);
        if (result == null || !result.succeeded() || result.answer() == null || result.answer().isBlank()) {
            cli.err.println("(not compacted: the conversation stays as it was)");
            return;
        }
        var kept = new ArrayList<Message>(conversation.stream().filter(m -> m.role() == ai.apprentice.model.Role.SYSTEM).toList());
        kept.add(Message.user("(Our conversation so far, as you summarised it when I typed /compact.)"));
        kept.add(Message.assistant(result.answer()));
        conversation.clear();
        conversation.addAll(kept);
        cli.out.println("(compacted: " + before + " messages into a summary; the next task continues from it)");
    }

    /** Takes up a stored session: its last run's history is the conversation. */
    private void resumeSession(ReplSessions.Entry e) {
        var events = cli.store().events(e.lastRunId());
        if (events.isEmpty()) throw new UsageException("Session " + e.id() + " names run " + e.lastRunId() + ", which is not in the run store");
        var snapshot = RunSnapshot.fromEvents(events);
        conversation.clear();
        conversation.addAll(snapshot.history());
        lastRunId = e.lastRunId();
        entry = e;
    }

    /** Where a resumed conversation stands: the session, and the last answer in it. */
    private String recap() {
        var last = conversation.reversed().stream().filter(m -> m.role() == ai.apprentice.model.Role.ASSISTANT && m.text() != null && !m.text().isBlank())
                .findFirst().map(m -> EventPrinter.preview(m.text())).orElse("");
        return "resumed " + ReplSessions.describe(entry) + (last.isEmpty() ? "" : "\nlast answer: " + last);
    }

    /** Lists this workspace's sessions and resumes the one picked by number or id; Enter keeps the current one. */
    private void chooseSession(Lines lines, Path workspace) {
        var found = sessions.list(workspace);
        if (found.isEmpty()) {
            cli.out.println("no earlier sessions in " + workspace);
            return;
        }
        var shown = found.subList(0, Math.min(10, found.size()));
        for (int i = 0; i < shown.size(); i++) cli.out.println(String.format("%2d  %s", i + 1, ReplSessions.describe(shown.get(i))));
        var pick = lines.read("Resume which? (number or id, Enter for none) ");
        if (pick == null || pick.isBlank()) return;
        try {
            var p = pick.strip();
            resumeSession(p.matches("\\d+") && Integer.parseInt(p) >= 1 && Integer.parseInt(p) <= shown.size()
                    ? shown.get(Integer.parseInt(p) - 1) : sessions.find(p));
            cli.out.println(recap());
        } catch (UsageException e) {
            cli.err.println(e.getMessage());
        }
    }

    /** Why a turn stopped, said once: "(cancelled)", not "(cancelled: cancelled)"; what stays of it. */
    static String outcome(ai.apprentice.runtime.RunResult result) {
        var status = result.status().wireName();
        var reason = result.stopReason() == null || result.stopReason().equals(status) ? "" : ": " + result.stopReason();
        var error = result.error() == null ? "" : ": " + ai.apprentice.redact.Visible.escapeText(ai.apprentice.redact.Redactor.standard().redact(result.error()));
        var kept = result.steps() > 0 ? "; the conversation keeps its " + result.steps() + " finished step" + (result.steps() == 1 ? "" : "s") : "";
        return "(" + status + reason + error + kept + ")";
    }

    /** At the end of a session the model picks what to remember from the whole conversation, as after a run. */
    private int endSession() throws InterruptedException {
        if (lastRunId != null) {
            session.rememberConversation(lastRunId, List.copyOf(conversation), printer());
        }
        return ExitCodes.OK;
    }
}
