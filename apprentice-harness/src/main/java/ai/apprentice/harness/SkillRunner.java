package ai.apprentice.harness;

import ai.apprentice.json.Json;
import ai.apprentice.model.ToolCall;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.skills.Skill;
import ai.apprentice.skills.SkillCatalog;
import ai.apprentice.skills.SkillText;
import ai.apprentice.skills.SpawnAgentTool;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolContext;
import ai.apprentice.tool.ToolGate;
import java.util.List;

/**
 * What a session gives use_skill: a shell for a skill's {@code !`command`} lines that goes through the agent's own
 * permission policy (ASK mode asks the person; AUTO mode runs them only inside the sandbox, else refuses them), and
 * subagents for {@code context: fork} skills, nested and budgeted like spawn_agent's.
 */
final class SkillRunner implements SkillCatalog.Runner {
    private final Session session;
    private final SkillCatalog catalog;
    private final ToolGate policy;
    private final Tool shell;
    private final boolean forks;

    /**
     * @param shell the agent's run_shell, or null when it has none (then commands are not run)
     * @param forks whether {@code context: fork} skills run in a subagent (false: loaded inline, the caller runs them)
     */
    SkillRunner(Session session, SkillCatalog catalog, ToolGate policy, Tool shell, boolean forks) {
        this.session = session;
        this.catalog = catalog;
        this.policy = policy;
        this.shell = shell;
        this.forks = forks;
    }

    @Override
    public SkillText.Shell shell(ToolContext ctx) {
        if (shell == null) return SkillText.Shell.NONE;
        return command -> {
            var args = Json.object().put("command", command);
            var decision = policy.check(new ToolCall("skill-command", "run_shell", args.toString()), args, ctx);
            if (decision != null && !decision.allowed()) return "[not run: `" + command + "`: " + decision.reason() + "]";
            try {
                var result = shell.execute(args, ctx);
                var text = result.content();
                int nl = text.indexOf('\n');
                String status = nl < 0 ? text : text.substring(0, nl), output = nl < 0 ? "" : text.substring(nl + 1);
                return result.error() ? "[`" + command + "` failed: " + status + "]\n" + output : output;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                return "[not run: `" + command + "`: " + e.getMessage() + "]";
            }
        };
    }

    @Override
    public String fork(Skill skill, String instructions, ToolContext ctx) throws Exception {
        if (!forks || ctx == null || ctx.runId() == null) return null;
        var depths = session.harness().subagentDepths;
        int depth = depths.getOrDefault(ctx.runId(), 0);
        if (depth >= SpawnAgentTool.MAX_DEPTH) return null; // too deep to fork: the caller follows it itself
        var agent = session.subagentBuilder(AgentSpec.subagent(null, session.skillModel(skill), null, List.of()), ctx).build();
        var childRun = RunIds.next();
        depths.put(childRun, depth + 1);
        catalog.activate(childRun, skill);
        try {
            var handle = agent.startChild(childRun, instructions, ctx);
            ai.apprentice.runtime.RunResult result;
            try {
                result = handle.await();
            } catch (InterruptedException e) {
                handle.cancel();
                throw e;
            }
            if (result.status() != RunStatus.SUCCEEDED) {
                return "The skill " + skill.name() + " ran in its own context (subagent run " + childRun + ") and "
                        + result.status().wireName() + " (" + result.stopReason() + ")" + (result.error() == null ? "" : ": " + result.error());
            }
            return "The skill " + skill.name() + " ran in its own context (context: fork; subagent run " + childRun + "). Its answer:\n\n"
                    + (result.answer() == null ? "" : result.answer());
        } finally {
            depths.remove(childRun);
            catalog.deactivate(childRun);
        }
    }
}
