package ai.apprentice.cli;

import ai.apprentice.cli.config.Config;
import ai.apprentice.cli.config.ConfigLoader;
import ai.apprentice.json.Json;
import ai.apprentice.mcp.McpClientManager;
import ai.apprentice.mcp.McpServerConfig;
import ai.apprentice.model.Model;
import ai.apprentice.model.PriceTable;
import ai.apprentice.model.RetryPolicy;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.providers.ProviderSettings;
import ai.apprentice.providers.Providers;
import ai.apprentice.skills.SkillCatalog;
import ai.apprentice.skills.SpawnAgentTool;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Budget;
import ai.apprentice.runtime.ToolMode;
import ai.apprentice.store.RunStore;
import ai.apprentice.tool.Tool;
import ai.apprentice.tools.ApprovalMode;
import ai.apprentice.tools.FetchTool;
import ai.apprentice.tools.PermissionRules;
import ai.apprentice.tools.PolicyGate;
import ai.apprentice.tools.Sandbox;
import ai.apprentice.tools.ShellTool;
import ai.apprentice.tools.StandardTools;
import ai.apprentice.tools.Workspace;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What every command needs: the environment, the output streams, the home directory, the merged config,
 * the run store, and the way to turn config into a model and an agent. Passed to commands explicitly so
 * that tests can run the CLI in-process with their own environment.
 */
final class Cli implements AutoCloseable {
    final Map<String, String> env;
    final PrintStream out;
    final PrintStream err;
    final InputStream in;
    final boolean interactive;
    private RunStore store;
    private ModelChoice models;

    /** How commands pick their model, and the local models loaded so far (kept loaded for the next run). */
    synchronized ModelChoice models() {
        if (models == null) models = new ModelChoice(this);
        return models;
    }

    Cli(Map<String, String> env, PrintStream out, PrintStream err, InputStream in, boolean interactive) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.in = in;
        this.interactive = interactive;
    }

    /** {@code $APPRENTICE_HOME}, default {@code ~/.apprentice}. */
    Path home() {
        var h = env.get("APPRENTICE_HOME");
        return (h != null && !h.isBlank() ? Path.of(h) : Path.of(System.getProperty("user.home"), ".apprentice"))
                .toAbsolutePath().normalize();
    }

    Config config(Path workspace, Map<String, Object> flags) {
        var config = ConfigLoader.load(home(), workspace, env, flags);
        config.warnings().forEach(w -> err.println("warning: " + w));
        return config;
    }

    synchronized RunStore store() {
        if (store == null) {
            try {
                Files.createDirectories(home());
                store = RunStore.open(home().resolve("apprentice.db"));
            } catch (IOException e) {
                throw new UsageException("Cannot create " + home() + ": " + e.getMessage(), e);
            }
        }
        return store;
    }

    /** The model the config names, or a usage error explaining how to configure one. */
    Model model(Config config, Path workspace) {
        var spec = models().choose(config).spec();
        int colon = spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new UsageException("Model '" + spec + "' is not of the form PROVIDER:MODEL (e.g. openai:gpt-4.1-mini). "
                    + "Run 'apprentice models' to see the providers.");
        }
        if (spec.startsWith("scripted:")) {
            var file = workspace.resolve(spec.substring("scripted:".length()));
            try {
                return ScriptedModel.load(file);
            } catch (IOException e) {
                throw new UsageException("Cannot read the script " + file + ": " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), e);
            }
        }
        if (spec.startsWith("local:")) {
            try {
                return models().local(spec, config);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), e);
            }
        }
        var retry = new RetryPolicy(config.retryMaxAttempts(), config.retryInitialBackoff(), config.retryMaxBackoff());
        var settings = new ProviderSettings(config.baseUrl().orElse(null), null, retry, null, config.requestTimeout(), Map.of());
        try {
            return Providers.resolve(spec, settings, env::get);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
    }

    Agent.Builder agent(Config config, Path workspace) {
        return agent(config, workspace, null, List.of());
    }

    /** An agent for a task: as {@link #agent(Config, Path)}, with the memories relevant to the task in its instructions. */
    Agent.Builder agent(Config config, Path workspace, String task) {
        var builder = agent(config, workspace, null, List.of());
        if (!config.memoryOn()) return builder;
        var recalled = recallFor(config, workspace, task);
        return recalled.isEmpty() ? builder : builder.instructions(builder.instructions() + "\n\n" + recalled);
    }

    /** The scopes an agent in {@code workspace} reads: the user's and the workspace's. */
    static List<String> memoryScopes(Path workspace) {
        return List.of(ai.apprentice.memory.Memory.USER, ai.apprentice.memory.Memory.workspace(workspace.toAbsolutePath().normalize().toString()));
    }

    /**
     * The memories that best match the task, best first, as long as they fit the recall budget (tokens
     * estimated at four characters each); empty when memory holds nothing, so no model is loaded for nothing.
     */
    String recallFor(Config config, Path workspace, String task) {
        var store = memory();
        if (store.count() == 0 || task == null || task.isBlank()) return "";
        var hits = store.recall(task, 10, memoryScopes(workspace), ai.apprentice.memory.MemoryStore.Method.HYBRID);
        var kept = new java.util.ArrayList<ai.apprentice.memory.Memory.Recalled>();
        int budget = config.memoryRecallTokens() * 4;
        for (var h : hits) {
            budget -= h.memory().text().length() + 40;
            if (budget < 0) break;
            kept.add(h);
        }
        if (kept.isEmpty()) return "";
        store.markRecalled(kept.stream().map(h -> h.memory().id()).toList());
        return "## What you remember\nLong-term memories that may bear on this task, best match first (recall finds more; "
                + "remember what will matter later; forget what proves wrong):\n" + ai.apprentice.memory.MemoryTools.format(kept);
    }

    /**
     * An agent for this config and workspace. {@code instructions} replaces the standard ones (subagents);
     * a non-empty {@code allowedTools} limits the tools (a skill's allowed-tools; aliases such as Bash count
     * for the tools they stand for).
     */
    Agent.Builder agent(Config config, Path workspace, String instructionsOverride, List<String> allowedTools) {
        var prices = PriceTable.defaults();
        config.prices().forEach(prices::put);
        var budget = new Budget(config.maxSteps(), config.maxTokens(), config.maxCostUsd(), config.timeout().orElse(null));
        var model = model(config, workspace);
        var skills = skills(workspace);
        var project = ai.apprentice.runtime.ProjectInstructions.section(workspace);
        var instructions = (instructionsOverride != null ? instructionsOverride : INSTRUCTIONS)
                + (project.isEmpty() ? "" : "\n\n" + project)
                + (skills.skills().isEmpty() ? "" : "\n\n" + skills.promptSection(SKILL_INDEX_TOKENS));
        var tools = new java.util.ArrayList<>(hands(config, workspace, skills));
        if (!skills.skills().isEmpty()) tools.add(skills.useSkillTool());
        tools.add(spawnTool(config, workspace, skills).tool());
        if (config.memoryOn()) {
            var scopes = memoryScopes(workspace);
            tools.addAll(new ai.apprentice.memory.MemoryTools(memory(), scopes.get(1), scopes, "agent in " + workspace).all());
        }
        if (!allowedTools.isEmpty()) {
            var allowed = new java.util.HashSet<String>();
            for (var t : allowedTools) {
                var name = t.replaceAll("\\(.*\\)$", ""); // Claude's Bash(git:*) form: the tool part
                allowed.add(name);
                if (ALIASES.containsKey(name)) allowed.add(ALIASES.get(name));
            }
            tools.removeIf(t -> !allowed.contains(t.name()));
        }
        return Agent.builder()
                .model(model)
                .instructions(instructions)
                .workspace(workspace)
                .budget(budget)
                .prices(prices)
                .toolMode("text".equals(config.toolMode()) ? ToolMode.TEXT : ToolMode.NATIVE)
                .maxToolResultChars(config.maxToolResultChars())
                .contextWindow(config.contextWindow().orElse(0))
                .parallelTools(config.parallelTools())
                .tools(tools)
                .aliases(StandardTools.claudeAliases())
                .gate(both(skills.allowedToolsGate(ALIASES), gate(config)))
                .listener(store());
    }

    /** The standard tools, with the shell sandboxed unless config turns the sandbox off. */
    static final java.util.Map<String, String> ALIASES = StandardTools.claudeAliases().stream()
            .collect(java.util.stream.Collectors.toMap(ai.apprentice.tool.ToolAlias::name, ai.apprentice.tool.ToolAlias::target));

    /** The first gate's denial wins; otherwise the second decides. */
    private static ai.apprentice.tool.ToolGate both(ai.apprentice.tool.ToolGate first, ai.apprentice.tool.ToolGate second) {
        return (call, args, ctx) -> {
            var d = first.check(call, args, ctx);
            return d != null && !d.allowed() ? d : second.check(call, args, ctx);
        };
    }

    /** spawn_agent for this config: subagents get the same tools and rules, their own instructions and budget. */
    private SpawnAgentTool spawnTool(Config config, Path workspace, SkillCatalog skills) {
        return new SpawnAgentTool(workspace, skills, (model, instructions, maxSteps, allowed) -> {
            var flags = new java.util.LinkedHashMap<String, Object>();
            flags.put("max_steps", maxSteps);
            if (model != null) flags.put("model", model);
            var childConfig = config(workspace, flags);
            return agent(childConfig, workspace, instructions, allowed)
                    .budget(new Budget(maxSteps, childConfig.maxTokens(), childConfig.maxCostUsd(),
                            childConfig.timeout().orElse(SUBAGENT_TIMEOUT)))
                    .build();
        }, config.maxSteps(), subagentDepths);
    }

    /** How deep each running subagent is, shared by all spawn_agent tools of this process. */
    private final java.util.Map<String, Integer> subagentDepths = new java.util.concurrent.ConcurrentHashMap<>();

    /** A subagent that never finishes is stopped after this long, unless a timeout is configured. */
    static final java.time.Duration SUBAGENT_TIMEOUT = java.time.Duration.ofMinutes(15);

    static final String INSTRUCTIONS = "You are apprentice, an agent that carries out tasks in a workspace with the tools "
            + "you are given. Use the tools when they help, check your work, and answer concisely.";
    static final int SKILL_INDEX_TOKENS = 4000;

    /** The skills of this workspace and user, in precedence order; problems are warnings. */
    SkillCatalog skills(Path workspace) {
        var builtIn = ai.apprentice.skills.BuiltinSkills.unpack(home().resolve("builtin-skills"));
        var catalog = SkillCatalog.discover(SkillCatalog.standardRoots(workspace, home(), Path.of(System.getProperty("user.home")), builtIn));
        catalog.problems().forEach(p -> err.println("warning: skill " + p));
        return catalog;
    }

    private List<Tool> hands(Config config, Path workspace, SkillCatalog skills) {
        var sandbox = Sandbox.probe();
        boolean sandboxed = sandbox.available() && !config.sandboxOff();
        var passEnv = java.util.Set.copyOf(config.shellPassEnv());
        var shell = ShellTool.Settings.defaults().withSandbox(sandboxed).withNetwork(config.shellNetwork())
                .withEnvironment(env, passEnv::contains);
        try {
            var ws = new Workspace(workspace);
            skills.skills().forEach(s -> ws.allowRead(s.dir())); // skills' references and scripts are readable
            var tools = new java.util.ArrayList<>(StandardTools.create(ws, shell, new FetchTool()));
            tools.addAll(mcpTools(config));
            return tools;
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
    }

    private McpClientManager mcp;

    /** Tools of the configured MCP servers; a server that cannot start is a warning, not a failure. */
    private synchronized List<Tool> mcpTools(Config config) {
        var servers = McpServerConfig.fromConfig(config.mcpServers());
        if (servers.isEmpty()) return List.of();
        if (mcp == null) mcp = new McpClientManager(servers, config.requestTimeout());
        var tools = mcp.tools();
        mcp.problems().forEach(p -> err.println("warning: " + p));
        return tools;
    }

    /** Permission rules and the approval mode: ask on a terminal, auto otherwise, unless configured. */
    private PolicyGate gate(Config config) {
        ApprovalMode mode = config.approve().map(ApprovalMode::parse).orElse(interactive ? ApprovalMode.ASK : ApprovalMode.AUTO);
        PermissionRules rules;
        try {
            rules = PermissionRules.of(config.allowRules(), config.askRules(), config.denyRules());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
        boolean sandboxed = Sandbox.probe().available() && !config.sandboxOff();
        if (mode == ApprovalMode.ASK && !interactive && !warnedNoTerminal) {
            err.println("note: no terminal to ask for approvals; --approve ask behaves as auto (rules and sandbox decide)");
            warnedNoTerminal = true;
        }
        if (!sandboxed && mode != ApprovalMode.AUTO && !warnedNoSandbox) {
            err.println("warning: shell commands run without an OS sandbox (" + (config.sandboxOff() ? "sandbox: off in config"
                    : Sandbox.probe().reason()) + ")");
            warnedNoSandbox = true;
        }
        return new PolicyGate(rules, mode, interactive ? approver() : null, sandboxed);
    }

    private boolean warnedNoTerminal;
    private boolean warnedNoSandbox;
    private PolicyGate.Approver approver;

    /** The REPL replaces this with one that reads through its line editor. */
    synchronized PolicyGate.Approver approver() {
        if (approver == null) {
            approver = TerminalApprover.overStreams(err, new java.io.BufferedReader(new java.io.InputStreamReader(in)));
        }
        return approver;
    }

    synchronized void useApprover(PolicyGate.Approver a) {
        this.approver = a;
    }

    /** What a run needs to be resumed later with the same settings (never secrets). */
    static String resumeSettings(Config config, Path workspace) {
        var s = Json.object();
        config.model().ifPresent(m -> s.put("model", m));
        config.baseUrl().ifPresent(u -> s.put("base_url", u));
        s.put("workspace", workspace.toString());
        s.put("max_steps", config.maxSteps());
        s.put("max_tokens", config.maxTokens());
        s.put("max_cost_usd", config.maxCostUsd());
        config.timeout().ifPresent(t -> s.put("timeout", t.toString()));
        s.put("tool_mode", config.toolMode());
        return s.toString();
    }

    private ai.apprentice.memory.MemoryStore memory;

    /** Long-term memory in $APPRENTICE_HOME/memory, opened on first use (the embedding model loads on first text). */
    synchronized ai.apprentice.memory.MemoryStore memory() {
        if (memory == null) {
            try {
                memory = ai.apprentice.memory.MemoryStore.open(home().resolve("memory"), new ai.apprentice.memory.OnnxEmbedder());
            } catch (RuntimeException e) {
                throw new UsageException("Cannot open the memory store in " + home().resolve("memory") + ": " + e.getMessage(), e);
            }
        }
        return memory;
    }

    @Override
    public synchronized void close() {
        if (mcp != null) mcp.close();
        if (store != null) store.close();
        if (memory != null) memory.close();
    }
}
