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
    /** A folder to look for skills in, and what to call skills found there. */
    public record Root(Path dir, String source) {}

    private final Map<String, Skill> skills = new LinkedHashMap<>();
    /** The skill each run loaded last, while its allowed-tools are pre-approved. */
    private final Map<String, Skill> activeByRun = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<SkillProblem> problems = new ArrayList<>();
    private final List<String> shadowed = new ArrayList<>();

    /**
     * The standard places, in precedence order: {@code <workspace>/.apprentice/skills},
     * {@code $APPRENTICE_HOME/skills}, then {@code <workspace>/.claude/skills} and {@code ~/.claude/skills}
     * so that existing skills work unchanged, then built-in skills.
     */
    public static List<Root> standardRoots(Path workspace, Path home, Path userHome, Path builtIn) {
        var roots = new ArrayList<Root>();
        roots.add(new Root(workspace.resolve(".apprentice/skills"), "workspace"));
        roots.add(new Root(home.resolve("skills"), "user"));
        roots.add(new Root(workspace.resolve(".claude/skills"), "claude-workspace"));
        roots.add(new Root(userHome.resolve(".claude/skills"), "claude-user"));
        if (builtIn != null) roots.add(new Root(builtIn, "built-in"));
        return roots;
    }

    public static SkillCatalog discover(List<Root> roots) {
        var catalog = new SkillCatalog();
        for (var root : roots) {
            if (!Files.isDirectory(root.dir())) continue;
            List<Path> dirs;
            try (var list = Files.list(root.dir())) {
                dirs = list.filter(d -> Files.isRegularFile(d.resolve("SKILL.md"))).sorted().toList();
            } catch (IOException e) {
                continue; // an unreadable folder contributes no skills
            }
            for (var dir : dirs) {
                var result = SkillParser.parse(dir, root.source());
                catalog.problems.addAll(result.problems());
                var skill = result.skill();
                if (skill == null) continue;
                if (catalog.skills.containsKey(skill.name())) {
                    catalog.shadowed.add(skill.dir() + " (hidden by " + catalog.skills.get(skill.name()).dir() + ")");
                } else {
                    catalog.skills.put(skill.name(), skill);
                }
            }
        }
        return catalog;
    }

    public List<Skill> skills() {
        return List.copyOf(skills.values());
    }

    public Optional<Skill> get(String name) {
        return Optional.ofNullable(skills.get(name));
    }

    public List<SkillProblem> problems() {
        return List.copyOf(problems);
    }

    /** Skills hidden by a skill of the same name found earlier. */
    public List<String> shadowed() {
        return List.copyOf(shadowed);
    }

    /** The skills the model is told about: not those only the user may start (disable-model-invocation). */
    private List<Skill> indexed() {
        return skills.values().stream().filter(s -> s.invocation().modelInvocable()).toList();
    }

    /** A rough token count (four characters a token), enough to keep the index within its budget. */
    public static int estimateTokens(String text) {
        return (text.length() + 3) / 4;
    }

    /**
     * The system-prompt section listing every skill's name and description, within {@code tokenBudget}:
     * descriptions are shortened first, then skills left out (they stay usable by name).
     */
    public String promptSection(int tokenBudget) {
        if (indexed().isEmpty()) return "";
        var header = "## Skills\nSkills are instructions for particular kinds of work. When one fits the task, call "
                + "use_skill with its name before you start, then follow it.\n";
        for (int maxDescription : new int[] {1024, 200, 100, 60}) {
            var sb = new StringBuilder(header);
            for (var s : indexed()) {
                var d = s.indexText().replaceAll("\\s+", " ");
                if (d.length() > maxDescription) d = d.substring(0, maxDescription - 1) + "…";
                sb.append("- ").append(s.name()).append(": ").append(d).append('\n');
            }
            if (estimateTokens(sb.toString()) <= tokenBudget) return sb.toString();
        }
        var sb = new StringBuilder(header);
        int shown = 0;
        var all = indexed();
        for (var s : all) {
            var line = "- " + s.name() + ": " + (s.indexText().length() > 60 ? s.indexText().substring(0, 59) + "…" : s.indexText()) + "\n";
            if (estimateTokens(sb + line) + 20 > tokenBudget) break;
            sb.append(line);
            shown++;
        }
        return sb.append("(").append(all.size() - shown).append(" more skills; call use_skill with a name to load one)\n").toString();
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
                    var skill = skills.get(name);
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
            sb.append("\nWhile this skill is in use these are pre-approved: ").append(String.join(" ", skill.allowedTools()))
                    .append(" (within the user's rules and the sandbox; other tools keep their usual permissions)\n");
        }
        return sb.toString();
    }

    private List<String> modelInvocableNames() {
        return skills.values().stream().filter(s -> s.invocation().modelInvocable()).map(Skill::name).toList();
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
