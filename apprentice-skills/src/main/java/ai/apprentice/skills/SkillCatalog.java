package ai.apprentice.skills;

import ai.apprentice.json.Json;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolContext;
import ai.apprentice.tool.ToolResult;
import ai.apprentice.tool.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The skills an agent can use, found in folders in precedence order (the first skill of a name wins), and
 * what the agent sees of them: an index of names and descriptions in its system prompt, within a token
 * budget, and the {@code use_skill} tool that returns one skill's instructions and files.
 */
public final class SkillCatalog {
    /** A folder of skill folders, what to call skills found there, and the plugin they belong to (or null). */
    public record Root(Path dir, String source, Skill.Plugin plugin) {
        public Root(Path dir, String source) {
            this(dir, source, null);
        }
    }

    /** Where the skills of other agents live, in a workspace and in the user's home, and what their sources are called. */
    private static final List<String[]> AGENT_FOLDERS = List.of(
            new String[] {".agents/skills", "agents"}, new String[] {".claude/skills", "claude"}, new String[] {".codex/skills", "codex"});
    /** Folders never searched for nested skills (dependencies, build output, version control). */
    private static final java.util.Set<String> SKIP = java.util.Set.of(".git", "node_modules", "target", "build", "dist", ".venv",
            "venv", "__pycache__", ".gradle", ".idea");
    static final int NESTED_DEPTH = 4;
    static final int PLUGIN_DEPTH = 6;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Every skill found, in precedence order. */
    private final List<Skill> all = new ArrayList<>();
    /** Each skill under the names it answers to: its name (the first of that name wins it) and its qualified name. */
    private final Map<String, Skill> skills = new LinkedHashMap<>();
    /** The skill each run loaded last, while its allowed-tools are pre-approved. */
    private final Map<String, Skill> activeByRun = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<SkillProblem> problems = new ArrayList<>();
    private final List<String> shadowed = new ArrayList<>();

    /**
     * The standard places, in precedence order: {@code <workspace>/.apprentice/skills}, {@code $APPRENTICE_HOME/skills};
     * then the other agents' folders, so that their skills work unchanged: {@code .agents/skills} (the cross-agent
     * location), {@code .claude/skills} and {@code .codex/skills} of the workspace, of its parent folders up to the
     * repository's root (a monorepo's subfolder being worked in), and of its subfolders (a monorepo's packages, up to
     * {@value #NESTED_DEPTH} levels down); the same three in the user's home; Claude Code plugins
     * ({@code .claude-plugin/plugin.json}) under {@code <workspace>/.claude/plugins}, {@code $APPRENTICE_HOME/plugins}
     * and {@code ~/.claude/plugins}; then built-in skills.
     */
    public static List<Root> standardRoots(Path workspace, Path home, Path userHome, Path builtIn) {
        var ws = workspace.toAbsolutePath().normalize();
        var roots = new ArrayList<Root>();
        roots.add(new Root(ws.resolve(".apprentice/skills"), "workspace"));
        roots.add(new Root(home.resolve("skills"), "user"));
        for (var f : AGENT_FOLDERS) roots.add(new Root(ws.resolve(f[0]), f[1] + "-workspace"));
        var repository = repositoryRoot(ws);
        if (repository != null && !repository.equals(ws)) { // a subfolder of a repository: its parents' folders count too
            var user = userHome.toAbsolutePath().normalize();
            for (var up = ws.getParent(); up != null; up = up.getParent()) {
                if (!up.equals(user)) { // the home's folders come later, as the user's
                    for (var f : AGENT_FOLDERS) roots.add(new Root(up.resolve(f[0]), f[1] + "@" + slashes(ws.relativize(up))));
                }
                if (up.equals(repository)) break;
            }
        }
        for (var nested : nested(ws)) {
            for (var f : AGENT_FOLDERS) {
                if (Files.isDirectory(nested.resolve(f[0]))) roots.add(new Root(nested.resolve(f[0]), f[1] + "@" + slashes(ws.relativize(nested))));
            }
        }
        for (var f : AGENT_FOLDERS) roots.add(new Root(userHome.resolve(f[0]), f[1] + "-user"));
        for (var dir : List.of(ws.resolve(".claude/plugins"), home.resolve("plugins"), userHome.resolve(".claude/plugins"))) {
            roots.addAll(plugins(dir));
        }
        if (builtIn != null) roots.add(new Root(builtIn, "built-in"));
        return roots;
    }

    /** The nearest folder at or above {@code dir} with a {@code .git}, or null when it is in no repository. */
    static Path repositoryRoot(Path dir) {
        for (var d = dir; d != null; d = d.getParent()) if (Files.exists(d.resolve(".git"))) return d;
        return null;
    }

    private static String slashes(Path p) {
        return p.toString().replace('\\', '/');
    }

    /** Subfolders of the workspace (not the workspace itself) that have another agent's skills folder. */
    private static List<Path> nested(Path ws) {
        var found = new ArrayList<Path>();
        try (var walk = Files.walk(ws, NESTED_DEPTH)) {
            walk.filter(Files::isDirectory)
                    .filter(d -> !d.equals(ws) && ws.relativize(d).getNameCount() > 0)
                    .filter(d -> { // not inside a skipped or hidden folder
                        for (var part : ws.relativize(d)) if (SKIP.contains(part.toString()) || part.toString().startsWith(".")) return false;
                        return true;
                    })
                    .filter(d -> AGENT_FOLDERS.stream().anyMatch(f -> Files.isDirectory(d.resolve(f[0]))))
                    .sorted().forEach(found::add);
        } catch (IOException | java.io.UncheckedIOException e) {
            // an unreadable subfolder contributes no skills
        }
        return found;
    }

    /** Claude Code plugins under {@code dir}: folders with {@code .claude-plugin/plugin.json}, named by its "name". */
    static List<Root> plugins(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        var roots = new ArrayList<Root>();
        try (var walk = Files.walk(dir, PLUGIN_DEPTH)) {
            for (var manifest : walk.filter(p -> p.endsWith(Path.of(".claude-plugin", "plugin.json"))).sorted().toList()) {
                var root = manifest.getParent().getParent();
                String name;
                try {
                    name = JSON.readTree(manifest.toFile()).path("name").asText(root.getFileName().toString());
                } catch (IOException e) {
                    name = root.getFileName().toString(); // a broken manifest: the folder's name, as a fallback
                }
                if (name.isBlank() || name.contains(":")) name = root.getFileName().toString();
                roots.add(new Root(root, "plugin", new Skill.Plugin(name, root)));
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // an unreadable plugin folder contributes nothing
        }
        // Claude Code's cache keeps a folder per installed version: of one plugin name, the most recently written wins.
        var newest = new LinkedHashMap<String, Root>();
        for (var r : roots) newest.merge(r.plugin().name(), r, (a, b) -> modified(b) > modified(a) ? b : a);
        return List.copyOf(newest.values());
    }

    private static long modified(Root plugin) {
        try {
            return Files.getLastModifiedTime(plugin.dir().resolve(".claude-plugin/plugin.json")).toMillis();
        } catch (IOException e) {
            return Long.MIN_VALUE;
        }
    }

    public static SkillCatalog discover(List<Root> roots) {
        var catalog = new SkillCatalog();
        var seen = new java.util.HashSet<Path>();
        for (var root : roots) {
            if (!Files.isDirectory(root.dir())) continue;
            for (var result : root.plugin() == null ? folders(root) : pluginSkills(root)) {
                catalog.problems.addAll(result.problems());
                var skill = result.skill();
                if (skill != null && seen.add(skill.skillFile())) catalog.add(skill);
            }
        }
        return catalog;
    }

    private static List<SkillParser.Result> folders(Root root) {
        try (var list = Files.list(root.dir())) {
            return list.filter(d -> Files.isRegularFile(d.resolve("SKILL.md")) || Files.isRegularFile(d.resolve("skill.md")))
                    .sorted().map(d -> SkillParser.parse(d, root.source())).toList();
        } catch (IOException e) {
            return List.of(); // an unreadable folder contributes no skills
        }
    }

    /** A plugin's {@code skills/NAME/SKILL.md} and {@code commands/NAME.md}. */
    private static List<SkillParser.Result> pluginSkills(Root root) {
        var results = new ArrayList<SkillParser.Result>();
        var skillsDir = root.dir().resolve("skills");
        if (Files.isDirectory(skillsDir)) {
            try (var list = Files.list(skillsDir)) {
                list.filter(d -> Files.isRegularFile(d.resolve("SKILL.md")) || Files.isRegularFile(d.resolve("skill.md"))).sorted()
                        .forEach(d -> results.add(SkillParser.parse(d, root.source(), root.plugin())));
            } catch (IOException e) {
                // unreadable: nothing from here
            }
        }
        var commands = root.dir().resolve("commands");
        if (Files.isDirectory(commands)) {
            try (var list = Files.list(commands)) {
                list.filter(f -> f.toString().endsWith(".md") && Files.isRegularFile(f)).sorted()
                        .forEach(f -> results.add(SkillParser.parseCommand(f, root.source(), root.plugin())));
            } catch (IOException e) {
                // unreadable: nothing from here
            }
        }
        return results;
    }

    /**
     * Registers a skill under its names: a plugin's skill only as {@code plugin:name} (plugins never hide other skills);
     * any other as its name when no earlier skill has it, and as {@code source:name}, so that both of two skills of one
     * name stay addressable.
     */
    private void add(Skill skill) {
        all.add(skill);
        if (skill.plugin() != null) {
            skills.putIfAbsent(skill.qualifiedName(), skill);
            return;
        }
        var first = skills.get(skill.name());
        if (first == null) skills.put(skill.name(), skill);
        else shadowed.add(skill.dir() + " (its name is taken by " + first.dir() + "; use " + skill.source() + ":" + skill.name() + ")");
        skills.putIfAbsent(skill.source() + ":" + skill.name(), skill);
    }

    /** The name a skill is listed under: its own when it has it, else its qualified one. */
    public String nameOf(Skill skill) {
        if (skill.plugin() != null) return skill.qualifiedName();
        return skills.get(skill.name()) == skill ? skill.name() : skill.source() + ":" + skill.name();
    }

    public List<Skill> skills() {
        return List.copyOf(all);
    }

    /** A skill by name, qualified name ({@code plugin:skill}, {@code claude-user:skill}), or name in any case. */
    public Optional<Skill> get(String name) {
        var s = skills.get(name);
        return Optional.ofNullable(s != null ? s : skills.get(name.strip().toLowerCase(java.util.Locale.ROOT)));
    }

    public List<SkillProblem> problems() {
        return List.copyOf(problems);
    }

    /** Skills whose name an earlier skill has: they are addressable by qualified name. */
    public List<String> shadowed() {
        return List.copyOf(shadowed);
    }

    /** The skills the model is told about: not those only the user may start (disable-model-invocation). */
    private List<Skill> indexed() {
        return all.stream().filter(s -> s.invocation().modelInvocable()).toList();
    }

    /** A rough token count (four characters a token), enough to keep the index within its budget. */
    public static int estimateTokens(String text) {
        return (text.length() + 3) / 4;
    }

    /** How relevant each text is to a task (higher is more); only the order matters. */
    @FunctionalInterface
    public interface Relevance {
        /** BM25 over the words: no model needed. */
        Relevance LEXICAL = Bm25::scores;

        List<Double> scores(String task, List<String> texts);
    }

    private static final String HEADER = "## Skills\nSkills are instructions for particular kinds of work. When one fits the task, call "
            + "use_skill with its name before you start, then follow it.\n";
    private static final String RANKED = "(There are more skills than room to describe them all: those most relevant to this task "
            + "come first, with their full descriptions.)\n";

    /** Whether every skill's full description fits in {@code tokenBudget}: then the index is the same for every task. */
    public boolean fitsFully(int tokenBudget) {
        return estimateTokens(section(indexed(), indexed().size(), 1024)) <= tokenBudget;
    }

    /** The index without a task: in discovery order (see {@link #promptSection(int, String, Relevance)}). */
    public String promptSection(int tokenBudget) {
        return promptSection(tokenBudget, "", (task, texts) -> texts.stream().map(t -> 0.0).toList());
    }

    /**
     * The system-prompt section listing the skills the model may use, within {@code tokenBudget}. When all fit with
     * full descriptions they are listed in discovery order. Otherwise they are ranked by {@code relevance} to
     * {@code task}: the most relevant get their full descriptions (then 200 characters) as long as room is left, the
     * rest 60 characters; skills that still do not fit are named at the end, least relevant last, and stay usable.
     */
    public String promptSection(int tokenBudget, String task, Relevance relevance) {
        var list = indexed();
        if (list.isEmpty()) return "";
        if (fitsFully(tokenBudget)) return section(list, list.size(), 1024);
        var scores = relevance.scores(task == null ? "" : task, list.stream().map(Skill::indexText).toList());
        var order = new ArrayList<Integer>();
        for (int i = 0; i < list.size(); i++) order.add(i);
        order.sort((x, y) -> Double.compare(scores.get(y), scores.get(x))); // stable: ties keep discovery order
        var ranked = order.stream().map(list::get).toList();
        var lines = new ArrayList<String>();
        ranked.forEach(s -> lines.add(line(s, 60)));
        int fixed = estimateTokens(HEADER + RANKED);
        // Least relevant first out, into a list of names, until the rest fits.
        int shown = ranked.size();
        while (shown > 0 && fixed + tokens(lines, shown) + estimateTokens(tail(ranked, shown)) > tokenBudget) shown--;
        if (shown == 0 || fixed + tokens(lines, shown) + estimateTokens(tail(ranked, shown)) > tokenBudget) {
            shown = 0;
            while (shown < ranked.size() && fixed + tokens(lines, shown + 1) + estimateTokens(countTail(ranked.size() - shown - 1)) <= tokenBudget) shown++;
            return HEADER + RANKED + String.join("", lines.subList(0, shown)) + countTail(ranked.size() - shown);
        }
        String tail = tail(ranked, shown);
        int used = fixed + tokens(lines, shown) + estimateTokens(tail);
        // The most relevant get longer descriptions while room is left.
        for (int i = 0; i < shown; i++) {
            boolean grown = false;
            for (int max : new int[] {1024, 200}) {
                var longer = line(ranked.get(i), max);
                int delta = estimateTokens(longer) - estimateTokens(lines.get(i));
                if (delta >= 0 && used + delta <= tokenBudget) {
                    used += delta;
                    lines.set(i, longer);
                    grown = true;
                    break;
                }
            }
            if (!grown) break;
        }
        return HEADER + RANKED + String.join("", lines.subList(0, shown)) + tail;
    }

    private String section(List<Skill> list, int n, int maxDescription) {
        var sb = new StringBuilder(HEADER);
        for (int i = 0; i < n; i++) sb.append(line(list.get(i), maxDescription));
        return sb.toString();
    }

    private String line(Skill s, int maxDescription) {
        var d = s.indexText().replaceAll("\\s+", " ").strip();
        if (d.length() > maxDescription) d = d.substring(0, maxDescription - 1) + "…";
        return "- " + nameOf(s) + ": " + d + "\n";
    }

    private static int tokens(List<String> lines, int n) {
        int t = 0;
        for (int i = 0; i < n; i++) t += estimateTokens(lines.get(i));
        return t;
    }

    private String tail(List<Skill> ranked, int shown) {
        if (shown >= ranked.size()) return "";
        return "(" + (ranked.size() - shown) + " more skills; call use_skill with a name to load one: "
                + String.join(", ", ranked.subList(shown, ranked.size()).stream().map(this::nameOf).toList()) + ")\n";
    }

    private static String countTail(int more) {
        return more <= 0 ? "" : "(" + more + " more skills; call use_skill with a name to load one)\n";
    }

    /**
     * The skill a run loaded last, whose {@code allowed-tools} are pre-approved while it is in use (until the run
     * loads another skill or ends); empty when none or when it lists no tools.
     */
    public Optional<Skill> active(String runId) {
        return runId == null ? Optional.empty() : Optional.ofNullable(activeByRun.get(runId));
    }

    /** Makes {@code skill} the one in use by {@code runId} (use_skill does this; so does a subagent started with a skill). */
    public void activate(String runId, Skill skill) {
        if (runId == null) return;
        if (skill == null || skill.allowedTools().isEmpty()) activeByRun.remove(runId);
        else activeByRun.put(runId, skill);
    }

    /** Forgets what {@code runId} had in use (a subagent's run, when it ends). */
    public void deactivate(String runId) {
        if (runId != null) activeByRun.remove(runId);
    }

    /** Room for the header, the file list and notes next to the body in a use_skill result. */
    static final int LISTING_CHARS = 40_000;

    /** What use_skill needs from the session to run a skill's commands and its forked context. */
    public interface Runner {
        /** No shell and no subagents: commands are not run, {@code context: fork} skills are loaded inline. */
        Runner NONE = new Runner() {
            public SkillText.Shell shell(ToolContext ctx) { return SkillText.Shell.NONE; }
            public String fork(Skill skill, String instructions, ToolContext ctx) { return null; }
        };

        /** The shell for {@code !`command`} lines, through the session's permission policy, for the run of {@code ctx}. */
        SkillText.Shell shell(ToolContext ctx);

        /** Runs {@code instructions} in a subagent with its own context; what to tell the caller, or null to load inline. */
        String fork(Skill skill, String instructions, ToolContext ctx) throws Exception;
    }

    /**
     * Claude Code's {@code Skill} tool, as another name for use_skill: its {@code skill} (or {@code command}) argument is
     * our {@code name}, its {@code args} our {@code arguments}; a leading {@code /} is dropped.
     */
    public static ai.apprentice.tool.ToolAlias claudeSkillAlias() {
        return new ai.apprentice.tool.ToolAlias("Skill", "use_skill", a -> {
            for (var from : List.of("skill", "command")) {
                if (a.has(from) && !a.has("name")) a.set("name", a.remove(from));
            }
            if (a.has("args") && !a.has("arguments")) a.set("arguments", a.remove("args"));
            if (a.path("name").isTextual() && a.get("name").asText().startsWith("/")) a.put("name", a.get("name").asText().substring(1));
            a.retain("name", "arguments");
            return a;
        });
    }

    /** {@code use_skill(name)} with no shell and no subagents (a library agent, a test). */
    public Tool useSkillTool() {
        return useSkillTool(Runner.NONE);
    }

    /**
     * {@code use_skill(name, arguments?)}: the skill's instructions and the list of its files, with their folder. Its
     * result has its own limit (the body's plus the listing's), so the run's tool-result cap never cuts instructions in
     * the middle. {@code Skill} is Claude Code's name for the same tool (an alias the harness registers).
     */
    public Tool useSkillTool(Runner runner) {
        var tool = Tools.builder("use_skill")
                .description("Load a skill's instructions by name (see the Skills list). Returns the instructions and "
                        + "the skill's files, which you can read with read_file or run with run_shell.")
                .schema(Json.tree("""
                        {"type":"object","properties":{"name":{"type":"string","description":"the skill's name"},
                          "arguments":{"type":"string","description":"arguments for the skill, if it takes any"}},
                         "required":["name"],"additionalProperties":false}"""))
                .execute((args, ctx) -> {
                    var name = args.get("name").asText();
                    var skill = get(name).orElse(null);
                    if (skill == null) {
                        return ToolResult.error("No skill named '" + name + "'. Available: " + String.join(", ", modelInvocableNames()));
                    }
                    if (!skill.invocation().modelInvocable()) {
                        return ToolResult.error("The skill '" + name + "' is started only by the user (/" + name
                                + "); it has disable-model-invocation set. Go on without it, or ask the user to run it.");
                    }
                    String arguments = args.hasNonNull("arguments") ? args.get("arguments").asText() : null;
                    return load(skill, arguments, ctx, runner, "");
                });
        return withOwnLimit(tool, Skill.MAX_BODY_CHARS + LISTING_CHARS);
    }

    /**
     * A skill put into use by a run: made the run's active skill (its allowed-tools pre-approved), its body rendered
     * (substitutions, commands), then either run in a subagent ({@code context: fork}) or returned with its files.
     * {@code intro} goes before it (a user's {@code /name} invocation says so).
     */
    public String load(Skill skill, String arguments, ToolContext ctx, Runner runner, String intro) throws Exception {
        if (ctx != null) activate(ctx.runId(), skill);
        var shell = runner.shell(ctx);
        var body = SkillText.render(skill, skill.body(), arguments, ctx == null ? null : ctx.runId(), shell);
        if (skill.invocation().fork()) {
            var answer = runner.fork(skill, body, ctx);
            if (answer != null) return intro + answer;
        }
        var sb = new StringBuilder(intro).append("# Skill: ").append(skill.name()).append("\nFolder: ").append(skill.dir()).append("\n\n");
        sb.append(body).append('\n');
        appendFiles(sb, skill);
        if (!skill.allowedTools().isEmpty()) {
            sb.append("\nThis skill lists as pre-approved: ").append(String.join(" ", skill.allowedTools()))
                    .append(". Where the user's settings allow it, these run without asking while the skill is in use; "
                            + "other tools keep their usual permissions.\n");
        }
        return sb.toString();
    }

    private List<String> modelInvocableNames() {
        return all.stream().filter(s -> s.invocation().modelInvocable()).map(this::nameOf).toList();
    }

    /** Every file of the skill, at any depth; a listing too long for the result says how to list the rest. */
    private static void appendFiles(StringBuilder sb, Skill skill) throws IOException {
        var files = skill.files();
        if (files.isEmpty()) return;
        sb.append("\nFiles of this skill (relative to its folder):\n");
        int budget = LISTING_CHARS - 2_000, shown = 0;
        for (var f : files) {
            if (budget - f.length() - 3 < 0) break;
            sb.append("- ").append(f).append('\n');
            budget -= f.length() + 3;
            shown++;
        }
        if (shown < files.size()) {
            sb.append("[").append(files.size() - shown).append(" more files; list them with list_files path=").append(skill.dir()).append("]\n");
        }
    }

    private static Tool withOwnLimit(Tool tool, int maxChars) {
        return new Tool() {
            @Override public String name() { return tool.name(); }
            @Override public String description() { return tool.description(); }
            @Override public com.fasterxml.jackson.databind.JsonNode parameters() { return tool.parameters(); }
            @Override public ToolResult execute(com.fasterxml.jackson.databind.JsonNode a, ai.apprentice.tool.ToolContext c) throws Exception {
                return tool.execute(a, c);
            }
            @Override public int maxResultChars() { return maxChars; }
        };
    }
}
