package ai.apprentice.harness;

import ai.apprentice.harness.config.Settings;
import ai.apprentice.json.Json;
import ai.apprentice.memory.MemoryTools;
import ai.apprentice.memory.playbook.Playbook;
import ai.apprentice.memory.playbook.Scopes;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.PriceTable;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Budget;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.EventListener;
import ai.apprentice.runtime.ProjectInstructions;
import ai.apprentice.runtime.RunHandle;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.runtime.ToolMode;
import ai.apprentice.skills.SkillCatalog;
import ai.apprentice.skills.SpawnAgentTool;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolAlias;
import ai.apprentice.tool.ToolGate;
import ai.apprentice.tools.ApprovalMode;
import ai.apprentice.tools.FetchTool;
import ai.apprentice.tools.PermissionRules;
import ai.apprentice.tools.PolicyGate;
import ai.apprentice.tools.Sandbox;
import ai.apprentice.tools.ShellTool;
import ai.apprentice.tools.StandardTools;
import ai.apprentice.tools.Workspace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Settings resolved once for one workspace, and the agents made from them. Everything a session runs (its runs,
 * the subagents they spawn, an evaluation's trials) uses these settings: a settings file changed during the
 * session has no effect until the next one. One permission policy per session, so "always" answers hold for
 * the whole session.
 */
public final class Session {
    /** Other names for our tools (Claude Code's Bash, Read, ...), for skills written for other agents. */
    static final List<ToolAlias> TOOL_ALIASES = java.util.stream.Stream.concat(StandardTools.claudeAliases().stream(),
            java.util.stream.Stream.of(SkillCatalog.claudeSkillAlias())).toList();
    static final Map<String, String> ALIASES = TOOL_ALIASES.stream().collect(Collectors.toMap(ToolAlias::name, ToolAlias::target));

    private final Harness harness;
    private final Settings settings;
    private final Path workspace;
    private final Map<String, Model> models;
    private final Playbook playbook;
    private final List<Path> extraSkillRoots;
    private final List<String> extraLessonScopes;
    private final ai.apprentice.memory.playbook.Routing routing;
    private final ai.apprentice.memory.playbook.Examples examples;
    /** The memory scopes this session's agents read, the first one where they write; null for {@link Harness#memoryScopes}'s. */
    private final List<String> memoryScopes;
    private PolicyGate gate;
    private SkillCatalog skills;
    private final Map<ai.apprentice.skills.Skill, PolicyGate.Grant> grants = new ConcurrentHashMap<>();
    private volatile PolicyGate.Approver approver;

    Session(Harness harness, Settings settings, Path workspace) {
        this(harness, settings, workspace, new ConcurrentHashMap<>(), null, List.of(), List.of(), null, null, null);
    }

    private Session(Harness harness, Settings settings, Path workspace, Map<String, Model> models, Playbook playbook, List<Path> extraSkillRoots,
                    List<String> extraLessonScopes, ai.apprentice.memory.playbook.Routing routing, ai.apprentice.memory.playbook.Examples examples,
                    List<String> memoryScopes) {
        this.harness = harness;
        this.memoryScopes = memoryScopes == null ? null : List.copyOf(memoryScopes);
        this.settings = settings;
        this.workspace = workspace;
        this.models = models;
        this.playbook = playbook;
        this.extraSkillRoots = List.copyOf(extraSkillRoots);
        this.extraLessonScopes = List.copyOf(extraLessonScopes);
        this.routing = routing;
        this.examples = examples;
    }

    /** The same session with {@code routing} in place of the live one (the gate's arms of {@code learn route}). Models are shared. */
    public Session withRouting(ai.apprentice.memory.playbook.Routing routing) {
        return new Session(harness, settings, workspace, models, playbook, extraSkillRoots, extraLessonScopes, java.util.Objects.requireNonNull(routing), examples, memoryScopes);
    }

    /** The same session with {@code examples} in place of the live ones (the gate's arms for an example). Models are shared. */
    public Session withExamples(ai.apprentice.memory.playbook.Examples examples) {
        return new Session(harness, settings, workspace, models, playbook, extraSkillRoots, extraLessonScopes, routing,
                java.util.Objects.requireNonNull(examples), memoryScopes);
    }

    /**
     * The same session whose agents remember in {@code scopes} instead of the user's and the workspace's: they recall
     * from all of them and store new memories in the first. A team's chat gives each person's runs their own scope
     * and the team's, so that what one person told the agent is not recalled for another.
     */
    public Session withMemoryScopes(List<String> scopes) {
        if (scopes.isEmpty()) throw new IllegalArgumentException("a session needs at least one memory scope");
        scopes.forEach(ai.apprentice.memory.Memory::checkScope);
        return new Session(harness, settings, workspace, models, playbook, extraSkillRoots, extraLessonScopes, routing, examples, scopes);
    }

    /** The scopes agents of this session recall from; the first is where they store. */
    public List<String> memoryScopes() {
        if (memoryScopes != null) return memoryScopes;
        var d = Harness.memoryScopes(workspace);
        return List.of(d.get(1), d.get(0)); // the workspace's first: where they store
    }

    /** The demonstrations agents of this session may be shown: the ones given to {@link #withExamples}, else the live ones. */
    public ai.apprentice.memory.playbook.Examples examples() {
        return examples != null ? examples : harness.learned().examples();
    }

    /** Which model runs which environment's agents: the one given to {@link #withRouting}, else the live routing. */
    public ai.apprentice.memory.playbook.Routing routing() {
        return routing != null ? routing : harness.learned().routing();
    }

    /**
     * Registers {@code model} under {@code spec}, so that routing to {@code spec} uses it (a program or test bringing its
     * own models).
     */
    public Session useModel(String spec, Model model) {
        models.put("route:" + spec, java.util.Objects.requireNonNull(model));
        return this;
    }

    /** The model routed to an environment's agents, resolved once per session. */
    private Model routedModel(String spec) {
        return models.computeIfAbsent("route:" + spec, k -> harness.models().model(settings.with(Map.of("model", spec)), workspace));
    }

    /**
     * The same session whose agents also read the lessons of {@code scopes}: an environment of a person's own tasks
     * gating lessons learned for their everyday agent (scope {@code user}) measures them where they will apply.
     */
    public Session withLessonScopes(List<String> scopes) {
        var all = new ArrayList<>(extraLessonScopes);
        scopes.forEach(sc -> { if (!all.contains(sc)) all.add(sc); });
        return new Session(harness, settings, workspace, models, playbook, extraSkillRoots, all, routing, examples, memoryScopes);
    }

    /**
     * The same session with {@code playbook} in place of the live one: how the learning gate measures the agent with
     * and without a candidate, through the same assembly as every other agent. Models are shared.
     */
    public Session withPlaybook(Playbook playbook) {
        return new Session(harness, settings, workspace, models, java.util.Objects.requireNonNull(playbook), extraSkillRoots, extraLessonScopes, routing, examples, memoryScopes);
    }

    /**
     * The same session with the skills in {@code root} (a folder of skill folders) ahead of every other place, so a
     * candidate's changed SKILL.md shadows the installed one. Models are shared.
     */
    public Session withSkillRoot(Path root) {
        var roots = new ArrayList<>(extraSkillRoots);
        roots.add(root);
        return new Session(harness, settings, workspace, models, playbook, roots, extraLessonScopes, routing, examples, memoryScopes);
    }

    /**
     * What this session's agents are beyond the harness's defaults for its workspace and settings, as JSON that another
     * process can apply with {@link #withOverlay}: the playbook, routing and demonstrations they read (pinned, so that a
     * worker reads the same ones whatever its own store holds), the extra lesson and memory scopes, and the contents
     * of the extra skill folders (a candidate skill lives only on the learner's disk). How the trials of a learning
     * run are carried out by a durable engine's workers with the same agent as in process. Models given with
     * {@code useModel} do not travel: a worker resolves the settings' model.
     */
    public com.fasterxml.jackson.databind.node.ObjectNode overlay() {
        var o = ai.apprentice.json.Json.object();
        o.set("playbook", ai.apprentice.json.Json.tree(playbook().json()));
        o.set("routing", ai.apprentice.json.Json.tree(routing().json()));
        o.set("examples", ai.apprentice.json.Json.tree(examples().json()));
        o.set("lesson_scopes", ai.apprentice.json.Json.MAPPER.valueToTree(extraLessonScopes));
        if (memoryScopes != null) o.set("memory_scopes", ai.apprentice.json.Json.MAPPER.valueToTree(memoryScopes));
        var roots = o.putArray("skill_roots");
        for (var root : extraSkillRoots) roots.add(SkillFolders.pack(root));
        return o;
    }

    /**
     * This session with {@code overlay} ({@link #overlay} of a session elsewhere) applied: its skill folders are
     * unpacked under {@code scratch}, one folder per content, so that a worker that sees the same skills again reuses them.
     * A malformed overlay throws {@link IllegalArgumentException} saying what is wrong.
     */
    public Session withOverlay(com.fasterxml.jackson.databind.JsonNode overlay, Path scratch) {
        if (overlay == null || !overlay.isObject()) throw new IllegalArgumentException("a session overlay is a JSON object, got " + overlay);
        Session s = this;
        if (overlay.hasNonNull("playbook")) s = s.withPlaybook(Playbook.fromJson(overlay.get("playbook").toString()));
        if (overlay.hasNonNull("routing")) s = s.withRouting(ai.apprentice.memory.playbook.Routing.fromJson(overlay.get("routing").toString()));
        if (overlay.hasNonNull("examples")) s = s.withExamples(ai.apprentice.memory.playbook.Examples.fromJson(overlay.get("examples").toString()));
        var lessons = new ArrayList<String>();
        overlay.path("lesson_scopes").forEach(n -> lessons.add(n.asText()));
        if (!lessons.isEmpty()) s = s.withLessonScopes(lessons);
        if (overlay.has("memory_scopes")) {
            var memory = new ArrayList<String>();
            overlay.path("memory_scopes").forEach(n -> memory.add(n.asText()));
            s = s.withMemoryScopes(memory);
        }
        for (var root : overlay.path("skill_roots")) s = s.withSkillRoot(SkillFolders.unpack(root, scratch));
        return s;
    }

    /** The lessons agents of this session read: the one given to {@link #withPlaybook}, else the live playbook. */
    public Playbook playbook() {
        return playbook != null ? playbook : harness.learned().playbook();
    }

    public Harness harness() { return harness; }
    public Settings settings() { return settings; }

    /** An MCP server's prompt typed as {@code /mcp__SERVER__PROMPT ARGS}, as the text of a task; empty when none has it. */
    public java.util.Optional<String> mcpPrompt(String command, String arguments) {
        return harness.mcpPrompt(settings, workspace, command, arguments);
    }
    public Path workspace() { return workspace; }

    /** Which model this session uses, and why. */
    public ModelResolver.Choice modelChoice() {
        return harness.models().choose(settings);
    }

    /** The session's model, resolved once (a missing local model is offered for download here). */
    public Model model() {
        return models.computeIfAbsent("", k -> harness.models().model(settings, workspace));
    }

    /**
     * Use {@code model} instead of the one the settings name, for everything this session runs (a program that
     * brings its own {@link Model}: a benchmark, a test, a library user with a custom client).
     */
    public Session useModel(Model model) {
        models.put("", java.util.Objects.requireNonNull(model));
        return this;
    }

    /** The standard agent (as {@code apprentice run} uses it). */
    public Agent agent() {
        return builder(AgentSpec.standard()).build();
    }

    /** An agent builder for {@code spec}, with everything else from the session's settings. */
    public Agent.Builder builder(AgentSpec spec) {
        // An environment's agent runs on the model learning routed it to, if any (chosen by the gate from models a person listed).
        var routed = spec.model() == null && spec.environment() != null ? routing().model(Scopes.environment(spec.environment())) : java.util.Optional.<String>empty();
        var model = spec.model() != null ? subagentModel(spec.model()) : routed.isPresent() ? routedModel(routed.get()) : model();
        var skillCatalog = spec.skills() ? skills() : null;
        boolean withSkills = skillCatalog != null && !skillCatalog.skills().isEmpty();
        var tools = new ArrayList<Tool>();
        if (spec.workspaceTools()) tools.addAll(hands(skillCatalog));
        tools.addAll(spec.tools());
        ToolGate policy = spec.tools().isEmpty() ? gate()
                : gate().allowingByDefault(spec.tools().stream().map(Tool::name).collect(Collectors.toSet()),
                "a tool of the environment, acting on its own state");
        if (withSkills) {
            var shell = tools.stream().filter(t -> t.name().equals("run_shell")).findFirst().orElse(null);
            tools.add(skillCatalog.useSkillTool(new SkillRunner(this, skillCatalog, policy, shell, spec.workspaceTools())));
        }
        if (spec.spawn()) tools.add(spawnTool(skillCatalog).tool());
        boolean memory = spec.memory() && settings.memoryOn();
        var scopes = memoryScopes();
        if (memory) tools.addAll(new MemoryTools(harness.memory(), scopes.get(0), scopes, "agent in " + workspace).all());
        if (!spec.allowedTools().isEmpty()) {
            var allowed = new HashSet<String>();
            for (var t : spec.allowedTools()) {
                var name = t.replaceAll("\\(.*\\)$", ""); // Claude's Bash(git:*) form: the tool part
                allowed.add(name);
                if (ALIASES.containsKey(name)) allowed.add(ALIASES.get(name));
            }
            tools.removeIf(t -> !allowed.contains(t.name()));
        }
        var effects = settings.toolEffects(); // tool_effects: what a rerun after a crash may do
        for (var t : tools) {
            var ignored = effects.ignored(t.name(), t.effect());
            if (ignored != null) {
                harness.warnOnce(ai.apprentice.harness.config.ConfigLoader.workspaceFile(workspace) + ": tool_effects: " + name(ignored) + " for " + t.name()
                        + " is ignored: a workspace's config may only make a tool stricter than " + name(effects.of(t.name(), t.effect())));
            }
        }
        tools.replaceAll(effects::apply);
        var prices = prices(settings);
        var project = ProjectInstructions.section(workspace);
        var lessonScopes = new ArrayList<>(Scopes.forAgent(workspace, spec.environment()));
        extraLessonScopes.forEach(sc -> { if (!lessonScopes.contains(sc)) lessonScopes.add(sc); });
        var lessons = playbook().section(lessonScopes);
        var instructions = (spec.instructions() != null ? spec.instructions() : Harness.INSTRUCTIONS)
                + (project.isEmpty() ? "" : "\n\n" + project)
                + (lessons.isEmpty() ? "" : "\n\n" + lessons)
                // Skills that all fit are listed in the instructions; too many are ranked for each run's task (SkillIndexHook).
                + (withSkills && skillCatalog.fitsFully(Harness.SKILL_INDEX_TOKENS) ? "\n\n" + skillCatalog.promptSection(Harness.SKILL_INDEX_TOKENS) : "");
        var builder = Agent.builder()
                .model(model)
                .instructions(instructions)
                .workspace(workspace)
                .budget(budget(spec.maxSteps()))
                .prices(prices)
                .toolMode("text".equals(settings.toolMode()) ? ToolMode.TEXT : ToolMode.NATIVE)
                .maxToolResultChars(settings.maxToolResultChars())
                .contextWindow(settings.contextWindow().orElse(0))
                .parallelTools(settings.parallelTools())
                .tools(tools)
                .aliases(TOOL_ALIASES)
                .gate(policy)
                .listener(harness.store())
                .listener(new SettingsRecorder())
                .listener(harness.runModels(model)); // an MCP server's sampling during this run's calls uses this run's model
        var telemetry = harness.telemetry(settings); // null when off: then no listener, and nothing of OpenTelemetry is built
        if (telemetry != null) {
            builder.listener(telemetry.listener(spec.environment() != null ? spec.environment() : "apprentice", model.id(),
                    settings.telemetryCaptureContent()));
        }
        if (withSkills) { // a run's skill stops being in use (its pre-approvals end) with the run
            builder.hook(new ai.apprentice.runtime.RunHook() {
                @Override
                public void onRunEnd(Turn turn, ai.apprentice.runtime.RunResult result) {
                    skillCatalog.deactivate(turn.runId());
                }
            });
        }
        if (withSkills && !skillCatalog.fitsFully(Harness.SKILL_INDEX_TOKENS)) {
            builder.hook(new SkillIndexHook(skillCatalog, Harness.SKILL_INDEX_TOKENS, harness.skillRelevance()));
        }
        if (memory) builder.hook(new MemoryHook(this, spec.extractMemories() && settings.memoryExtract()));
        var shown = examples();
        if (!shown.in(lessonScopes).isEmpty()) builder.hook(new ExamplesHook(shown, lessonScopes));
        if (spec.workspaceTools()) builder.hook(new Corrections(new ai.apprentice.store.WrittenFiles(harness.store())));
        return builder;
    }

    private static String name(Tool.Effect effect) {
        return effect.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The price table: the defaults, with the settings' prices over them. */
    static PriceTable prices(Settings settings) {
        var prices = PriceTable.defaults();
        settings.prices().forEach(prices::put);
        return prices;
    }

    /** The session's budget, with the step budget of {@code maxSteps} when given. */
    Budget budget(Integer maxSteps) {
        return new Budget(maxSteps != null ? maxSteps : settings.maxSteps(), settings.maxTokens(), settings.maxCostUsd(),
                settings.timeout().orElse(null));
    }

    /** Starts the standard agent on a task, as a new top-level run. */
    public RunHandle start(String task, EventListener... listeners) {
        return start(RunIds.next(), task, listeners);
    }

    /** As {@link #start(String, EventListener...)}, with a run id chosen beforehand (a server hands it out before the run begins). */
    public RunHandle start(String runId, String task, EventListener... listeners) {
        var agent = agent();
        Corrections.detect(harness, workspace);
        return agent.start(runId, task, null, listeners);
    }

    /**
     * Who answers this session's approvals in ask mode (a server's pending-approval queue), instead of the harness's
     * terminal approver. Set it before the session's first agent is built.
     */
    public Session useApprover(PolicyGate.Approver approver) {
        synchronized (this) {
            if (gate != null) throw new IllegalStateException("set the approver before the session's first agent is built");
            this.approver = java.util.Objects.requireNonNull(approver);
        }
        return this;
    }

    /** Continues a conversation (an interactive session) with a new task, as a new run. */
    public RunHandle continueConversation(Agent agent, List<Message> conversation, String task, EventListener... listeners) {
        return continueConversation(RunIds.next(), agent, conversation, task, listeners);
    }

    /** As {@link #continueConversation(Agent, List, String, EventListener...)}, with a run id chosen beforehand. */
    public RunHandle continueConversation(String runId, Agent agent, List<Message> conversation, String task, EventListener... listeners) {
        Corrections.detect(harness, workspace);
        return agent.continueConversation(runId, conversation, task, null, listeners);
    }

    /** Continues a stopped run from its last completed step with the standard agent. */
    public RunHandle resume(RunSnapshot snapshot, EventListener... listeners) {
        return agent().resume(snapshot, listeners);
    }

    /**
     * After an interactive session, lets the model pick what to remember from the whole conversation, as after a
     * run; the memory_updated event goes to the store and to {@code listener}.
     */
    public void rememberConversation(String runId, List<Message> conversation, EventListener listener) throws InterruptedException {
        if (!settings.memoryOn() || !settings.memoryExtract() || conversation.isEmpty()) return;
        var event = new MemoryHook(this, true).extract(runId, conversation);
        if (event != null) {
            harness.store().onEvent(event);
            listener.onEvent(event);
        }
        MemoryHook.consolidateIfDue(this);
    }

    synchronized SkillCatalog skills() {
        if (skills == null) skills = harness.skills(workspace, extraSkillRoots);
        return skills;
    }

    /** The workspace's tools: files, shell (sandboxed unless configured off), fetch, and the MCP servers' tools. */
    private List<Tool> hands(SkillCatalog skillCatalog) {
        var passEnv = java.util.Set.copyOf(settings.shellPassEnv());
        // apprentice's own config and state, and git's hooks and config, are read-only to the shell: nothing the agent
        // runs can widen what it may do, in this run or a later one.
        var shell = ShellTool.Settings.defaults().withSandbox(sandboxed()).withNetwork(settings.shellNetwork())
                .withEnvironment(harness.env(), passEnv::contains)
                .withProtectedPaths(ShellTool.Settings.protectedPathsOf(workspace, harness.home()));
        try {
            var ws = new Workspace(workspace);
            if (skillCatalog != null) skillCatalog.skills().forEach(s -> ws.allowRead(s.dir())); // skills' files are readable
            ws.readable(p -> gate().readable(p)); // read denials also hide files from list_files and search_files
            for (var p : ShellTool.Settings.protectedPathsOf(workspace, harness.home())) {
                ws.protect(p, "apprentice's configuration and state, and git's hooks and config, are not the agent's to change");
            }
            ws.protect(harness.home(), "apprentice's home: configuration, run store, memory");
            var fetch = new FetchTool(settings.fetchAllowPrivate()); // loopback and private addresses only where a person allowed them
            var tools = new ArrayList<>(StandardTools.create(ws, shell, fetch));
            var g = gate();
            tools.addAll(harness.mcpTools(settings, workspace, g.mode() == ApprovalMode.ASK, this::model));
            return tools;
        } catch (IllegalArgumentException e) {
            throw new HarnessException(e.getMessage(), e);
        }
    }

    private boolean sandboxed() {
        return Sandbox.probe().available() && !settings.sandboxOff();
    }

    /** Permission rules and the approval mode: ask on a terminal, auto otherwise, unless configured. */
    synchronized PolicyGate gate() {
        if (gate != null) return gate;
        ApprovalMode mode;
        PermissionRules rules;
        try {
            mode = settings.approve().map(ApprovalMode::parse).orElse(harness.interactive() ? ApprovalMode.ASK : ApprovalMode.AUTO);
            rules = PermissionRules.of(settings.allowRules(), settings.askRules(), settings.denyRules());
        } catch (IllegalArgumentException e) {
            throw new HarnessException(e.getMessage(), e);
        }
        // Asked at the time of the call, so that an approver set later (the REPL's line editor) is the one that answers.
        PolicyGate.Approver approver = this.approver != null ? this.approver
                : !harness.interactive() || harness.approver() == null ? null : (tool, subject, arguments) -> {
            var current = harness.approver();
            return current == null ? PolicyGate.Approver.Answer.DENY : current.ask(tool, subject, arguments);
        };
        if (mode == ApprovalMode.ASK && approver == null) {
            harness.warnOnce("note: no terminal to ask for approvals; --approve ask behaves as auto (rules and sandbox decide)");
        }
        if (!sandboxed() && mode != ApprovalMode.AUTO) {
            harness.warnOnce("shell commands run without an OS sandbox (" + (settings.sandboxOff() ? "sandbox: off in config"
                    : Sandbox.probe().reason()) + ")");
        }
        gate = new PolicyGate(rules, mode, approver, sandboxed(), workspace).withGrants(this::skillGrant);
        return gate;
    }

    /**
     * What the skill a run has in use pre-approves: its allowed-tools as allow rules, consulted by the policy only where
     * it would ask a person (see {@link PolicyGate}). Entries too wide to honour are a warning, once.
     */
    private PolicyGate.Grant skillGrant(String runId) {
        SkillCatalog catalog;
        synchronized (this) {
            catalog = skills;
        }
        var skill = catalog == null ? null : catalog.active(runId).orElse(null);
        if (skill == null) return null;
        var refusal = grantRefusal(skill);
        if (refusal != null) {
            harness.warnOnce("skill " + skill.name() + ": its allowed-tools are not pre-approved: " + refusal);
            return null;
        }
        return grants.computeIfAbsent(skill, s -> {
            var refused = new ArrayList<String>();
            var rules = PermissionRules.grants(s.allowedTools(), ALIASES, refused);
            if (!refused.isEmpty()) {
                harness.warnOnce("skill " + s.name() + ": allowed-tools " + String.join(" ", refused)
                        + " not honoured (a tool name with a wildcard, or malformed)");
            }
            return new PolicyGate.Grant("skill " + s.name(), rules);
        });
    }

    /**
     * Why a skill's allowed-tools may not pre-approve anything, or null when they may. Pre-approval is the person's word
     * (they installed the skill), so it must not come from text the agent or the learning loop wrote: a SKILL.md the
     * agent can write (in the workspace, outside the protected folders: a nested package's .claude/skills), a candidate
     * being gated, or a skill the learning loop installed.
     */
    private String grantRefusal(ai.apprentice.skills.Skill skill) {
        if (skill.source().equals("candidate")) return "it is a learning candidate";
        if (skill.source().equals("user") && !harness.learned().history("skill:" + skill.name()).isEmpty()) {
            return "the learning loop wrote it (learned skills change instructions, never approvals)";
        }
        var protectedPaths = ShellTool.Settings.protectedPathsOf(workspace, harness.home());
        for (var file : List.of(skill.skillFile(), real(skill.skillFile()))) {
            for (var root : List.of(workspace, real(workspace))) {
                if (file.startsWith(root) && protectedPaths.stream().noneMatch(p -> file.startsWith(p) || file.startsWith(real(p)))) {
                    return "its SKILL.md is in a folder the agent can write (" + root.relativize(file) + "); a skill that grants "
                            + "tools belongs in .claude/skills (or .agents/, .codex/, .apprentice/) at the workspace's root or in your home";
                }
            }
        }
        // A skill that came with the workspace (a cloned repository's .claude/skills) is someone else's text, like its config:
        // it pre-approves only once a person has trusted that exact file.
        for (var root : List.of(workspace, real(workspace))) {
            var file = skill.skillFile().toAbsolutePath().normalize();
            if ((file.startsWith(root) || real(file).startsWith(root)) && !harness.trusts(file)) {
                return "it came with the workspace (" + root.relativize(file.startsWith(root) ? file : real(file))
                        + ") and nobody has trusted it as it is now; start with --trust-workspace to trust the workspace's config and skills";
            }
        }
        return null;
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (java.io.IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /**
     * spawn_agent for this session: subagents get the session's settings (model, base URL, approval mode and
     * answers, rules, sandbox, network, timeout), their own instructions and a budget carved from the parent's.
     */
    private SpawnAgentTool spawnTool(SkillCatalog skillCatalog) {
        var catalog = skillCatalog != null ? skillCatalog : skills();
        var factory = new SpawnAgentTool.Factory() {
            @Override
            public Agent create(String model, String instructions, int maxSteps, List<String> allowed, ai.apprentice.tool.ToolContext parent) {
                return subagentBuilder(AgentSpec.subagent(instructions, model, maxSteps, allowed), parent).build();
            }

            @Override
            public List<Event> events(String runId) {
                return harness.store().events(runId); // the child's events are stored there (builder's listener)
            }

            @Override
            public String asStored(String text) {
                return harness.store().redact(text); // a task with a secret in it is stored without it
            }
        };
        return new SpawnAgentTool(workspace, catalog, factory, harness.subagentDepths);
    }

    /**
     * A subagent's builder: what the parent has left is the child's budget (0 would mean unlimited, hence the floors);
     * the child is also stopped when any ancestor's budget runs out, since its spending counts towards theirs.
     */
    Agent.Builder subagentBuilder(AgentSpec spec, ai.apprentice.tool.ToolContext parent) {
        long tokens = parent.remainingTokens();
        double cost = parent.remainingCostUsd();
        int steps = Math.max(1, Math.min(spec.maxSteps() != null ? spec.maxSteps() : settings.maxSteps(), parent.remainingSteps()));
        var budget = budget(steps).withTimeout(settings.timeout().orElse(Harness.SUBAGENT_TIMEOUT))
                .withMaxTokens(tokens == Long.MAX_VALUE ? 0 : Math.max(1, tokens))
                .withMaxCostUsd(Double.isInfinite(cost) ? 0 : Math.max(1e-9, cost));
        return builder(spec).budget(budget);
    }

    /**
     * The model a skill's {@code model} field names, when this session may use it (its own, or one in
     * {@code subagent_models}): SKILL.md is text anyone may have written, so it cannot choose what runs. Otherwise the
     * session's model, with a warning once.
     */
    String skillModel(ai.apprentice.skills.Skill skill) {
        var wanted = skill.invocation().model();
        if (wanted == null) return null;
        if (wanted.equals(modelChoice().spec()) || settings.subagentModels().contains(wanted)) return wanted;
        harness.warnOnce("skill " + skill.name() + " asks for model '" + wanted + "', which this session does not allow "
                + "(add it to subagent_models to allow it); the session's model is used");
        return null;
    }

    /**
     * Starts what the user typed as {@code /NAME ARGS}: the skill, when one of that name may be started by the user
     * (user-invocable), as a new run that continues {@code conversation} with {@code agent}; a {@code context: fork}
     * skill, or one naming an allowed model, runs as a fresh agent with its own context instead. Empty when there is no
     * such skill.
     */
    public java.util.Optional<RunHandle> startSkill(String name, String arguments, Agent agent, List<Message> conversation,
                                                    EventListener... listeners) throws Exception {
        var catalog = skills();
        var skill = catalog.get(name).filter(s -> s.invocation().userInvocable()).orElse(null);
        if (skill == null) return java.util.Optional.empty();
        var runId = RunIds.next();
        var shell = agent.tools().tool("run_shell");
        var runner = new SkillRunner(this, catalog, gate(), shell, false);
        var intro = "The user ran /" + name + (arguments == null || arguments.isBlank() ? "" : " " + arguments.strip())
                + ". Follow this skill.\n\n";
        var task = catalog.load(skill, arguments == null ? "" : arguments, new ai.apprentice.tool.ToolContext(runId, 0, workspace), runner, intro);
        var model = skillModel(skill);
        Corrections.detect(harness, workspace);
        if (skill.invocation().fork() || model != null) {
            var spec = new AgentSpec(null, List.of(), true, true, true, false, true, List.of(), null, model, null);
            return java.util.Optional.of(builder(spec).build().start(runId, task, null, listeners));
        }
        return java.util.Optional.of(agent.continueConversation(runId, conversation, task, null, listeners));
    }

    /**
     * A model spawn_agent named: the session's own, or one the settings list in {@code subagent_models}. Anything
     * else (another provider, a file path) is refused, so that text the agent read cannot choose what runs.
     */
    private Model subagentModel(String spec) {
        var own = modelChoice().spec();
        if (spec.equals(own)) return model();
        if (!settings.subagentModels().contains(spec)) {
            throw new IllegalArgumentException("The model '" + spec + "' is not allowed for subagents. This session uses " + own
                    + (settings.subagentModels().isEmpty() ? "" : "; also allowed: " + String.join(", ", settings.subagentModels()))
                    + ". Leave model out to use the session's, or ask a person to add it to subagent_models in config.");
        }
        return models.computeIfAbsent(spec, s -> harness.models().model(settings.with(Map.of("model", s)), workspace));
    }

    /** What a run needs to be resumed later with the same settings (never secrets). */
    public String resumeSettings() {
        var s = Json.object();
        settings.model().ifPresent(m -> s.put("model", m));
        settings.baseUrl().ifPresent(u -> s.put("base_url", u));
        s.put("workspace", workspace.toString());
        s.put("max_steps", settings.maxSteps());
        s.put("max_tokens", settings.maxTokens());
        s.put("max_cost_usd", settings.maxCostUsd());
        settings.timeout().ifPresent(t -> s.put("timeout", t.toString()));
        s.put("tool_mode", settings.toolMode());
        settings.approve().ifPresent(a -> s.put("approve", a));
        return s.toString();
    }

    /** Stores the settings a run was started with, right after its run_started event, so it can be resumed. */
    private final class SettingsRecorder implements EventListener {
        @Override
        public void onEvent(Event event) {
            if (event instanceof Event.RunStarted s) harness.store().setSettings(s.runId(), resumeSettings());
        }
    }
}
