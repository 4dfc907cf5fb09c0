package ai.apprentice.harness;

import ai.apprentice.harness.config.ConfigLoader;
import ai.apprentice.harness.config.Settings;
import ai.apprentice.mcp.McpClientManager;
import ai.apprentice.mcp.McpServerConfig;
import ai.apprentice.mcp.McpSignIn;
import ai.apprentice.mcp.McpTokenStore;
import ai.apprentice.memory.Memory;
import ai.apprentice.memory.MemoryStore;
import ai.apprentice.memory.OnnxEmbedder;
import ai.apprentice.memory.playbook.LearnedStore;
import ai.apprentice.memory.playbook.Playbook;
import ai.apprentice.skills.BuiltinSkills;
import ai.apprentice.skills.SkillCatalog;
import ai.apprentice.store.RunStore;
import ai.apprentice.tool.Tool;
import ai.apprentice.tools.PolicyGate;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one place where settings and a workspace become an agent. Every entry point (the CLI's run and REPL,
 * evaluation, {@code mcp serve}, the server, chat channels, learning) turns its input into settings flags and
 * asks a harness for a {@link Session}, so that the agent measured is the agent people use:
 * <pre>{@code
 * try (var harness = Harness.builder().home(Path.of("/tmp/apprentice-home")).build()) {
 *     var session = harness.session(Path.of("."), Map.of("model", "openai:gpt-4.1-mini"));
 *     RunResult result = session.start("Summarise README.md").await();
 * }
 * }</pre>
 * A harness owns what lives longer than a session: the run store, the memory store, MCP connections and loaded
 * local models. It is safe to use from several threads.
 */
public final class Harness implements AutoCloseable {
    /** The standard instructions; sections for project files and skills are added after them. */
    public static final String INSTRUCTIONS = "You are apprentice, an agent that carries out tasks in a workspace with the tools "
            + "you are given. Use the tools when they help, check your work, and answer concisely.";
    /** Tokens the skills index may take in the instructions. */
    public static final int SKILL_INDEX_TOKENS = 4000;
    /** A subagent that never finishes is stopped after this long, unless a timeout is configured. */
    public static final java.time.Duration SUBAGENT_TIMEOUT = java.time.Duration.ofMinutes(15);

    /** Asks the person a yes/no question (a model download); false when nobody can answer. */
    @FunctionalInterface
    public interface Prompter {
        boolean confirm(String question);

        /** Asks for a line of text (an MCP server's form field); null when nobody can answer or the input ended. */
        default String line(String question) {
            return null;
        }

        Prompter NOBODY = q -> false;
    }

    private final Map<String, String> env;
    private final Path home;
    /** The user's home folder, where other agents keep their skills (~/.claude, ~/.agents, ~/.codex). */
    private final Path userHome;
    private final PrintStream err;
    private final boolean interactive;
    private final Prompter prompter;
    private volatile PolicyGate.Approver approver;
    private final ModelResolver models;
    private final WorkspaceTrust trust;
    private final java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private RunStore store;
    /** The PostgreSQL pool both stores use when the store setting names one (null: SQLite files). */
    private ai.apprentice.store.Database database;
    private StoreSetting storeSetting;
    private MemoryStore memory;
    private LearnedStore learned;
    /** An OpenTelemetry a program gave the harness (it owns it); null: telemetry only when settings name an endpoint. */
    private final io.opentelemetry.api.OpenTelemetry givenTelemetry;
    private ai.apprentice.harness.telemetry.Telemetry telemetry;
    private String telemetryEndpoint;
    /** MCP clients by servers and workspace: a workspace is the root its servers are told of, so each has its own. */
    private final Map<McpKey, McpClientManager> mcp = new HashMap<>();
    /** Whether the latest run that connected MCP servers may ask its person (the managers are shared between runs). */
    private volatile boolean mcpPersonAsked;
    /** The session model of that run, which serves the servers' sampling requests, and its prices. */
    private volatile java.util.function.Supplier<ai.apprentice.model.Model> mcpModel;
    /** The model of each run going on, for sampling requests that come during its calls (servers are shared by sessions). */
    private final Map<String, ai.apprentice.model.Model> runModels = new java.util.concurrent.ConcurrentHashMap<>();

    /** A listener that keeps {@code model} as the model of the runs it hears start, until they finish. */
    ai.apprentice.runtime.EventListener runModels(ai.apprentice.model.Model model) {
        return e -> {
            switch (e) {
                case ai.apprentice.runtime.Event.RunStarted s -> runModels.put(s.runId(), model);
                case ai.apprentice.runtime.Event.RunResumed r -> runModels.put(r.runId(), model);
                case ai.apprentice.runtime.Event.RunFinished f -> runModels.remove(f.runId());
                default -> {}
            }
        };
    }
    private volatile ai.apprentice.model.PriceTable mcpPrices = ai.apprentice.model.PriceTable.defaults();

    private record McpKey(List<McpServerConfig> servers, Path workspace) {}
    /** How deep each running subagent is, shared by every session of this harness so nesting is bounded. */
    final Map<String, Integer> subagentDepths = new java.util.concurrent.ConcurrentHashMap<>();

    private Harness(Builder b) {
        this.env = Map.copyOf(b.env);
        this.home = (b.home != null ? b.home : defaultHome(env)).toAbsolutePath().normalize();
        this.userHome = (b.userHome != null ? b.userHome : Path.of(System.getProperty("user.home"))).toAbsolutePath().normalize();
        this.err = b.err;
        this.interactive = b.interactive;
        this.prompter = b.prompter;
        this.approver = b.approver;
        this.givenTelemetry = b.telemetry;
        this.models = new ModelResolver(this);
        this.trust = new WorkspaceTrust(this.home);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code $APPRENTICE_HOME}, default {@code ~/.apprentice}. */
    public static Path defaultHome(Map<String, String> env) {
        var h = env.get("APPRENTICE_HOME");
        return h != null && !h.isBlank() ? Path.of(h) : Path.of(System.getProperty("user.home"), ".apprentice");
    }

    public Map<String, String> env() { return env; }
    public Path home() { return home; }
    /** Where notices and download progress go (standard error for the CLI). */
    public PrintStream err() { return err; }
    /** Whether a person is at a terminal to answer approvals and questions. */
    public boolean interactive() { return interactive; }
    public Prompter prompter() { return prompter; }
    public ModelResolver models() { return models; }

    /** Who answers approvals in ask mode; null when nobody can (then ask behaves as auto). */
    public PolicyGate.Approver approver() { return approver; }

    /** The REPL replaces the approver with one that reads through its line editor. */
    public void useApprover(PolicyGate.Approver a) { this.approver = a; }

    /**
     * The layered settings for a workspace: user file, workspace file, environment, then {@code flags} (config
     * keys to values). Warnings are printed once per process.
     */
    public Settings settings(Path workspace, Map<String, Object> flags) {
        var file = ConfigLoader.workspaceFile(workspace).toAbsolutePath().normalize();
        var settings = ConfigLoader.load(home, workspace, env, flags, sha -> trust.trusted(file, sha));
        if (!settings.untrusted().isEmpty() && interactive
                && prompter.confirm(file + " sets " + String.join(", ", settings.untrusted()) + ", which can widen what the agent may do. "
                + "Trust this file as it is now (recorded by its hash in " + home + ")? [y/N] ")) {
            var sha = settings.workspaceSha256();
            trust.trust(file, sha);
            settings = ConfigLoader.load(home, workspace, env, flags, s -> s.equals(sha));
        }
        settings.warnings().forEach(this::warnOnce);
        return settings;
    }

    /**
     * A person trusts the workspace's config file as it is now ({@code --trust-workspace}): its security settings
     * take effect until the file changes. Nothing happens when the workspace has no config file.
     */
    public void trustWorkspace(Path workspace) {
        var files = new ArrayList<Path>();
        var config = ConfigLoader.workspaceFile(workspace).toAbsolutePath().normalize();
        if (Files.isRegularFile(config)) files.add(config);
        files.addAll(workspaceSkillFiles(workspace));
        for (var file : files) {
            try {
                trust.trust(file, ConfigLoader.sha256(Files.readAllBytes(file)));
            } catch (IOException e) {
                throw new HarnessException("Cannot read " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /** Whether a person trusted this file (a workspace's skill) as it is now. */
    public boolean trusts(Path file) {
        try {
            return trust.trusted(file.toAbsolutePath().normalize(), ConfigLoader.sha256(Files.readAllBytes(file)));
        } catch (IOException e) {
            return false;
        }
    }

    /** The SKILL.md files of the skill folders at a workspace's root, the ones whose allowed-tools can pre-approve. */
    private static List<Path> workspaceSkillFiles(Path workspace) {
        var found = new ArrayList<Path>();
        for (var dir : List.of(".claude/skills", ".agents/skills", ".codex/skills", ".apprentice/skills")) {
            var root = workspace.resolve(dir);
            if (!Files.isDirectory(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
            try (var walk = Files.walk(root, 3)) {
                walk.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                        .filter(f -> f.getFileName().toString().equalsIgnoreCase("SKILL.md"))
                        .forEach(f -> found.add(f.toAbsolutePath().normalize()));
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new HarnessException("Cannot list " + root + ": " + e.getMessage(), e);
            }
        }
        return found;
    }

    /** Settings resolved once for a workspace; everything run in the session uses them, subagents included. */
    public Session session(Path workspace, Map<String, Object> flags) {
        var ws = workspace.toAbsolutePath().normalize();
        return new Session(this, settings(ws, flags), ws);
    }

    /** A session with settings already resolved (e.g. a resumed run's, or a server's defaults with a request's overrides). */
    public Session session(Settings settings, Path workspace) {
        return new Session(this, settings, workspace.toAbsolutePath().normalize());
    }

    void warnOnce(String warning) {
        if (warned.add(warning)) err.println("warning: " + warning);
    }

    public synchronized RunStore store() {
        if (store == null) {
            try {
                Files.createDirectories(home);
                // secrets of this environment (the values of secret-looking variables) never reach the store
                var redactor = ai.apprentice.redact.Redactor.of(env);
                store = storeSetting().postgresql() ? RunStore.open(database(), redactor) : RunStore.open(home.resolve("apprentice.db"), redactor);
            } catch (IOException e) {
                throw new HarnessException("Cannot create " + home + ": " + e.getMessage(), e);
            } catch (ai.apprentice.store.StoreException e) {
                throw new HarnessException(e.getMessage(), e); // it names the setting and what to do
            }
        }
        return store;
    }

    /** Where the stores live: SQLite in the home (the default), or the PostgreSQL database the {@code store} setting names. */
    public synchronized StoreSetting storeSetting() {
        if (storeSetting == null) {
            try {
                storeSetting = StoreSetting.read(home, env);
            } catch (ai.apprentice.store.StoreException e) {
                throw new HarnessException(e.getMessage(), e);
            }
        }
        return storeSetting;
    }

    /** The PostgreSQL pool of the stores, connected on first use; only when the store setting names one. */
    public synchronized ai.apprentice.store.Database database() {
        if (database == null) {
            try {
                database = storeSetting().connect(env);
            } catch (ai.apprentice.store.StoreException e) {
                throw new HarnessException(e.getMessage(), e);
            }
        }
        return database;
    }

    /**
     * Traces and metrics of the runs of agents with these settings, or null when telemetry is off: no OpenTelemetry
     * was given to the builder and the settings name no endpoint ({@code telemetry.otlp_endpoint} or
     * {@code OTEL_EXPORTER_OTLP_ENDPOINT}). Then nothing of OpenTelemetry is built. Made once per harness: the
     * first endpoint configured is where everything goes; another one named later is a warning.
     */
    public synchronized ai.apprentice.harness.telemetry.Telemetry telemetry(Settings settings) {
        var endpoint = settings.telemetryEndpoint();
        if (telemetry == null) {
            var redactor = ai.apprentice.redact.Redactor.of(env); // what the store hides, spans hide too
            if (givenTelemetry != null) {
                telemetry = ai.apprentice.harness.telemetry.Telemetry.using(givenTelemetry, redactor, this::warnOnce);
            } else if (endpoint.isPresent()) {
                try {
                    telemetry = ai.apprentice.harness.telemetry.Telemetry.otlp(endpoint.get(), settings.telemetryServiceName(), env,
                            redactor, this::warnOnce);
                } catch (IllegalArgumentException e) {
                    throw new HarnessException(e.getMessage(), e);
                }
                telemetryEndpoint = endpoint.get();
            }
        } else if (telemetryEndpoint != null && endpoint.isPresent() && !endpoint.get().equals(telemetryEndpoint)) {
            warnOnce("telemetry goes to " + telemetryEndpoint + " for as long as this process runs; " + endpoint.get() + " is ignored");
        }
        return telemetry;
    }

    /** Long-term memory in $APPRENTICE_HOME/memory, opened on first use (the embedding model loads on first text). */
    public synchronized MemoryStore memory() {
        if (memory == null) {
            try {
                if (storeSetting().postgresql()) {
                    // this machine's index of the shared memories, one per database (it catches up from that database's log)
                    var id = ai.apprentice.harness.config.ConfigLoader.sha256(database().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    var dir = home.resolve("memory").resolve("index-pg-" + id.substring(0, 16));
                    Files.createDirectories(dir);
                    memory = MemoryStore.open(database(), org.apache.lucene.store.FSDirectory.open(dir), new OnnxEmbedder());
                } else {
                    memory = MemoryStore.open(home.resolve("memory"), new OnnxEmbedder());
                }
            } catch (ai.apprentice.memory.MemoryException | ai.apprentice.store.StoreException e) {
                throw new HarnessException(e.getMessage(), e); // it says which file and why
            } catch (IOException e) {
                throw new HarnessException("Cannot open the memory index in " + home.resolve("memory") + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new HarnessException("Cannot open the memory store in " + home.resolve("memory") + ": " + e.getMessage(), e);
            }
        }
        return memory;
    }

    /** What learning changed: the playbook and learned skills with their versions, and the gate's decisions. */
    public synchronized LearnedStore learned() {
        if (learned == null) {
            try {
                learned = storeSetting().postgresql() ? LearnedStore.open(database()) : LearnedStore.open(home.resolve("learning").resolve("learned.db"));
            } catch (IllegalStateException e) {
                throw new HarnessException(e.getMessage(), e);
            }
        }
        return learned;
    }

    /**
     * How alike two lessons are in meaning, with the memory's embedding model (in process, nothing downloaded):
     * the playbook merges a lesson into one that says the same.
     */
    public Playbook.Similarity lessonSimilarity() {
        var embedder = new OnnxEmbedder();
        return (a, b) -> {
            if (Playbook.Similarity.EXACT.of(a, b) >= 1) return 1;
            var x = embedder.embed(a);
            var y = embedder.embed(b);
            if (x.length != y.length) return 0; // different embedding spaces (languages) are never compared
            double dot = 0;
            for (int i = 0; i < x.length; i++) dot += x[i] * y[i];
            return dot;
        };
    }

    /**
     * How skills are ranked for a task when the index is over its budget: the in-process embedding model's cosine
     * similarity of the task and each description (cached), with BM25 breaking near-ties; BM25 alone if the model
     * cannot load.
     */
    public ai.apprentice.skills.SkillCatalog.Relevance skillRelevance() {
        return skillRelevance;
    }

    private final ai.apprentice.skills.SkillCatalog.Relevance skillRelevance = new ai.apprentice.skills.SkillCatalog.Relevance() {
        private final Map<String, float[]> vectors = new java.util.concurrent.ConcurrentHashMap<>();
        private volatile boolean failed;

        @Override
        public List<Double> scores(String task, List<String> texts) {
            var lexical = ai.apprentice.skills.SkillCatalog.Relevance.LEXICAL.scores(task, texts);
            double top = lexical.stream().mapToDouble(Double::doubleValue).max().orElse(0);
            if (failed || task.isBlank()) return lexical;
            try {
                var embedder = new OnnxEmbedder(); // cheap: the loaded model is shared by every instance
                var q = embedder.embedQuery(task);
                var out = new java.util.ArrayList<Double>();
                for (int i = 0; i < texts.size(); i++) {
                    var v = vectors.computeIfAbsent(texts.get(i), embedder::embed);
                    double dot = 0;
                    if (v.length == q.length) for (int j = 0; j < v.length; j++) dot += v[j] * q[j];
                    out.add(dot + (top > 0 ? 0.05 * lexical.get(i) / top : 0));
                }
                return out;
            } catch (RuntimeException | LinkageError e) {
                failed = true;
                warnOnce("note: skills are ranked by their words only; the embedding model did not load (" + e.getMessage() + ")");
                return lexical;
            }
        }
    };

    /** The scopes an agent in {@code workspace} reads: the user's and the workspace's (the second is where it writes). */
    public static List<String> memoryScopes(Path workspace) {
        return List.of(Memory.USER, Memory.workspace(workspace.toAbsolutePath().normalize().toString()));
    }

    /** The skills of this workspace and user, in precedence order; problems are warnings, printed once. */
    public SkillCatalog skills(Path workspace) {
        return skills(workspace, List.of());
    }

    /** As {@link #skills(Path)}, with {@code first} (folders of skill folders) ahead of the standard places. */
    SkillCatalog skills(Path workspace, List<Path> first) {
        var builtIn = BuiltinSkills.unpack(home.resolve("builtin-skills"));
        var roots = new java.util.ArrayList<SkillCatalog.Root>();
        first.forEach(r -> roots.add(new SkillCatalog.Root(r, "candidate")));
        roots.addAll(SkillCatalog.standardRoots(workspace, home, userHome, builtIn));
        var catalog = SkillCatalog.discover(roots);
        warnSkillProblems(catalog.problems());
        return catalog;
    }

    /**
     * Skill problems are printed once, not on every run: each is remembered in {@code $APPRENTICE_HOME/skill-warnings}
     * with its file's size and modification time, so it comes back only when that file changes (or the problem is new).
     * {@code apprentice skills validate} always shows them all.
     */
    private synchronized void warnSkillProblems(List<ai.apprentice.skills.SkillProblem> problems) {
        if (problems.isEmpty()) return;
        var file = home.resolve("skill-warnings");
        var seen = new java.util.HashSet<String>();
        try {
            if (Files.isRegularFile(file)) seen.addAll(Files.readAllLines(file));
        } catch (IOException e) {
            // unreadable: every problem counts as new
        }
        var fresh = new java.util.ArrayList<String>();
        for (var p : problems) {
            String stamp;
            try {
                stamp = Files.size(p.file()) + "/" + Files.getLastModifiedTime(p.file()).toMillis();
            } catch (IOException e) {
                stamp = "?";
            }
            var key = ConfigLoader.sha256((p + "\u0000" + stamp).getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 32);
            if (seen.add(key)) {
                warnOnce("skill " + p);
                fresh.add(key);
            }
        }
        if (fresh.isEmpty()) return;
        try {
            Files.createDirectories(home);
            Files.write(file, fresh, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            // not remembered: shown again next time, which is harmless
        }
    }

    /**
     * Tools of the configured MCP servers, connected once per process and workspace; a server that cannot start is a
     * warning. The servers get the workspace as their root, and their log messages and progress go to {@link #err()}. A
     * server that asks for OAuth is signed in to on a terminal (the URL printed, the browser opened); elsewhere it is a
     * warning that names {@code apprentice mcp login NAME}.
     */
    synchronized List<Tool> mcpTools(Settings settings, Path workspace) {
        return mcpTools(settings, workspace, false, null);
    }

    /**
     * As above, for a run whose person may be asked ({@code personAsked}: ask mode on a terminal) and whose session
     * model is {@code model}. Servers' elicitation requests go to that person; in auto mode, or with nobody to ask,
     * they are declined at once with the reason. Their sampling requests are served by {@code model} once that person
     * approves (or without asking, for a server the user's own config allows: {@code mcp_servers.NAME.sampling: allow}),
     * within the budget of the run whose tool call they come during; otherwise they are refused with the reason.
     */
    synchronized List<Tool> mcpTools(Settings settings, Path workspace, boolean personAsked, java.util.function.Supplier<ai.apprentice.model.Model> model) {
        mcpPersonAsked = personAsked;
        mcpModel = model;
        mcpPrices = Session.prices(settings);
        return mcpConnect(settings, workspace);
    }

    /** The configured servers' tools, connected once per process and workspace (nothing about the run changes). */
    private List<Tool> mcpConnect(Settings settings, Path workspace) {
        List<McpServerConfig> servers;
        try {
            servers = McpServerConfig.fromConfig(settings.mcpServers());
        } catch (IllegalArgumentException e) {
            throw new HarnessException(e.getMessage(), e);
        }
        if (servers.isEmpty()) return List.of();
        var root = workspace.toAbsolutePath().normalize();
        var allowed = mcpSamplingAllowed(settings.mcpServers(), servers);
        var manager = mcp.computeIfAbsent(new McpKey(servers, root),
                k -> new McpClientManager(k.servers(), settings.requestTimeout(), List.of(root), notice -> err.println("mcp " + notice),
                        new McpTokenStore(home.resolve("mcp-tokens")), interactive ? McpSignIn.terminal(err, env) : null, mcpElicitor(),
                        // Sampling is declared only where it can be approved: a person at a terminal, or the user's allow.
                        interactive || !allowed.isEmpty() ? mcpSampler(allowed, mcpSamplingModels(settings, servers, root)) : null));
        var tools = manager.tools();
        manager.problems().forEach(this::warnOnce);
        return tools;
    }

    /** Why no person can be asked on a server's behalf now; null when one can (ask mode on a terminal). */
    private String mcpPersonAbsent() {
        if (!interactive) return "no person to ask: apprentice is not running on a terminal";
        if (!mcpPersonAsked) return "the run is in auto mode: apprentice asks its person nothing on a server's behalf";
        return null;
    }

    /** Servers' questions: to the person on the terminal when the latest run may ask them, else declined with why. */
    private ai.apprentice.mcp.McpElicitor mcpElicitor() {
        var terminal = new ai.apprentice.mcp.TerminalElicitor(line -> err.println("mcp " + line), prompter::line);
        return (server, request) -> {
            var absent = mcpPersonAbsent();
            return absent != null ? ai.apprentice.mcp.McpElicitor.declined(absent) : terminal.elicit(server, request);
        };
    }

    /**
     * Servers' sampling requests: served by the latest run's session model, approved by the user's config for the
     * servers in {@code allowed}, else by the person on the terminal when the run may ask them, else refused with why.
     */
    private ai.apprentice.mcp.McpSampler mcpSampler(java.util.Set<String> allowed, ai.apprentice.mcp.ModelSampler.Models models) {
        var terminal = ai.apprentice.mcp.ModelSampler.Approval.terminal(line -> err.println("mcp " + line), prompter::line);
        ai.apprentice.mcp.ModelSampler.Approval approval = (server, request) -> {
            if (allowed.contains(server)) return null;
            var absent = mcpPersonAbsent();
            if (absent != null) {
                return absent + "; sampling needs a person's approval (or mcp_servers." + server + ".sampling: allow in the user's config)";
            }
            return terminal.refusal(server, request);
        };
        return new ai.apprentice.mcp.ModelSampler(call -> {
            // the model of the run whose call the request came during; else (no call known) the latest session's
            var own = call == null || call.runId() == null ? null : runModels.get(call.runId());
            if (own != null) return own;
            var model = mcpModel;
            return model == null ? null : model.get();
        }, () -> mcpPrices, approval, models);
    }

    /**
     * The models a server's sampling requests may pick by their preferences: {@code sampling_models: [PROVIDER:MODEL, ...]}
     * in its entry of the user's own config.yaml, as for {@code sampling: allow} (a workspace's config cannot make a
     * server's calls go to a model the user did not name); an entry may be {@code {model: PROVIDER:MODEL, speed: N,
     * intelligence: N}} to rate it for the request's priorities (its cost is the price table's). Each built once, with
     * these settings' provider options.
     */
    private ai.apprentice.mcp.ModelSampler.Models mcpSamplingModels(Settings settings, List<McpServerConfig> servers, Path workspace) {
        var own = ownMcpServers();
        var byServer = new HashMap<String, List<ai.apprentice.mcp.ModelSampler.Rated>>();
        for (var s : servers) {
            if (!(own.get(s.name()) instanceof Map<?, ?> entry) || entry.get("sampling_models") == null) continue;
            var file = ConfigLoader.userFile(home);
            List<ai.apprentice.mcp.ModelSampler.Rated> rated;
            try {
                rated = samplingModels(entry.get("sampling_models"));
            } catch (IllegalArgumentException e) {
                warnOnce("mcp_servers." + s.name() + ".sampling_models in " + file + " is ignored: it must be a list of PROVIDER:MODEL"
                        + " or {model: PROVIDER:MODEL, speed: N, intelligence: N} (" + e.getMessage() + ")");
                continue;
            }
            try {
                if (!McpServerConfig.fromConfig(Map.of(s.name(), entry)).equals(List.of(s))) {
                    warnOnce("mcp_servers." + s.name() + ".sampling_models in " + file + " is ignored: a workspace's config redefines that server");
                    continue;
                }
            } catch (IllegalArgumentException e) {
                continue; // an invalid entry is reported where servers are read
            }
            byServer.put(s.name(), rated);
        }
        if (byServer.isEmpty()) return ai.apprentice.mcp.ModelSampler.Models.NONE;
        var built = new java.util.concurrent.ConcurrentHashMap<String, ai.apprentice.model.Model>();
        return new ai.apprentice.mcp.ModelSampler.Models() {
            @Override public List<String> configured(String server) {
                return rated(server).stream().map(ai.apprentice.mcp.ModelSampler.Rated::spec).toList();
            }
            @Override public List<ai.apprentice.mcp.ModelSampler.Rated> rated(String server) { return byServer.getOrDefault(server, List.of()); }
            @Override public ai.apprentice.model.Model build(String spec) { return built.computeIfAbsent(spec, k -> models.model(k, settings, workspace)); }
        };
    }

    /** {@code sampling_models}: each a PROVIDER:MODEL, or {model, speed?, intelligence?} with numbers >= 0; else why not. */
    static List<ai.apprentice.mcp.ModelSampler.Rated> samplingModels(Object value) {
        if (!(value instanceof List<?> list)) throw new IllegalArgumentException("not a list");
        var out = new java.util.ArrayList<ai.apprentice.mcp.ModelSampler.Rated>();
        for (var item : list) {
            if (item instanceof String spec) {
                if (spec.indexOf(':') <= 0) throw new IllegalArgumentException("'" + spec + "' is not PROVIDER:MODEL");
                out.add(ai.apprentice.mcp.ModelSampler.Rated.unrated(spec));
            } else if (item instanceof Map<?, ?> m) {
                for (var key : m.keySet()) {
                    if (!List.of("model", "speed", "intelligence").contains(String.valueOf(key))) {
                        throw new IllegalArgumentException("unknown key '" + key + "'" + ("cost".equals(key)
                                ? ": a model's cost is its price (the prices: table)" : ""));
                    }
                }
                if (!(m.get("model") instanceof String spec) || spec.indexOf(':') <= 0) {
                    throw new IllegalArgumentException("an entry's model must be PROVIDER:MODEL");
                }
                out.add(new ai.apprentice.mcp.ModelSampler.Rated(spec, rating(m, "speed"), rating(m, "intelligence")));
            } else {
                throw new IllegalArgumentException("an entry is " + (item == null ? "empty" : item.getClass().getSimpleName()));
            }
        }
        return List.copyOf(out);
    }

    private static Double rating(Map<?, ?> entry, String key) {
        var v = entry.get(key);
        if (v == null) return null;
        if (!(v instanceof Number n) || !(n.doubleValue() >= 0)) throw new IllegalArgumentException(key + " must be a number >= 0");
        return n.doubleValue();
    }

    /** The {@code mcp_servers} of the user's own config.yaml (not a workspace's); empty when it has none or cannot be read. */
    private Map<String, Object> ownMcpServers() {
        var file = ConfigLoader.userFile(home);
        if (!Files.isRegularFile(file)) return Map.of();
        try {
            var root = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(file.toFile());
            if (root == null || !root.path("mcp_servers").isObject()) return Map.of();
            return new com.fasterxml.jackson.databind.ObjectMapper().convertValue(root.get("mcp_servers"),
                    new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
        } catch (IOException | IllegalArgumentException e) {
            return Map.of(); // the config loader reports the file's errors; nothing is taken from it
        }
    }

    /**
     * The servers that may sample without a person asked: {@code sampling: allow} in their entry of the user's own
     * config.yaml, and only while the effective entry is the one that file defines. A workspace's config cannot give a
     * server free model calls (nothing the agent can write widens what it may do); there it is a warning.
     */
    private java.util.Set<String> mcpSamplingAllowed(Map<String, Object> effective, List<McpServerConfig> servers) {
        var allowed = new java.util.HashSet<String>();
        var file = ConfigLoader.userFile(home);
        var own = ownMcpServers();
        for (var s : servers) {
            if (!(own.get(s.name()) instanceof Map<?, ?> entry) || !"allow".equals(String.valueOf(entry.get("sampling")))) {
                if (effective.get(s.name()) instanceof Map<?, ?> e && e.get("sampling") != null && !"ask".equals(String.valueOf(e.get("sampling")))) {
                    warnOnce("mcp_servers." + s.name() + ".sampling: " + e.get("sampling") + " is ignored: only 'allow' in the user's config ("
                            + file + ") lets a server sample without a person's approval");
                }
                continue;
            }
            try {
                if (McpServerConfig.fromConfig(Map.of(s.name(), entry)).equals(List.of(s))) allowed.add(s.name());
                else warnOnce("mcp_servers." + s.name() + ".sampling: allow in " + file + " is ignored: a workspace's config redefines that server");
            } catch (IllegalArgumentException e) {
                // an invalid entry is reported where servers are read
            }
        }
        return java.util.Set.copyOf(allowed);
    }

    /** An MCP prompt named as a slash command ({@code mcp__SERVER__PROMPT}) as task text; empty when there is none. */
    java.util.Optional<String> mcpPrompt(Settings settings, Path workspace, String command, String words) {
        McpClientManager manager;
        synchronized (this) {
            mcpConnect(settings, workspace); // connects, once
            manager = mcp.get(new McpKey(McpServerConfig.fromConfig(settings.mcpServers()), workspace.toAbsolutePath().normalize()));
        }
        return manager == null ? java.util.Optional.empty() : manager.promptText(command, words);
    }

    @Override
    public synchronized void close() {
        mcp.values().forEach(McpClientManager::close);
        mcp.clear();
        if (telemetry != null) telemetry.close(); // ends open spans, flushes what is still to be exported
        telemetry = null;
        if (store != null) store.close();
        if (memory != null) memory.close();
        if (learned != null) learned.close();
        if (database != null) database.close(); // after the stores that borrow from it
    }

    public static final class Builder {
        private Map<String, String> env = System.getenv();
        private Path home;
        private Path userHome;
        private PrintStream err = System.err;
        private boolean interactive;
        private Prompter prompter = Prompter.NOBODY;
        private PolicyGate.Approver approver;
        private io.opentelemetry.api.OpenTelemetry telemetry;

        /** The process environment the harness reads (API keys, APPRENTICE_* settings); default the real one. */
        public Builder env(Map<String, String> env) { this.env = Objects.requireNonNull(env); return this; }
        /** Where state lives; default {@code $APPRENTICE_HOME} or {@code ~/.apprentice}. */
        public Builder home(Path home) { this.home = home; return this; }
        /** The user's home folder, whose ~/.claude, ~/.agents and ~/.codex skills are found; default {@code user.home}. */
        public Builder userHome(Path userHome) { this.userHome = userHome; return this; }
        public Builder err(PrintStream err) { this.err = Objects.requireNonNull(err); return this; }
        /** A person is at a terminal: ask mode is the default approval mode, and questions may be asked. */
        public Builder interactive(boolean on) { this.interactive = on; return this; }
        public Builder prompter(Prompter p) { this.prompter = Objects.requireNonNull(p); return this; }
        public Builder approver(PolicyGate.Approver a) { this.approver = a; return this; }

        /**
         * Send the traces and metrics of every run to {@code otel} (a server's own OpenTelemetry, or a test's with
         * in-memory exporters), whatever the settings say about an endpoint. The caller owns it: the harness does not
         * shut it down.
         */
        public Builder telemetry(io.opentelemetry.api.OpenTelemetry otel) { this.telemetry = Objects.requireNonNull(otel); return this; }

        public Harness build() {
            return new Harness(this);
        }
    }
}
