package ai.apprentice.runtime;

import ai.apprentice.context.ContextWindows;
import ai.apprentice.context.TokenCounter;

import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.PriceTable;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolAlias;
import ai.apprentice.tool.ToolContext;
import ai.apprentice.tool.ToolExecutor;
import ai.apprentice.tool.ToolGate;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An agent: a model, instructions, tools and a budget. It carries out tasks as runs:
 * <pre>{@code
 * Agent agent = Agent.builder().model(model).instructions("You are terse.").tool(myTool).build();
 * RunResult result = agent.run("What is 2+2?");
 * }</pre>
 * An agent is immutable and can carry out many runs, also at the same time.
 */
public final class Agent {
    /** Default cap on one tool result, in characters, before it is cut with a notice. */
    public static final int DEFAULT_MAX_TOOL_RESULT_CHARS = 20_000;
    /** Default cap on the tool calls of one reply that are run; the rest get an error result each. */
    public static final int DEFAULT_MAX_TOOL_CALLS_PER_REPLY = 64;
    /** Default number of empty replies in a row after which the run fails (stop reason {@code empty_replies}). */
    public static final int DEFAULT_MAX_EMPTY_REPLIES = 3;

    private final Model model;
    private final String instructions;
    private final ToolExecutor tools;
    private final Budget budget;
    private final PriceTable prices;
    private final Path workspace;
    private final int parallelTools;
    private final int maxToolCallsPerReply;
    private final int maxEmptyReplies;
    private final Double temperature;
    private final ToolGate gate;
    private final List<EventListener> listeners;
    private final List<RunHook> hooks;
    private final Counterpart counterpart;
    private final int contextWindow;
    private final TokenCounter tokenCounter;

    private Agent(Builder b) {
        var chosen = Objects.requireNonNull(b.model, "an agent needs a model");
        var capabilities = chosen.capabilities();
        this.model = b.toolMode == ToolMode.TEXT || !capabilities.tools() ? new TextReActModel(chosen) : chosen;
        this.instructions = b.instructions;
        this.tools = new ToolExecutor(b.tools, b.aliases, b.maxToolResultChars);
        this.budget = b.budget;
        this.prices = b.prices;
        this.workspace = b.workspace.toAbsolutePath().normalize();
        this.parallelTools = b.parallelTools;
        // A model that cannot call tools in parallel gets one call run per reply, whatever it sends.
        this.maxToolCallsPerReply = capabilities.tools() && !capabilities.parallelTools() ? 1 : Math.max(1, b.maxToolCallsPerReply);
        this.maxEmptyReplies = Math.max(1, b.maxEmptyReplies);
        this.temperature = b.temperature;
        this.gate = b.gate;
        this.listeners = List.copyOf(b.listeners);
        this.hooks = List.copyOf(b.hooks);
        this.counterpart = b.counterpart;
        this.contextWindow = b.contextWindow > 0 ? b.contextWindow
                : capabilities.contextWindow() > 0 ? capabilities.contextWindow() : ContextWindows.of(chosen.id());
        this.tokenCounter = TokenCounter.forModel(chosen.id());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Carries out a task and waits for the result. */
    public RunResult run(String task) throws InterruptedException {
        return start(task).await();
    }

    /** Starts a task on a new virtual thread; extra listeners receive this run's events after the agent's own. */
    public RunHandle start(String task, EventListener... extraListeners) {
        return start(RunIds.next(), task, null, extraListeners);
    }

    /** Starts a task with a given run id, optionally as the child of another run. */
    public RunHandle start(String runId, String task, String parentId, EventListener... extraListeners) {
        return continueConversation(runId, List.of(), task, parentId, extraListeners);
    }

    /**
     * Starts a task as the child of the run a tool call belongs to (a subagent). The child's spending counts
     * towards the parent's and all its ancestors' budgets: the child stops with max_tokens or max_cost as soon as
     * its own or an ancestor's limit is reached, and the parent's totals include what the child spent. Carve this
     * agent's budget from {@code parent}'s remaining steps, tokens and cost to give the child a share.
     */
    public RunHandle startChild(String runId, String task, ToolContext parent, EventListener... extraListeners) {
        return begin(runId, List.of(), task, parent.runId(), parent.spending().child(runId, budget), extraListeners);
    }

    /**
     * Starts a run whose history begins with an earlier conversation (as in an interactive session), then
     * the new task. The agent's instructions are added when the conversation has no system message.
     */
    public RunHandle continueConversation(String runId, List<Message> conversation, String task, String parentId,
                                          EventListener... extraListeners) {
        return begin(runId, conversation, task, parentId, new Spending(runId, budget, null), extraListeners);
    }

    private RunHandle begin(String runId, List<Message> conversation, String task, String parentId, Spending spending,
                            EventListener... extraListeners) {
        var opening = opening(runId, conversation, task, parentId);
        var loop = new RunLoop(this, runId, parentId, task, opening.messages(), 0, spending, listeners(extraListeners));
        return launch(runId, loop, opening);
    }

    /** The run_started event of a new run: the instructions (unless the conversation has its own), the conversation, the task. */
    Event.RunStarted opening(String runId, List<Message> conversation, String task, String parentId) {
        var initial = new ArrayList<Message>();
        boolean hasSystem = conversation.stream().anyMatch(m -> m.role() == ai.apprentice.model.Role.SYSTEM);
        if (!hasSystem && instructions != null && !instructions.isBlank()) initial.add(Message.system(instructions));
        initial.addAll(conversation);
        initial.add(Message.user(task));
        return new Event.RunStarted(runId, Instant.now(), task, model.id(), parentId, workspace.toString(), List.copyOf(initial));
    }

    /**
     * Continues a stopped run from its last completed step, with the same history. The step that was in
     * flight when it stopped is run again.
     */
    public RunHandle resume(RunSnapshot snapshot, EventListener... extraListeners) {
        var spending = new Spending(snapshot.runId(), budget, null);
        spending.seed(snapshot.usage(), snapshot.costUsd());
        return resumeWith(snapshot, spending, extraListeners);
    }

    /**
     * Continues a stopped child run (a subagent cut off by its parent's crash or interruption) as {@link #resume} does,
     * its spending linked to the parent's as {@link #startChild} links it. What it spent before is charged to the
     * ancestors again: the parent's totals were rebuilt from its own stored events, which do not hold it.
     */
    public RunHandle resumeChild(RunSnapshot snapshot, ToolContext parent, EventListener... extraListeners) {
        var spending = parent.spending().child(snapshot.runId(), budget);
        spending.charge(snapshot.usage(), snapshot.costUsd());
        return resumeWith(snapshot, spending, extraListeners);
    }

    private RunHandle resumeWith(RunSnapshot snapshot, Spending spending, EventListener... extraListeners) {
        snapshot.recall(gate, workspace); // what the run's earlier calls taught the gate (a secret read) holds again
        var loop = new RunLoop(this, snapshot.runId(), snapshot.parentId(), snapshot.task(), snapshot.history(),
                snapshot.completedSteps(), spending, listeners(extraListeners));
        var opening = new Event.RunResumed(snapshot.runId(), Instant.now(), snapshot.completedSteps());
        return launch(snapshot.runId(), loop, opening);
    }

    private RunHandle launch(String runId, RunLoop loop, Event opening) {
        var future = new CompletableFuture<RunResult>();
        Thread.ofVirtual().name("run-" + runId).start(() -> {
            try {
                future.complete(loop.run(opening));
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        });
        return new RunHandle(runId, loop, future);
    }

    List<EventListener> listeners(EventListener[] extra) {
        var all = new ArrayList<>(listeners);
        all.addAll(List.of(extra));
        return all;
    }

    public Model model() { return model; }
    public String instructions() { return instructions; }
    public ToolExecutor tools() { return tools; }
    public Budget budget() { return budget; }
    public PriceTable prices() { return prices; }
    public Path workspace() { return workspace; }
    public int parallelTools() { return parallelTools; }
    public int maxToolCallsPerReply() { return maxToolCallsPerReply; }
    public int maxEmptyReplies() { return maxEmptyReplies; }
    public Double temperature() { return temperature; }
    public ToolGate gate() { return gate; }
    public List<RunHook> hooks() { return hooks; }
    /** Whom the agent talks to within a run, or null. */
    public Counterpart counterpart() { return counterpart; }
    /** Tokens the model reads at once; the history is compacted before it outgrows this. */
    public int contextWindow() { return contextWindow; }
    public TokenCounter tokenCounter() { return tokenCounter; }

    public static final class Builder {
        private Model model;
        private int contextWindow;
        private String instructions = "You are a helpful assistant. Use the tools when they help; answer concisely.";
        private final List<Tool> tools = new ArrayList<>();
        private final List<ToolAlias> aliases = new ArrayList<>();
        private Budget budget = Budget.DEFAULT;
        private PriceTable prices = PriceTable.defaults();
        private Path workspace = Path.of(".");
        private int parallelTools = 8;
        private int maxToolCallsPerReply = DEFAULT_MAX_TOOL_CALLS_PER_REPLY;
        private int maxEmptyReplies = DEFAULT_MAX_EMPTY_REPLIES;
        private int maxToolResultChars = DEFAULT_MAX_TOOL_RESULT_CHARS;
        private ToolMode toolMode = ToolMode.NATIVE;
        private Double temperature;
        private ToolGate gate = ToolGate.ALLOW_ALL;
        private final List<EventListener> listeners = new ArrayList<>();
        private final List<RunHook> hooks = new ArrayList<>();
        private Counterpart counterpart;

        public Builder model(Model model) { this.model = model; return this; }
        public Model model() { return model; }
        public Builder instructions(String instructions) { this.instructions = instructions; return this; }
        public String instructions() { return instructions; }
        public Builder tool(Tool tool) { tools.add(tool); return this; }
        public Builder tools(List<? extends Tool> more) { tools.addAll(more); return this; }
        /** Other names for tools (not shown to the model); aliases of tools the agent lacks are ignored. */
        public Builder aliases(List<ToolAlias> more) { aliases.addAll(more); return this; }
        public Builder budget(Budget budget) { this.budget = Objects.requireNonNull(budget); return this; }
        public Builder maxSteps(int n) { this.budget = budget.withMaxSteps(n); return this; }
        public Builder prices(PriceTable prices) { this.prices = Objects.requireNonNull(prices); return this; }
        public Builder workspace(Path workspace) { this.workspace = Objects.requireNonNull(workspace); return this; }
        public Builder parallelTools(int n) { this.parallelTools = n; return this; }
        /** At most this many tool calls of one reply are run (at least 1); the others get an error result. */
        public Builder maxToolCallsPerReply(int n) { this.maxToolCallsPerReply = n; return this; }
        /** After this many empty replies in a row (no text, no tool calls) the run fails instead of looping on. */
        public Builder maxEmptyReplies(int n) { this.maxEmptyReplies = n; return this; }
        public Builder maxToolResultChars(int n) { this.maxToolResultChars = n; return this; }
        public Builder toolMode(ToolMode mode) { this.toolMode = Objects.requireNonNull(mode); return this; }
        public Builder temperature(Double t) { this.temperature = t; return this; }
        /** The model's context window in tokens; 0 (the default) takes the provider's documented size. */
        public Builder contextWindow(int tokens) { this.contextWindow = tokens; return this; }
        /** Decides which tool calls may run (permission rules, approvals); default: all. */
        public Builder gate(ToolGate gate) { this.gate = Objects.requireNonNull(gate); return this; }
        /** Receives the events of every run of this agent, before per-run listeners (put the store here). */
        public Builder listener(EventListener l) { listeners.add(l); return this; }
        /** Takes part in every run (see {@link RunHook}); several hooks are called in the order added. */
        /** Whom the agent talks to within one run (a simulated user); without one, the first answer ends the run. */
        public Builder counterpart(Counterpart c) { this.counterpart = c; return this; }
        public Builder hook(RunHook hook) { hooks.add(Objects.requireNonNull(hook)); return this; }

        public Agent build() {
            return new Agent(this);
        }
    }
}
