package ai.apprentice.envs.repo;

import ai.apprentice.envs.ActionBudget;
import ai.apprentice.envs.EpisodeFolders;
import ai.apprentice.envs.Episode;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.json.Json;
import ai.apprentice.tool.Tool;
import ai.apprentice.tools.ShellTool;
import ai.apprentice.tools.Workspace;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One bug to fix in a private copy of a repository, with the file tools and a sandboxed shell confined to
 * it. The reward runs the hidden tests in a second copy, so the agent can neither see nor edit them; both
 * copies are deleted when the episode is closed.
 */
final class RepoEpisode implements Episode {
    static final int MAX_ACTIONS = 40;
    static final int TEST_TIMEOUT_SECONDS = 60;
    static final int SHELL_TIMEOUT_SECONDS = 60;

    private final String taskId;
    private final Mutant mutant;
    private final Path dir;
    private final ShellTool.Settings shell;
    private final ActionBudget budget = new ActionBudget(MAX_ACTIONS);
    private final List<Tool> tools;
    private Reward reward;

    RepoEpisode(String taskId, Mutant mutant, Path dir, ShellTool.Settings shell) {
        this.taskId = taskId;
        this.mutant = mutant;
        this.dir = dir;
        this.shell = shell;
        this.tools = budget.counted(EpisodeFolders.tools(dir, shell));
    }

    /** Writes the repository with the bug into {@code dir}. */
    static void materialize(Mutant mutant, Path dir) throws IOException {
        for (var e : mutant.template().visibleFiles().entrySet()) {
            var file = dir.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            String text = e.getKey().equals(mutant.file()) ? mutant.apply(mutant.template().files().get(e.getKey())) : e.getValue();
            Files.writeString(file, text);
        }
    }

    @Override public String taskId() { return taskId; }
    Mutant mutant() { return mutant; }
    Path dir() { return dir; }
    @Override public String policy() {
        return "You fix bugs in a repository. Use the file tools and run_shell in the repository's folder: read the code, run "
                + "the tests with `sh run_tests.sh`, find the cause, and change the source code (not the tests) so that the "
                + "tests pass. Hidden tests check your fix too, so fix the cause rather than one test case. Say when you are done.";
    }
    @Override public String firstUserMessage() {
        var t = mutant.template();
        return "The " + (t.language() == RepoTemplate.Language.JAVA ? "Java" : "Python") + " repository `" + t.name().substring(t.name().indexOf('-') + 1)
                + "` in your workspace has a bug: `sh run_tests.sh` shows a failing test. Fix the bug in the source code without "
                + "changing the tests, then tell me you are done.";
    }
    @Override public String reply(String agentMessage) {
        budget.reply();
        return UserSimulator.STOP;
    }
    @Override public boolean done() { return budget.done(); }
    @Override public int actions() { return budget.actions(); }
    @Override public int maxActions() { return MAX_ACTIONS; }
    @Override public List<Tool> tools() { return tools; }
    @Override public List<String> goldOutputs() { return List.of(); }

    /** Write back the file as it was before the mutation. */
    @Override
    public List<JsonNode> goldActions() {
        String fixed = RepoTemplate.strip(mutant.template().files().get(mutant.file()));
        return List.of(Json.object().put("name", "write_file").set("kwargs", Json.object().put("path", mutant.file()).put("content", fixed)));
    }

    /** The hidden tests, run once on a copy of the agent's repository with the original tests put back. */
    @Override
    public synchronized Reward reward() {
        if (reward != null) return reward;
        try {
            var run = runAllTests();
            return reward = score(run.results(), run.output());
        } catch (IOException | ai.apprentice.tools.ToolException e) {
            return reward = new Reward(0, "the hidden tests could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reward(0, "interrupted while running the hidden tests");
        }
    }

    record TestRun(Map<String, Boolean> results, String output) {}

    /** Visible and hidden tests on a copy of the repository as it is now, with every test file as shipped. */
    TestRun runAllTests() throws IOException, InterruptedException, ai.apprentice.tools.ToolException {
        Path check = dir.resolveSibling(dir.getFileName() + "-check");
        try {
            EpisodeFolders.copy(dir, check, rel -> rel.equals("build") || rel.startsWith("build/") || rel.contains("__pycache__"));
            var template = mutant.template();
            for (var e : template.files().entrySet()) {
                var p = e.getKey();
                boolean test = p.startsWith("test/") || p.startsWith("tests/") || RepoTemplate.hidden(p) || p.equals("run_tests.sh");
                if (!test) continue;
                var target = check.resolve(RepoTemplate.hidden(p) ? RepoTemplate.testPathOf(p) : p);
                Files.createDirectories(target.getParent());
                Files.writeString(target, RepoTemplate.strip(e.getValue()));
            }
            var run = new ShellTool(new Workspace(check), shell).run(template.testCommand(), TEST_TIMEOUT_SECONDS);
            return new TestRun(template.results(run.content()), run.content());
        } finally {
            EpisodeFolders.delete(check);
        }
    }

    /** 1 when every fail-to-pass test (those of the mutated function) and every pass-to-pass test passes. */
    Reward score(Map<String, Boolean> results, String output) {
        if (results.isEmpty()) {
            String tail = output.length() > 600 ? "..." + output.substring(output.length() - 600) : output;
            return new Reward(0, "no test ran (the code does not compile or import?): " + tail.strip());
        }
        var failToPass = new ArrayList<String>();
        var passToPass = new ArrayList<String>();
        results.forEach((name, ok) -> {
            if (!ok) (RepoTemplate.Language.functionOf(name).equals(mutant.function()) ? failToPass : passToPass).add(name);
        });
        long f2p = results.keySet().stream().filter(n -> RepoTemplate.Language.functionOf(n).equals(mutant.function())).count();
        long p2p = results.size() - f2p;
        String summary = String.format("fail-to-pass %d/%d pass, pass-to-pass %d/%d pass", f2p - failToPass.size(), f2p, p2p - passToPass.size(), p2p);
        if (failToPass.isEmpty() && passToPass.isEmpty() && f2p > 0) return new Reward(1, "the bug is fixed: " + summary);
        var failing = new ArrayList<>(failToPass);
        failing.addAll(passToPass);
        return new Reward(0, summary + "; failing: " + String.join(", ", failing.subList(0, Math.min(8, failing.size()))));
    }

    @Override
    public void close() {
        EpisodeFolders.delete(dir);
    }
}
